// How a bulk run ends: its exit code by the contract's precedence, its rows from the ledger (the
// source of truth) with the invalid ones between them, the command that resumes it, and its report.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { csvField } from '../core/csv.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { shellWord } from '../core/text.js';
import type { LedgerScope } from '../ledger/records.js';
import type { RunRows } from '../ledger/store.js';
import { BULK_ROW_FIELDS, type BulkRow, type RowProblem } from '../results/bulk.js';
import { resultFromRow } from '../results/transaction.js';

/** The contract's precedence: 130/143 over 5 over 3 over 1 over 0. */
export function bulkExitCode(
  interrupted: NodeJS.Signals | null,
  counts: { sent: number; failed: number; unknown: number; skipped: number; notReached?: number },
): number {
  if (interrupted) return interrupted === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  if (counts.unknown > 0) return EXIT.UNKNOWN;
  const notSent = counts.failed + counts.skipped + (counts.notReached ?? 0);
  if (counts.sent > 0 && notSent > 0) return EXIT.PARTIAL;
  if (counts.sent === 0 && notSent > 0) return EXIT.FAILED;
  return EXIT.OK;
}

/** The flags a resume needs: every one that changes how rows are read or sent. */
export interface ResumeFlags {
  file: string;
  country?: string | undefined;
  skipInvalid?: boolean | undefined;
  allowDuplicates?: boolean | undefined;
  retryFailed?: boolean | undefined;
  concurrency?: number | undefined;
  rate?: number | undefined;
  timeout?: number | undefined;
  retries?: number | undefined;
  maxNumRetry?: number | undefined;
}

export function resumeCommandFor(options: ResumeFlags, batchId: string): string {
  const flags = [
    options.country !== undefined && `--country ${options.country}`,
    options.skipInvalid && '--skip-invalid',
    options.allowDuplicates && '--allow-duplicates',
    options.retryFailed && '--retry-failed',
    options.concurrency !== undefined && `--concurrency ${options.concurrency}`,
    options.rate !== undefined && `--rate ${options.rate}`,
    options.timeout !== undefined && `--timeout ${options.timeout}`,
    options.retries !== undefined && `--retries ${options.retries}`,
    options.maxNumRetry !== undefined && `--max-num-retry ${options.maxNumRetry}`,
  ].filter(Boolean);
  return ['airtime send --file', shellWord(options.file), '--batch', batchId, '--yes', ...flags].join(' ');
}

/** This run's rows in row order, from the ledger (the source of truth), with the invalid ones. */
export async function* batchRows(
  runRows: RunRows,
  scope: LedgerScope,
  invalid: RowProblem[],
  elsewhere: ReadonlySet<number> = new Set(),
): AsyncGenerator<BulkRow> {
  let next = 0;
  // A row refused for a cap was valid, only not sent; any other problem makes the row invalid.
  const invalidRow = (problem: RowProblem): BulkRow => ({
    row: problem.row,
    phoneNumber: null,
    amount: null,
    currency: null,
    reference: null,
    state: problem.errors.every((e) => e.code === 'LIMIT_EXCEEDED') ? 'skipped' : 'invalid',
    requestId: null,
    idempotencyKey: null,
    errorMessage: problem.errors.map((e) => e.message).join(', '),
  });
  for await (const { row: number, transaction: row } of runRows.transactions(scope)) {
    while (next < invalid.length && (invalid[next]?.row ?? 0) < number) yield invalidRow(invalid[next++] as RowProblem);
    const result = resultFromRow(row, false);
    yield {
      row: number,
      phoneNumber: row.phoneNumber,
      amount: result.amount,
      currency: row.currency,
      reference: row.reference,
      state: row.state,
      requestId: row.requestId,
      idempotencyKey: row.idempotencyKey,
      errorMessage: row.errorMessage,
      ...(elsewhere.has(number) ? { elsewhere: true as const } : {}),
    };
  }
  while (next < invalid.length) yield invalidRow(invalid[next++] as RowProblem);
}

/** `--report file.csv|file.jsonl`: one line per row of the file, mode 0600 (phone numbers and amounts). */
export async function writeReport(path: string, rows: AsyncIterable<BulkRow>): Promise<void> {
  const jsonl = path.endsWith('.jsonl') || path.endsWith('.ndjson');
  const file = createWriteStream(path, { mode: 0o600 });
  await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new AirtimeError('USAGE', `cannot write the report ${path}: ${error.code ?? error.message}`);
  });
  const write = async (line: string) => {
    if (!file.write(`${line}\n`)) await once(file, 'drain');
  };
  if (!jsonl) await write(BULK_ROW_FIELDS.join(','));
  for await (const row of rows) {
    await write(
      jsonl ? JSON.stringify(row) : BULK_ROW_FIELDS.map((c) => csvField(row[c], c === 'phoneNumber' || c === 'amount')).join(','),
    );
  }
  file.end();
  await once(file, 'finish');
}
