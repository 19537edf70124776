// `airtime export`: every transaction of a period with its final state, streamed, for accounting.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { AirtimeError, EXIT } from '../core/errors.js';
import { parseMoment } from '../core/time.js';
import type { Ledger } from '../ledger/store.js';
import type { ExportResult } from '../results/ledger.js';
import { recordLines, type TransactionRecord, transactionRecord } from '../results/record.js';
import { writeLines } from '../streams.js';
import { type Context, environmentFor } from './context.js';

export interface ExportOptions {
  since?: string | undefined;
  until?: string | undefined;
  format?: string | undefined;
  output?: string | undefined;
  allEnvironments?: boolean | undefined;
}

/** To a file, written here (mode 0600); to stdout, as records the printer streams. */
export async function exportTransactions(
  options: ExportOptions,
  ctx: Pick<Context, 'settings' | 'readLedger' | 'clock' | 'flags'>,
): Promise<ExportResult> {
  // An export is many records, not one document: --json used to print CSV without a word, and a
  // script piping it to jq failed on the first line.
  if (ctx.flags.json && !options.output) {
    throw new AirtimeError('USAGE', 'export prints CSV or JSON lines, not one JSON document: use --format jsonl for JSON', {
      hint: 'with --output FILE, --json reports the file written as one JSON document',
    });
  }
  const format = options.format ?? (options.output?.endsWith('.jsonl') ? 'jsonl' : 'csv');
  if (format !== 'csv' && format !== 'jsonl') throw new AirtimeError('USAGE', `--format ${format}: use csv or jsonl`);
  const settings = await ctx.settings();
  const now = ctx.clock.now();
  const filter = {
    environment: options.allEnvironments ? undefined : environmentFor(settings),
    since: options.since === undefined ? undefined : parseMoment(options.since, now),
    until: options.until === undefined ? undefined : parseMoment(options.until, now, '--until'),
  };
  const ledger = await ctx.readLedger(settings);
  const records = recordsOf(ledger, filter);
  if (!options.output) return { kind: 'stream', format, records, exitCode: EXIT.OK };
  // Phone numbers and amounts are personal and financial data: an export file is private.
  const file = createWriteStream(options.output, { mode: 0o600 });
  await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new AirtimeError('USAGE', `cannot write ${options.output}: ${error.code ?? error.message}`);
  });
  const lines = await writeLines(file, recordLines(records, format));
  file.end();
  await once(file, 'finish');
  return { kind: 'file', rows: format === 'csv' ? lines - 1 : lines, destination: options.output, exitCode: EXIT.OK };
}

async function* recordsOf(ledger: Ledger | null, filter: Parameters<Ledger['iterate']>[0]): AsyncGenerator<TransactionRecord> {
  if (!ledger) return;
  for await (const row of ledger.iterate(filter)) yield transactionRecord(row);
}
