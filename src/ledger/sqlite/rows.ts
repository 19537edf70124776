// Reading and noting single rows of the SQLite ledger: shared by the claims, the delivery results
// and the callbacks, each of which runs them inside its own write transaction.
import type { Environment } from '../../core/environment.js';
import { type LedgerScope, OWNER_COLUMNS, type StoredTransaction, toTransaction } from '../records.js';
import type { SqliteDatabase } from './driver.js';

export type Row = Record<string, unknown>;

export const SET_OWNER = OWNER_COLUMNS.map((column) => `${column} = ?`).join(', ');
/** Compare-and-set on every column of the owner seen, NULLs included. */
export const OWNER_IS = OWNER_COLUMNS.map((column) => `${column} IS ?`).join(' AND ');
export const NO_OWNER = OWNER_COLUMNS.map((column) => `${column} = NULL`).join(', ');

export function getRow(ledger: SqliteDatabase, id: number): StoredTransaction | undefined {
  const row = ledger.statement('SELECT * FROM transactions WHERE id = ?').get(id) as Row | undefined;
  return row && toTransaction(row);
}

export function mustGetRow(ledger: SqliteDatabase, id: number): StoredTransaction {
  const row = getRow(ledger, id);
  if (!row) throw new Error(`transaction ${id} vanished`);
  return row;
}

export function rowByKey(ledger: SqliteDatabase, account: string, environment: Environment, key: string): StoredTransaction | undefined {
  const row = ledger
    .statement('SELECT * FROM transactions WHERE account = ? AND environment = ? AND idempotency_key = ?')
    .get(account, environment, key) as Row | undefined;
  return row && toTransaction(row);
}

/**
 * Appends to a transaction's history (or, with no transaction, an orphan event, with the account
 * and environment it arrived for when they are known). Inside the caller's transaction.
 */
export function insertEvent(
  ledger: SqliteDatabase,
  transactionId: number | null,
  kind: string,
  payload: unknown,
  now: number,
  scope: LedgerScope | null = null,
): void {
  ledger
    .statement('INSERT INTO events (transaction_id, kind, at, payload, account, environment) VALUES (?, ?, ?, ?, ?, ?)')
    .run(
      transactionId,
      kind,
      now,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
      scope?.account ?? null,
      scope?.environment ?? null,
    );
}
