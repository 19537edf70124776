// Turning command results into what people and scripts read. Returns the exit code the result
// calls for; src/main.ts is the one that exits.

import { stripVTControlCharacters } from 'node:util';
import type { FileCheck } from '../bulk/check.js';
import { describeProblem } from '../bulk/problem.js';
import type { BalanceResult } from '../commands/balance.js';
import type { BulkOutcome, ValidateFileResult } from '../commands/bulk.js';
import type { ExportResult } from '../commands/export.js';
import type { ReconcileResult } from '../commands/reconcile.js';
import type { SendOutcome, SendPreview } from '../commands/send.js';
import type { StatsResult } from '../commands/stats.js';
import type { StatusResult } from '../commands/status.js';
import type { ValidateResult } from '../commands/validate.js';
import { marketByCountry } from '../core/countries.js';
import { type AirtimeError, EXIT, errorJson } from '../core/errors.js';
import { formatAmount } from '../core/money.js';
import { localDay } from '../core/time.js';
import type { StoredTransaction } from '../ledger/ledger.js';
import { resultFromRow, type TransactionResult, transactionJson } from '../transaction.js';
import { type Output, printable } from './output.js';

export function stateColor(output: Output, state: string, text = state): string {
  const c = output.out;
  if (state === 'sent' || state === 'delivered') return c.green(text);
  if (state === 'failed') return c.red(text);
  if (state === 'unknown' || state === 'pending') return c.yellow(text);
  return text;
}

/** The summary a person confirms before a send leaves: what, to whom, where, under which key. */
export function confirmationText(preview: SendPreview, output: Output): string {
  const c = output.out;
  const market = marketByCountry(preview.country);
  const lines = [
    `  Number       ${preview.phoneNumber} (${market?.name ?? preview.country})`,
    `  Amount       ${c.bold(`${preview.currency} ${preview.amount}`)}`,
    `  Environment  ${preview.environment === 'live' ? c.bold.red('LIVE: real airtime, real money') : (preview.environment ?? 'unknown')}`,
    `  Key          ${preview.idempotencyKey}`,
  ];
  return `\n${lines.join('\n')}\n  Send it?`;
}

export function printSend(outcome: SendOutcome, output: Output): number {
  if (outcome.kind === 'dry-run' || outcome.kind === 'declined') {
    const { preview } = outcome;
    if (outcome.kind === 'declined') {
      output.error('cancelled: nothing was sent');
      return EXIT.SIGINT;
    }
    if (output.flags.json) {
      output.json({ ok: true, dryRun: true, ...preview });
    } else {
      output.result(
        `Would send ${preview.currency} ${preview.amount} to ${preview.phoneNumber} (${preview.country})` +
          `${preview.environment ? ` on ${preview.environment}` : ''}, key ${preview.idempotencyKey}. Nothing was sent.`,
      );
    }
    return EXIT.OK;
  }
  const exitCode = printTransaction(outcome.result, output);
  if (!outcome.interrupted) return exitCode;
  output.error(`interrupted by ${outcome.interrupted}; the answer above is recorded in the ledger`);
  return outcome.interrupted === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
}

export function printTransaction(result: TransactionResult, output: Output): number {
  const { exitCode } = result;
  if (output.flags.json) {
    output.json(transactionJson(result));
  }
  const money = `${result.currency} ${result.amount}`;
  if (exitCode === EXIT.OK) {
    const tick = output.out.green('✔');
    const replayed = result.replayed ? output.out.dim(' (replayed from the ledger; nothing new was sent)') : '';
    output.result(
      `${tick} ${stateColor(output, result.state, result.status ?? result.state)} ${money} to ${result.phoneNumber}${replayed}`,
    );
    output.result(`  requestId ${result.requestId ?? '-'}  key ${result.idempotencyKey}  ${result.environment}`);
    if (result.discount) output.result(`  discount ${result.discount}`);
    return exitCode;
  }
  const message = result.error?.message ?? result.errorMessage ?? result.state;
  output.error(`${result.replayed ? 'replayed from the ledger: ' : ''}${message} (${money} to ${result.phoneNumber})`, hintFor(result));
  return exitCode;
}

