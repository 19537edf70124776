// Why a file is not sent as it stands: it has no rows, invalid rows, duplicate rows, or rows that
// repeat recent payments. Each is one error that lists what to fix.
import { AirtimeError } from '../core/errors.js';
import { formatMinorOf } from '../core/money.js';
import { printable, shellWord } from '../core/text.js';
import type { StoredTransaction } from '../ledger/records.js';
import { describeProblem, type FileCheck, type RepeatMatch } from '../results/bulk.js';

/**
 * What stops a checked file from being sent as it stands, the first of: no rows, invalid rows
 * (unless skipped), duplicate rows (unless allowed). `validate --file` and `send --file` share it.
 */
export function fileRefusal(
  check: Pick<FileCheck, 'total' | 'invalidCount' | 'duplicateCount'>,
  options: { skipInvalid?: boolean | undefined; allowDuplicates?: boolean | undefined },
): 'empty' | 'invalid' | 'duplicates' | null {
  if (check.total === 0) return 'empty';
  if (check.invalidCount > 0 && !options.skipInvalid) return 'invalid';
  if (check.duplicateCount > 0 && !options.allowDuplicates) return 'duplicates';
  return null;
}

/** How many rows a refusal lists, one a line, before "and N more". */
const LISTED_ROWS = 20;

/**
 * A refusal's rows, one a line (text from the file escaped, so a row stays one line), the first
 * LISTED_ROWS, then how many more and where to see them all.
 */
function listRows(lines: string[], count: number, more: string): string {
  const shown = lines.slice(0, LISTED_ROWS).map((line) => `\n  ${printable(line)}`);
  const rest = count - shown.length;
  return `${shown.join('')}${rest > 0 ? `\n  and ${rest} more${more}` : ''}`;
}

export function refuseBadFile(
  check: FileCheck,
  options: { file: string; skipInvalid?: boolean | undefined; allowDuplicates?: boolean | undefined },
): void {
  const refusal = fileRefusal(check, options);
  const everyRow = `: \`airtime validate --file ${shellWord(options.file)}\``;
  if (refusal === 'empty') throw new AirtimeError('INVALID_FILE', `${options.file} has no rows`);
  if (refusal === 'invalid') {
    const listed = listRows(check.invalid.map(describeProblem), check.invalidCount, everyRow);
    // Keys naming other payments, and nothing else wrong: the code a single send would give.
    const onlyConflicts =
      check.invalid.length === check.invalidCount && check.invalid.every((p) => p.errors.every((e) => e.code === 'IDEMPOTENCY_CONFLICT'));
    throw new AirtimeError(
      onlyConflicts ? 'IDEMPOTENCY_CONFLICT' : 'INVALID_FILE',
      `${check.invalidCount} of ${check.total} rows are invalid, so nothing was sent:${listed}`,
      {
        hint: 'fix them, or pass --skip-invalid to send the valid rows',
        details: { invalid: check.invalid },
      },
    );
  }
  if (refusal === 'duplicates') {
    const listed = listRows(
      check.duplicates.map((d) => `row ${d.row} repeats row ${d.firstRow}`),
      check.duplicateCount,
      everyRow,
    );
    throw new AirtimeError(
      'DUPLICATE_ROWS',
      `${check.duplicateCount} row(s) repeat an earlier row's phone, amount and currency, so nothing was sent:${listed}`,
      {
        hint: 'give them distinct key or reference values, or pass --allow-duplicates to pay each of them',
        details: { duplicates: check.duplicates },
      },
    );
  }
}

export function repeatMatch(row: number, match: StoredTransaction): RepeatMatch {
  return {
    row,
    phoneNumber: match.phoneNumber,
    amount: formatMinorOf(match.currency, match.amountMinor),
    currency: match.currency,
    matchedKey: match.idempotencyKey,
    matchedBatch: match.batchId,
    matchedAt: match.createdAt,
  };
}

/** REPEAT_PAYMENT for a new batch: the rows that pay what a payment of the last 24 hours paid. */
export function repeatPayment(repeats: RepeatMatch[], count: number, batchId: string): AirtimeError {
  const listed = listRows(
    repeats.map(
      (r) =>
        `row ${r.row}: ${r.currency} ${r.amount} to ${r.phoneNumber}, already in ${r.matchedBatch ? `batch ${r.matchedBatch}` : `send ${r.matchedKey}`}`,
    ),
    count,
    '',
  );
  return new AirtimeError(
    'REPEAT_PAYMENT',
    `${count} row(s) of this new batch (${batchId}) pay the same phone, amount and currency as a payment of the last 24 hours, so nothing was sent:${listed}`,
    { hint: 'pass --new to pay them again on purpose', details: { repeats } },
  );
}
