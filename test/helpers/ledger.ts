import Database from 'better-sqlite3';
import type { MoneyLimits } from '../../src/core/recipient.js';
import type { ClaimOutcome, NewTransaction, Settlement, SettlementItem } from '../../src/ledger/records.js';
import type { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import type { Ledger } from '../../src/ledger/store.js';

export interface LedgerRow {
  idempotency_key: string;
  account: string;
  environment: string;
  state: string;
  attempts: number;
  owner_pid: number | null;
  first_attempt_at: number | null;
  request_id: string | null;
  amount_minor: number;
  error_code: string | null;
  [column: string]: unknown;
}

// Kept for the life of the test process, as src/ledger/sqlite/driver.ts keeps its own (better-sqlite3 12
// aborts on Node 24 when V8 collects one of its objects outside JavaScript).
const KEEP: unknown[] = [];

/** Reads a ledger's rows the way an auditor would: straight from the file. */
export function readLedger(path: string): LedgerRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const statement = db.prepare('SELECT * FROM transactions ORDER BY id');
  KEEP.push(db, statement);
  try {
    return statement.all() as LedgerRow[];
  } finally {
    db.close();
  }
}

/**
 * A raw connection for a test to inspect, age or forge a ledger. Every better-sqlite3 object it
 * makes is kept (see KEEP); `pragma()` is left out on purpose, as it makes a statement natively that
 * cannot be kept: read a pragma with `value('PRAGMA …')`, set one with `exec`.
 */
export function rawDatabase(path: string, options: Database.Options = {}) {
  const db = new Database(path, options);
  KEEP.push(db);
  const statement = (sql: string) => {
    const made = db.prepare(sql);
    KEEP.push(made);
    return made;
  };
  return {
    statement,
    value: (sql: string, ...params: unknown[]): unknown =>
      statement(sql)
        .pluck()
        .get(...params),
    all: (sql: string, ...params: unknown[]): unknown[] => statement(sql).all(...params),
    run: (sql: string, ...params: unknown[]) => statement(sql).run(...params),
    exec: (sql: string): void => void db.exec(sql),
    close: (): void => void db.close(),
  };
}

/** One claim, as a send of one key makes it (the store claims in batches). */
export async function claim(ledger: Ledger, input: NewTransaction, now: number, dailyCaps?: MoneyLimits): Promise<ClaimOutcome> {
  const [outcome] = await ledger.claimMany([input], now, dailyCaps);
  if (!outcome) throw new Error('claimMany answered nothing');
  return outcome;
}

/** One settlement, with its events. */
export function settle(ledger: Ledger, id: number, settlement: Settlement, now: number, events?: SettlementItem['events']): Promise<void> {
  return ledger.settleMany([{ id, settlement, now, ...(events ? { events } : {}) }]);
}

/** Rows of a query on the SQLite store's own connection (for tests that look under the interface). */
export function query<T = Record<string, unknown>>(ledger: SqliteLedger, sql: string, ...params: unknown[]): T[] {
  return ledger.database.read(() => ledger.database.statement(sql).all(...params)) as T[];
}