function hintFor(result: TransactionResult): string | undefined {
  // A replayed failure is this key's recorded result: trying "again" with the key replays it again.
  if (result.replayed && result.state === 'failed') {
    return `this is the result recorded for key ${result.idempotencyKey}; to try again, send without --key (a new key)`;
  }
  switch (result.error?.code) {
    case 'OUTCOME_UNKNOWN':
      return `run \`airtime status ${result.idempotencyKey}\` to check; re-running with --key ${result.idempotencyKey} cannot pay twice, and once you have checked Africa's Talking, \`airtime reconcile ${result.idempotencyKey} --as sent|failed\` settles it`;
    case 'AUTH_FAILED':
      return 'check AT_USERNAME and AT_API_KEY (or `airtime config show`)';
    case 'INSUFFICIENT_BALANCE':
      return "top up the Africa's Talking account, then run `airtime balance`";
    case 'NETWORK_ERROR':
      // The message names the address, where it was set and what to check; what is left to say:
      return 'nothing was sent; the same command can be run again once it can be reached';
    default:
      return undefined;
  }
}

/** An error that stopped a command, as a line on stderr and, with --json, a document on stdout. */
export function printError(error: AirtimeError, output: Output): void {
  if (output.flags.json) {
    output.json(errorJson(error));
  }
  output.error(error.message, error.hint);
}

export function printValidate(result: ValidateResult, output: Output): number {
  const exitCode = result.valid ? EXIT.OK : EXIT.USAGE;
  if (output.flags.json) {
    output.json({ ok: result.valid, ...result });
    if (!result.valid) return exitCode;
  }
  if (result.valid) {
    const amount = result.amount === null ? '' : `  ${result.currency} ${result.amount} allowed`;
    output.result(`${output.out.green('✔')} ${result.phoneNumber}  ${result.country}  ${result.currency}${amount}`);
    return exitCode;
  }
  for (const error of result.errors) output.error(error.message);
  return exitCode;
}

export function printBalance(result: BalanceResult, output: Output): number {
  if (output.flags.json) {
    output.json({ ok: true, balance: result.balance, currency: result.currency, amount: result.amount });
  } else {
    output.result(`${result.balance}  (${result.environment})`);
  }
  return EXIT.OK;
}

