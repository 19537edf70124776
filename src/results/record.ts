// One transaction as scripts and accountants read it: an entry of `status --json`, a line of
// `export` (CSV or JSON lines), a `reconcile --json` transaction. One shape for all three.
import { csvField } from '../core/csv.js';
import type { StoredTransaction } from '../ledger/records.js';
import { resultFromRow } from './transaction.js';

/** The fields, in the order an export's CSV columns show them. */
export const RECORD_FIELDS = [
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

export type TransactionRecord = Record<(typeof RECORD_FIELDS)[number], string | number | null>;

export function transactionRecord(row: StoredTransaction): TransactionRecord {
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

/** An export's lines: a CSV header and a line per record, or a JSON document per line. */
export async function* recordLines(records: AsyncIterable<TransactionRecord>, format: 'csv' | 'jsonl'): AsyncGenerator<string> {
  if (format === 'csv') yield RECORD_FIELDS.join(',');
  for await (const record of records) {
    yield format === 'csv'
      ? RECORD_FIELDS.map((field) => csvField(record[field], field === 'phoneNumber' || field === 'amount')).join(',')
      : JSON.stringify(record);
  }
}
