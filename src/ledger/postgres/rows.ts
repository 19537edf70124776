// Reading and noting single rows of the shared ledger, inside the caller's transaction: shared by
// the claims, the delivery results and the callbacks.
import type { Environment } from '../../core/environment.js';
import { type LedgerScope, OWNER_COLUMNS, type StoredTransaction, toTransaction } from '../records.js';
import type { Query } from './connection.js';

/** Clears a row's owner and its lease (a settled row is nobody's). */
export const NO_OWNER = [...OWNER_COLUMNS, 'owner_token', 'lease_expires_at'].map((column) => `${column} = NULL`).join(', ');

export async function getRow(q: Query, id: number): Promise<StoredTransaction | undefined> {
  const row = await q.row('SELECT * FROM transactions WHERE id = $1', [id]);
  return row && toTransaction(row);
}

export async function mustGetRow(q: Query, id: number): Promise<StoredTransaction> {
  const row = await getRow(q, id);
  if (!row) throw new Error(`transaction ${id} vanished`);
  return row;
}

export async function rowByKey(q: Query, account: string, environment: Environment, key: string): Promise<StoredTransaction | undefined> {
  const row = await q.row('SELECT * FROM transactions WHERE account = $1 AND environment = $2 AND idempotency_key = $3', [
    account,
    environment,
    key,
  ]);
  return row && toTransaction(row);
}

export async function insertEvent(
  q: Query,
  transactionId: number | null,
  kind: string,
  payload: unknown,
  now: number,
  scope: LedgerScope | null = null,
): Promise<void> {
  await q.run('INSERT INTO events (transaction_id, kind, at, payload, account, environment) VALUES ($1, $2, $3, $4, $5, $6)', [
    transactionId,
    kind,
    now,
    typeof payload === 'string' ? payload : JSON.stringify(payload),
    scope?.account ?? null,
    scope?.environment ?? null,
  ]);
}
