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

/**
 * The row holding a key, as a subquery (LATERAL, or on its own), each of the three an SQL
 * expression: one descent of the unique index on (account, environment, idempotency_key), whatever
 * the planner knows of the table. Asked as "the first key from this one on", which only that index
 * answers in order, then kept if it is the key. With three plain equalities, a table never analyzed
 * (a new ledger before autovacuum has been round; a server running without it) is planned on the
 * (account, environment, currency, created_at) index, which finds the key by reading every row of
 * the account: each lookup then costs the size of the ledger.
 */
export function keyedRow(account: string, environment: string, key: string): string {
  return `(SELECT * FROM (SELECT * FROM transactions x
     WHERE x.account = ${account} AND x.environment = ${environment} AND x.idempotency_key >= ${key}
     ORDER BY x.idempotency_key LIMIT 1) y WHERE y.idempotency_key = ${key})`;
}

export async function rowByKey(q: Query, account: string, environment: Environment, key: string): Promise<StoredTransaction | undefined> {
  const row = await q.row(`SELECT * FROM ${keyedRow('$1', '$2', '$3')} t`, [account, environment, key]);
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