/** Local time for people at a terminal, ISO-8601 (UTC) for everything else. */
function formatTime(ms: number, output: Output): string {
  const date = new Date(ms);
  if (!output.localDates) return date.toISOString();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${localDay(ms)} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** The contract's `status --json` entry. */
function statusJson(row: StoredTransaction): Record<string, unknown> {
  const result = resultFromRow(row, false);
  return {
    idempotencyKey: row.idempotencyKey,
    requestId: row.requestId,
    phoneNumber: row.phoneNumber,
    amount: result.amount,
    currency: row.currency,
    state: row.state,
    errorMessage: row.errorMessage,
    batchId: row.batchId,
    reference: row.reference,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    environment: row.environment,
    status: row.atStatus,
    discount: result.discount,
    attempts: row.attempts,
  };
}

export function printStatus(result: StatusResult, output: Output): number {
  if (!result.found) {
    const message = `no transaction has the requestId, key or batch id ${result.id}`;
    if (output.flags.json) output.json({ ok: false, error: { code: 'NOT_FOUND', message }, transactions: [] });
    output.error(message, 'run `airtime status` to list recent transactions (add --all-environments to include both)');
    return result.exitCode;
  }
  if (output.flags.json) {
    output.json({ ok: true, transactions: result.transactions.map(statusJson) });
    return result.exitCode;
  }
  if (result.transactions.length === 0) {
    output.info('no transactions yet');
    return result.exitCode;
  }
  const rows = result.transactions.map((row) => {
    const amount = resultFromRow(row, false).amount;
    return [
      formatTime(row.createdAt, output),
      row.state,
      `${row.currency} ${amount}`,
      row.phoneNumber,
      row.idempotencyKey,
      row.requestId ?? '-',
      // Text from outside (a file's reference, an answer's or a callback's words): shown, never obeyed.
      printable(row.reference ?? row.batchId ?? ''),
      printable(row.errorMessage ?? ''),
    ];
  });
  if (output.streams.stdout.isTTY) {
    const header = ['CREATED', 'STATE', 'AMOUNT', 'PHONE', 'KEY', 'REQUEST ID', 'REFERENCE', 'ERROR'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[], color = false) =>
      cells
        .map((cell, i) => {
          const padded = cell.padEnd(widths[i] ?? 0);
          return color && i === 1 ? stateColor(output, cell, padded) : padded;
        })
        .join('  ')
        .trimEnd();
    output.result(output.out.bold(line(header)));
    for (const row of rows) output.result(line(row, true));
  } else {
    for (const row of rows) output.result(row.join('\t'));
  }
  if (result.transactions.some((r) => r.state === 'unknown')) {
    output.info("unknown: check Africa's Talking, then `airtime reconcile <key> --as sent|failed`");
  }
  return result.exitCode;
}

export function printReconcile(result: ReconcileResult, output: Output): number {
  const row = result.transaction;
  if (output.flags.json) {
    output.json({ ok: true, transaction: statusJson(row), previousState: result.previousState, settledBy: result.by });
  } else {
    output.result(`Settled key ${row.idempotencyKey} as ${stateColor(output, row.state)} (was ${result.previousState}), by ${result.by}.`);
  }
  return EXIT.OK;
}

export function printStats(result: StatsResult, output: Output): number {
  if (output.flags.json) {
    output.json({ ok: true, ...result });
    return EXIT.OK;
  }
  const c = output.out;
  const rate = result.successRate === null ? 'n/a' : `${(result.successRate * 100).toFixed(1)}%`;
  output.result(
    `attempts ${result.attempts}   ${c.green(`sent ${result.sent}`)} (delivered ${result.delivered})   ${c.red(`failed ${result.failed}`)}   ${c.yellow(`unknown ${result.unknown}`)}   success rate ${rate}`,
  );
  const currencies = Object.entries(result.byCurrency);
  if (currencies.length > 0) {
    output.result('');
    for (const [currency, figures] of currencies) {
      output.result(
        `${currency.padEnd(4)} ${String(figures.count).padStart(7)} sent  ${figures.amount.padStart(14)}  discount ${figures.discount}`,
      );
    }
  }
  if (result.failureReasons.length > 0) {
    output.result('');
    output.result('top failure reasons:');
    for (const reason of result.failureReasons) output.result(`${String(reason.count).padStart(7)}  ${printable(reason.reason)}`);
  }
  // People read a chart faster than a table; a script reads the JSON.
  if (output.streams.stdout.isTTY && result.daily.length > 0) {
    const days = result.daily.slice(-30);
    const widest = Math.max(...days.map((d) => d.sent + d.failed + d.unknown), 1);
    const width = Math.max(10, Math.min(50, (output.streams.stdout.columns ?? 80) - 40));
    output.result('');
    for (const day of days) {
      const bar = (n: number) => '█'.repeat(Math.round((n / widest) * width));
      output.result(
        `${day.date}  ${c.green(bar(day.sent))}${c.red(bar(day.failed))}${c.yellow(bar(day.unknown))} ${day.sent} sent, ${day.failed} failed${day.unknown ? `, ${day.unknown} unknown` : ''}`,
      );
    }
  }
  return EXIT.OK;
}

export function printExport(result: ExportResult, output: Output): number {
  if (result.destination !== 'stdout') {
    if (output.flags.json) output.json({ ok: true, rows: result.rows, output: result.destination });
    else output.info(`exported ${result.rows} transaction(s) to ${result.destination}`);
  }
  return EXIT.OK;
}

export function printBulk(outcome: BulkOutcome, output: Output): number {
  if (outcome.kind === 'declined') {
    output.error('cancelled: nothing was sent');
    return EXIT.SIGINT;
  }
  if (outcome.kind === 'dry-run') {
    const { check, batchId, repeats } = outcome;
    const totals = totalsOf(check);
    if (output.flags.json) {
      output.json({
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
    } else {
      const money = Object.entries(totals)
        .map(([currency, amount]) => `${currency} ${amount}`)
        .join(', ');
      output.result(`Would send ${check.validCount} row(s) in batch ${batchId}: ${money}. Nothing was sent.`);
      if (check.invalidCount > 0) output.warn(`${check.invalidCount} invalid row(s) would be skipped (--skip-invalid)`);
      if (repeats.length > 0) {
        output.warn(`${repeats.length} row(s) repeat a payment of the last 24 hours: a new batch is refused unless --new`);
      }
    }
    return EXIT.OK;
  }

  const { summary, failures } = outcome;
  if (output.flags.json) {
    const { batchId, total, sent, failed, unknown, replayed, skipped, totals } = summary;
    // An interrupted run says so the contract's way for failures, so a script can tell it from a
    // run that finished with failed rows, and gets the command that resumes it.
    const error = summary.interrupted
      ? {
          code: 'INTERRUPTED',
          message: `interrupted by ${summary.interrupted}; the ledger is consistent`,
          resumeCommand: summary.resumeCommand,
        }
      : undefined;
    const head = { ok: summary.exitCode === 0, ...(error && { error }), batchId, total, sent, failed, unknown, replayed, skipped, totals };
    // Written row by row: a million-row batch does not become one string in memory.
    output.write(`${JSON.stringify(head).slice(0, -1)},"rows":[`);
    let first = true;
    for (const row of outcome.rows()) {
      output.write(`${first ? '' : ','}${JSON.stringify(row)}`);
      first = false;
    }
    output.write(']}\n');
  }
  const c = output.out;
  const money =
    Object.entries(summary.totals)
      .map(([currency, amount]) => `${currency} ${amount}`)
      .join(', ') || 'nothing';
  output.result(
    `batch ${summary.batchId}: ${c.green(`${summary.sent} sent`)}, ${summary.failed ? c.red(`${summary.failed} failed`) : '0 failed'}, ` +
      `${summary.unknown ? c.yellow(`${summary.unknown} unknown`) : '0 unknown'}, ${summary.replayed} replayed, ${summary.skipped} skipped ` +
      `(${money} accepted) in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
  );
  if (!output.flags.json) {
    for (const row of failures) {
      output.info(
        `  row ${row.row}: ${row.state}${row.phoneNumber ? ` ${row.currency} ${row.amount} to ${row.phoneNumber}` : ''}: ${row.errorMessage ?? ''}`,
      );
    }
  }
  if (summary.alreadyComplete) {
    output.warn(`batch ${summary.batchId} was already complete: nothing was sent; these are its recorded results`);
  }
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
  } else if (output.flags.quiet && !output.flags.json && summary.exitCode !== EXIT.OK) {
    // --quiet keeps errors: rows that failed or may have been paid are one, stated once.
    output.error(
      `batch ${summary.batchId}: ${summary.failed} failed, ${summary.unknown} unknown, ${summary.skipped} skipped of ${summary.total}; see \`airtime status ${summary.batchId}\``,
    );
  }
  return summary.exitCode;
}

export function printValidateFile(result: ValidateFileResult, output: Output): number {
  const { check, valid, allowDuplicates } = result;
  if (output.flags.json) {
    output.json({
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
    return valid ? EXIT.OK : EXIT.USAGE;
  }
  const money =
    Object.entries(totalsOf(check))
      .map(([currency, amount]) => `${currency} ${amount}`)
      .join(', ') || 'nothing';
  output.result(
    `${check.total} row(s): ${check.validCount} valid, ${check.invalidCount} invalid, ${check.duplicateCount} duplicate(s); ${money}`,
  );
  for (const problem of check.invalid) output.error(describeProblem(problem));
  if (check.invalidCount > check.invalid.length) output.info(`… and ${check.invalidCount - check.invalid.length} more invalid rows`);
  if (!allowDuplicates)
    for (const d of check.duplicates) output.error(`row ${d.row} repeats row ${d.firstRow} (same phone, amount and currency)`);
  if (check.total === 0) output.error('the file has no rows');
  return valid ? EXIT.OK : EXIT.USAGE;
}

function totalsOf(check: FileCheck): Record<string, string> {
  return Object.fromEntries([...check.totals].map(([market, minor]) => [market.currency, formatAmount(minor, market)]));
}

// `airtime config` and `airtime completion` (their types imported here, at the end, to keep this
// file's additions in one place).
type ConfigInitResult = import('../commands/config.js').ConfigInitResult;
type SetKeyResult = import('../commands/config.js').SetKeyResult;
type ConfigShowResult = import('../commands/config.js').ConfigShowResult;
type ConfigPathResult = import('../commands/config.js').ConfigPathResult;
type CompletionResult = import('../commands/completion.js').CompletionResult;

export function printConfigInit(result: ConfigInitResult, output: Output): number {
  if (result.kind === 'declined') {
    output.error(`cancelled: ${result.path} was left as it was`);
    return EXIT.SIGINT;
  }
  for (const warning of result.warnings) output.warn(warning);
  if (output.flags.json) {
    const { kind: _kind, ...document } = result;
    output.json({ ok: true, ...document });
    return EXIT.OK;
  }
  const tick = output.out.green('✔');
  for (const path of result.written) {
    // The key file, the user config given the key, or the user config that --global wrote with it.
    const holdsKey = result.apiKey !== null && (path !== result.path || result.scope === 'user');
    output.result(`${tick} wrote ${path} (mode 0600${holdsKey ? `, with the API key ${result.apiKey}` : ''})`);
  }
  output.result(
    result.keySource === 'env'
      ? 'Next: export AT_API_KEY in your shell (it is not stored), then run `airtime balance` to check the credentials.'
      : 'Next: run `airtime balance` to check the credentials, or `airtime config show` to see every setting.',
  );
  return EXIT.OK;
}

export function printConfigSetKey(result: SetKeyResult, output: Output): number {
  for (const warning of result.warnings) output.warn(warning);
  if (output.flags.json) {
    output.json({ ok: true, ...result });
    return EXIT.OK;
  }
  const where = result.profile ? ` for profile ${result.profile}` : '';
  output.result(
    `${output.out.green('✔')} ${result.replaced ? 'replaced' : 'stored'} the API key${where} in ${result.path} (mode 0600): ${result.apiKey}`,
  );
  return EXIT.OK;
}

export function printConfigShow(result: ConfigShowResult, output: Output): number {
  if (output.flags.json) {
    output.json({ ok: true, values: result.values, files: result.files });
    return EXIT.OK;
  }
  const c = output.out;
  // Eleven currencies of defaults for each kind of limit would bury the values someone set:
  // those get a line each, and each kind's defaults share one.
  const rows: { key: string; value: string; source: string }[] = [];
  const defaults = new Map<string, { key: string; value: string; source: string }>();
  for (const [key, { value, source }] of Object.entries(result.values)) {
    const limit = /^(limits\.\w+)\.([A-Z]{3})$/.exec(key);
    if (limit?.[1] && source === 'default') {
      const money = `${limit[2]} ${String(value)}`;
      const shared = defaults.get(limit[1]);
      if (shared) shared.value += `, ${money}`;
      else {
        const row = { key: limit[1], value: money, source };
        defaults.set(limit[1], row);
        rows.push(row);
      }
      continue;
    }
    rows.push({ key, value: value === null ? c.dim('-') : Array.isArray(value) ? value.join(', ') : String(value), source });
  }
  for (const row of defaults.values()) {
    if (rows.some(({ key }) => key.startsWith(`${row.key}.`))) row.key += ' (others)';
  }
  const keyWidth = Math.max(...rows.map(({ key }) => key.length));
  const valueWidth = Math.min(40, Math.max(...rows.map(({ value }) => visibleLength(value))));
  for (const { key, value, source } of rows) {
    const pad = ' '.repeat(Math.max(0, valueWidth - visibleLength(value)));
    const from = source === 'default' || source === 'not set' ? c.dim(source) : source;
    output.result(`${key.padEnd(keyWidth)}  ${value}${pad}  ${from}`);
  }
  output.result('');
  output.result(`files read: ${result.files.length ? result.files.join(', ') : 'none'}`);
  return EXIT.OK;
}

export function printConfigPath(result: ConfigPathResult, output: Output): number {
  if (result.problem) output.warn(result.problem);
  if (output.flags.json) {
    output.json({ ok: true, ...result });
    return EXIT.OK;
  }
  const c = output.out;
  const mark = (exists: boolean, loaded: boolean) => (loaded ? c.green('loaded') : exists ? c.yellow('exists') : c.dim('-'.padEnd(6)));
  const headings = {
    explicit: 'Named by --config or AIRTIME_CONFIG, instead of the search:',
    user: 'Your user folder (the first found is read):',
    home: 'Your home folder (yours: read beneath a project file):',
    project: 'Project files, from the working directory up to the first folder with .git, or your home folder (the first found is read):',
    beyond: 'Beyond where the search stops (no longer read):',
  };
  let kind = '';
  for (const file of result.files) {
    if (file.kind !== kind) {
      if (kind) output.result('');
      output.result(headings[file.kind]);
      kind = file.kind;
    }
    const why = file.note ? `  ${c.yellow(`(${file.note})`)}` : '';
    output.result(`  ${mark(file.exists, file.loaded)}  ${file.exists ? file.path : c.dim(file.path)}${why}`);
  }
  output.result('');
  output.result('Ledger:');
  output.result(`  ${result.ledger.exists ? c.green('exists') : c.dim('-'.padEnd(6))}  ${result.ledger.path}`);
  return EXIT.OK;
}

export function printCompletion(result: CompletionResult, output: Output): number {
  if (output.flags.json) output.json({ ok: true, shell: result.shell, script: result.script });
  else output.result(result.script.trimEnd());
  return EXIT.OK;
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}
