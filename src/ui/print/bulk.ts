// How a bulk run and a file's validation read: the contract's JSON document (written row by row, so
// a million-row batch never becomes one string), or a summary line and what to do next.
import { EXIT } from '../../core/errors.js';
import { formatAmount } from '../../core/money.js';
import { type BulkOutcome, describeProblem, type FileCheck, type ValidateFileResult } from '../../results/bulk.js';
import type { Output } from '../output.js';

export async function printBulk(outcome: BulkOutcome, output: Output): Promise<void> {
  if (outcome.kind === 'declined') return output.error('cancelled: nothing was sent');
  if (outcome.kind === 'dry-run') {
    const { check, batchId, repeats } = outcome;
    const totals = totalsOf(check);
    if (output.flags.json) {
      return output.json({
        ok: true,
        dryRun: true,
        batchId,
        total: check.total,
        valid: check.validCount,
        invalid: check.invalidCount,
        duplicates: check.duplicateCount,
        repeats: repeats.length,
        totals,
      });
    }
    output.result(`Would send ${check.validCount} row(s) in batch ${batchId}: ${money(totals, '')}. Nothing was sent.`);
    if (check.invalidCount > 0) output.warn(`${check.invalidCount} invalid row(s) would be skipped (--skip-invalid)`);
    if (repeats.length > 0)
      output.warn(`${repeats.length} row(s) repeat a payment of the last 24 hours: a new batch is refused unless --new`);
    return;
  }

  const { summary, failures, exitCode } = outcome;
  if (output.flags.json) {
    const { batchId, total, sent, failed, unknown, replayed, skipped, notReached, totals } = summary;
    // An interrupted run says so the contract's way for failures, so a script can tell it from a
    // run that finished with failed rows, and gets the command that resumes it.
    const error = summary.interrupted
      ? {
          code: 'INTERRUPTED',
          message: `interrupted by ${summary.interrupted}; the ledger is consistent`,
          resumeCommand: summary.resumeCommand,
        }
      : undefined;
    const head = {
      ok: exitCode === 0,
      ...(error && { error }),
      batchId,
      total,
      sent,
      failed,
      unknown,
      replayed,
      skipped,
      notReached,
      ...(summary.elsewhere !== undefined && { elsewhere: summary.elsewhere }),
      totals,
    };
    output.write(`${JSON.stringify(head).slice(0, -1)},"rows":[`);
    let first = true;
    for await (const row of outcome.rows()) {
      output.write(`${first ? '' : ','}${JSON.stringify(row)}`);
      first = false;
    }
    output.write(']}\n');
  }
  const c = output.out;
  output.result(
    `batch ${summary.batchId}: ${c.green(`${summary.sent} sent`)}, ${summary.failed ? c.red(`${summary.failed} failed`) : '0 failed'}, ` +
      `${summary.unknown ? c.yellow(`${summary.unknown} unknown`) : '0 unknown'}, ${summary.replayed} replayed, ${summary.skipped} skipped` +
      `${summary.notReached ? `, ${summary.notReached} not reached` : ''}` +
      `${summary.elsewhere ? `, ${summary.elsewhere} sent by other processes` : ''} ` +
      `(${money(summary.totals, 'nothing')} accepted) in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  );
  if (!output.flags.json) {
    for (const row of failures) {
      output.info(
        `  row ${row.row}: ${row.state}${row.phoneNumber ? ` ${row.currency} ${row.amount} to ${row.phoneNumber}` : ''}: ${row.errorMessage ?? ''}`,
      );
    }
  }
  if (summary.alreadyComplete)
    output.warn(`batch ${summary.batchId} was already complete: nothing was sent; these are its recorded results`);
  if (summary.unknown > 0) {
    output.info(
      `unknown rows may have been paid: check them with \`airtime status ${summary.batchId}\`, then \`airtime reconcile <key> --as sent|failed\``,
    );
  }
  if (summary.failed > 0 && !summary.interrupted) {
    const retry = /(^| )--retry-failed( |$)/.test(summary.resumeCommand)
      ? summary.resumeCommand
      : `${summary.resumeCommand} --retry-failed`;
    output.info(`to resend the failed rows under new keys: ${retry}`);
  }
  if (summary.interrupted) {
    output.error(`interrupted by ${summary.interrupted}; the ledger is consistent. Resume with:`, summary.resumeCommand);
  } else if (output.flags.quiet && !output.flags.json && exitCode !== EXIT.OK) {
    // --quiet keeps errors: rows that failed or may have been paid are one, stated once.
    output.error(
      `batch ${summary.batchId}: ${summary.failed} failed, ${summary.unknown} unknown, ${summary.skipped} skipped${summary.notReached ? `, ${summary.notReached} not reached` : ''} of ${summary.total}; see \`airtime status ${summary.batchId}\``,
    );
  }
}

export function printValidateFile(result: ValidateFileResult, output: Output): void {
  const { check, valid, allowDuplicates } = result;
  if (output.flags.json) {
    return output.json({
      ok: valid,
      valid,
      total: check.total,
      validRows: check.validCount,
      invalidRows: check.invalidCount,
      duplicates: check.duplicateCount,
      totals: totalsOf(check),
      invalid: check.invalid,
      duplicateRows: check.duplicates,
    });
  }
  output.result(
    `${check.total} row(s): ${check.validCount} valid, ${check.invalidCount} invalid, ${check.duplicateCount} duplicate(s); ${money(totalsOf(check), 'nothing')}`,
  );
  for (const problem of check.invalid) output.error(describeProblem(problem));
  if (check.invalidCount > check.invalid.length) output.info(`… and ${check.invalidCount - check.invalid.length} more invalid rows`);
  if (!allowDuplicates)
    for (const d of check.duplicates) output.error(`row ${d.row} repeats row ${d.firstRow} (same phone, amount and currency)`);
  if (check.total === 0) output.error('the file has no rows');
}

function totalsOf(check: FileCheck): Record<string, string> {
  return Object.fromEntries([...check.totals].map(([market, minor]) => [market.currency, formatAmount(minor, market)]));
}

/** "KES 1500.00, UGX 500", or `none` for no money at all. */
function money(totals: Record<string, string>, none: string): string {
  return (
    Object.entries(totals)
      .map(([currency, amount]) => `${currency} ${amount}`)
      .join(', ') || none
  );
}
