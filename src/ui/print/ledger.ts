// How the ledger's answers read: `status` (a table for people, TSV for pipes, JSON for scripts),
// `reconcile`, `stats` (with a per-day chart at a terminal) and `export`.

import { formatMinorOf } from '../../core/money.js';
import { localDay } from '../../core/time.js';
import type { BackupResult, ExportResult, MigrateResult, ReconcileResult, StatsResult, StatusResult } from '../../results/ledger.js';
import { recordLines, transactionRecord } from '../../results/record.js';
import { resultFromRow } from '../../results/transaction.js';
import { writeLines } from '../../streams.js';
import { type Output, printable } from '../output.js';
import { type Column, fitTable, tableLine } from '../table.js';
import { stateColor } from './send.js';

const STATUS_COLUMNS: readonly Column[] = [
  { header: 'CREATED', fit: 'keep' },
  { header: 'STATE', fit: 'keep' },
  { header: 'AMOUNT', fit: 'keep' },
  { header: 'PHONE', fit: 'keep' },
  { header: 'KEY', fit: 'middle', min: 12 },
  { header: 'REQUEST ID', fit: 'middle', min: 12, dropOrder: 1 },
  { header: 'REFERENCE', fit: 'end', min: 8, dropOrder: 2 },
  { header: 'ERROR', fit: 'end', min: 12, dropOrder: 3 },
];

/** Local time for people at a terminal, ISO-8601 (UTC) for everything else. */
function formatTime(ms: number, output: Output): string {
  const date = new Date(ms);
  if (!output.localDates) return date.toISOString();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${localDay(ms)} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

export function printStatus(result: StatusResult, output: Output): void {
  if (!result.found) {
    const message = `no transaction has the requestId, key or batch id ${result.id}`;
    if (output.flags.json) output.json({ ok: false, error: { code: 'NOT_FOUND', message }, transactions: [] });
    return output.error(message, 'run `airtime status` to list recent transactions (add --all-environments to include both)');
  }
  if (output.flags.json) return output.json({ ok: true, transactions: result.transactions.map(transactionRecord) });
  if (result.transactions.length === 0) return output.info('no transactions yet');
  const rows = result.transactions.map((row) => [
    formatTime(row.createdAt, output),
    row.state,
    `${row.currency} ${resultFromRow(row, false).amount}`,
    row.phoneNumber,
    row.idempotencyKey,
    row.requestId ?? '-',
    // Text from outside (a file's reference, an answer's or a callback's words): shown, never obeyed.
    printable(row.reference ?? row.batchId ?? ''),
    printable(row.errorMessage ?? ''),
  ]);
  if (output.streams.stdout.isTTY) {
    // Fitted to the terminal unless --wide: the time, state, amount and number whole; the key and
    // the requestId cut in the middle; the reference and error at their end; and at 80 columns the
    // requestId, reference and error left out, in that order, before the key gets too narrow to read.
    const table = fitTable(STATUS_COLUMNS, rows, result.wide ? undefined : output.columns);
    const state = table.shown.indexOf(1);
    output.result(output.out.bold(tableLine(table.header, table.widths)));
    for (const row of table.rows) {
      output.result(tableLine(row, table.widths, (cell, i, padded) => (i === state ? stateColor(output, cell, padded) : padded)));
    }
    if (table.cut) output.info(`cut to fit ${output.columns} columns: --wide shows every column in full, as a pipe does`);
  } else {
    for (const row of rows) output.result(row.join('\t'));
  }
  // A pending row (a send whose process was killed, or Ctrl-C twice) may have been paid as an
  // unknown one may: both are settled the same way.
  const open = (['pending', 'unknown'] as const).filter((state) => result.transactions.some((r) => r.state === state));
  if (open.length > 0) {
    const live = open.includes('pending') ? ' (a pending row still being sent settles by itself)' : '';
    output.info(`${open.join(', ')}: check Africa's Talking, then \`airtime reconcile <key> --as sent|failed\`${live}`);
  }
}

export function printReconcile(result: ReconcileResult, output: Output): void {
  const row = result.transaction;
  if (output.flags.json) {
    return output.json({ ok: true, transaction: transactionRecord(row), previousState: result.previousState, settledBy: result.by });
  }
  output.result(`Settled key ${row.idempotencyKey} as ${stateColor(output, row.state)} (was ${result.previousState}), by ${result.by}.`);
}

export function printStats(result: StatsResult, output: Output): void {
  const { exitCode: _exitCode, ...document } = result;
  if (output.flags.json) return output.json({ ok: true, ...document });
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
}

/** An export to stdout is streamed here, line by line; one to a file is only reported. */
export async function printExport(result: ExportResult, output: Output): Promise<void> {
  if (result.kind === 'stream') {
    await writeLines(output.streams.stdout, recordLines(result.records, result.format));
    return;
  }
  if (output.flags.json) output.json({ ok: true, rows: result.rows, output: result.destination });
  else output.info(`exported ${result.rows} transaction(s) to ${result.destination}`);
}

export function printMigrate(result: MigrateResult, output: Output): void {
  const { exitCode: _exitCode, ...document } = result;
  if (output.flags.json) return output.json({ ok: true, ...document });
  const c = output.out;
  output.result(
    result.alreadyCopied
      ? `${result.from} was copied into ${result.to} before; checked again.`
      : `Copied ${result.copied} transaction(s) and ${result.events} event(s) from ${result.from} into ${result.to}.`,
  );
  output.result('');
  const rows = [
    ['STATE', 'CURRENCY', 'HERE', 'COPIED', 'AMOUNT HERE', 'AMOUNT COPIED'],
    ...result.totals.map((t) => [
      t.state,
      t.currency,
      String(t.source.count),
      String(t.copied.count),
      formatMinorOf(t.currency, t.source.amountMinor),
      formatMinorOf(t.currency, t.copied.amountMinor),
    ]),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows)
    output.result(row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '));
  output.result(`${c.green('✔')} counts and amounts match.`);
  if (result.conflicts.length > 0) {
    output.warn(`${result.conflicts.length} key(s) were already in the shared ledger and were not copied (check each was paid once):`);
    for (const k of result.conflicts.slice(0, 20)) {
      output.warn(`  ${k.key} (${k.environment}): ${k.state} here, ${k.theirs.state} there (from ${k.theirs.host})`);
    }
  }
  if (result.repeatCount > 0) {
    output.warn(`${result.repeatCount} payment(s) of one number and amount on one day were made on more than one host:`);
    for (const r of result.repeats.slice(0, 20)) {
      output.warn(
        `  ${r.day} ${r.phoneNumber} ${r.currency} ${formatMinorOf(r.currency, r.amountMinor)}: ${r.count} times, on ${r.hosts.join(', ')}`,
      );
    }
  }
  output.result(`Sends through ${result.from} are refused from now on: set AIRTIME_LEDGER=${result.to} on this host.`);
}

export function printBackup(result: BackupResult, output: Output): void {
  const { exitCode: _exitCode, ...document } = result;
  if (output.flags.json) return output.json({ ok: true, ...document });
  output.result(
    `Backed up ${result.transactions} transaction(s) from ${result.from} to ${result.to} (${Math.ceil(result.bytes / 1024)} KiB, integrity checked).`,
  );
}
