import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type Context, environmentFor } from '../context.js';
import { csvField } from '../core/csv.js';
import { AirtimeError } from '../core/errors.js';
import { parseMoment } from '../core/time.js';
import type { StoredTransaction } from '../ledger/ledger.js';
import { resultFromRow } from '../transaction.js';

export interface ExportOptions {
  since?: string | undefined;
  until?: string | undefined;
  format?: string | undefined;
  output?: string | undefined;
  allEnvironments?: boolean | undefined;
}

export interface ExportResult {
  rows: number;
  destination: string;
}

const COLUMNS = [
  'createdAt',
  'updatedAt',
  'environment',
  'account',
  'idempotencyKey',
  'requestId',
  'phoneNumber',
  'country',
  'amount',
  'currency',
  'state',
  'status',
  'discount',
  'errorCode',
  'errorMessage',
  'batchId',
  'reference',
  'attempts',
  'osUser',
  'host',
  'settledBy',
  'note',
] as const;

/** Every transaction of a period with its final state, streamed, for accounting. */
export async function exportTransactions(options: ExportOptions, ctx: Context): Promise<ExportResult> {
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
  // Phone numbers and amounts are personal and financial data: an export file is private.
  const file = options.output ? createWriteStream(options.output, { mode: 0o600 }) : undefined;
  if (file) {
    await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
      throw new AirtimeError('USAGE', `cannot write ${options.output}: ${error.code ?? error.message}`);
    });
  }
  const sink = (file ?? ctx.output.streams.stdout) as NodeJS.WritableStream & { destroyed?: boolean };
  const write = async (line: string) => {
    if (!sink.write(`${line}\n`)) await writable(sink);
  };
  let rows = 0;
  if (format === 'csv') await write(COLUMNS.join(','));
  for (const row of ledger ? ledger.iterate(filter) : []) {
    if (sink.destroyed) break; // the reader went away (`| head`): nobody wants the rest
    const record = exportRecord(row);
    await write(
      format === 'csv' ? COLUMNS.map((c) => csvField(record[c], c === 'phoneNumber' || c === 'amount')).join(',') : JSON.stringify(record),
    );
    rows += 1;
  }
  if (file) {
    file.end();
    await once(file, 'finish');
  }
  return { rows, destination: options.output ?? 'stdout' };
}

/** Resolves when the stream can take more, or will take no more (closed, or failed: EPIPE). */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

function exportRecord(row: StoredTransaction): Record<(typeof COLUMNS)[number], string | number | null> {
  const result = resultFromRow(row, false);
  return {
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    environment: row.environment,
    account: row.account,
    idempotencyKey: row.idempotencyKey,
    requestId: row.requestId,
    phoneNumber: row.phoneNumber,
    country: row.country,
    amount: result.amount,
    currency: row.currency,
    state: row.state,
    status: row.atStatus,
    discount: result.discount,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    batchId: row.batchId,
    reference: row.reference,
    attempts: row.attempts,
    osUser: row.osUser,
    host: row.host,
    settledBy: row.settledBy,
    note: row.note,
  };
}
