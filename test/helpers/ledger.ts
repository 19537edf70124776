import Database from 'better-sqlite3';
import type { Environment } from '../../src/core/environment.js';
import type { ErrorCode } from '../../src/core/errors.js';
import type { MoneyLimits } from '../../src/core/recipient.js';
import { currentOwner, type Owner } from '../../src/ledger/owner.js';
import type {
  ClaimOutcome,
  NewTransaction,
  Settlement,
  SettlementItem,
  StoredTransaction,
  TransactionState,
} from '../../src/ledger/records.js';
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

export interface SeedRow {
  key: string;
  phoneNumber?: string;
  country?: string;
  currency?: string;
  amountMinor?: number;
  state: TransactionState;
  /** When it was claimed (and settled). */
  at: number;
  account?: string;
  environment?: Environment;
  requestId?: string | null;
  discount?: { currency: string; units4: number } | null;
  errorCode?: ErrorCode | null;
  errorMessage?: string | null;
  batchId?: string | null;
  reference?: string | null;
  /** Who holds a pending row: this process (alive) unless told otherwise. */
  owner?: Owner;
}

/**
 * A transaction as a send would have left it, written through the store's own operations: claimed,
 * then (for any state but pending) settled. Defaults: a KES 50 sandbox send to +254712345678.
 */
export async function seedTransaction(ledger: Ledger, seed: SeedRow): Promise<StoredTransaction> {
  const outcome = await claim(
    ledger,
    {
      account: seed.account ?? 'sandbox',
      environment: seed.environment ?? 'sandbox',
      idempotencyKey: seed.key,
      phoneNumber: seed.phoneNumber ?? '+254712345678',
      country: seed.country ?? 'KE',
      currency: seed.currency ?? 'KES',
      amountMinor: seed.amountMinor ?? 5000,
      batchId: seed.batchId ?? null,
      reference: seed.reference ?? null,
      owner: seed.owner ?? currentOwner(),
      osUser: 'tester',
      host: 'test-host',
    },
    seed.at,
  );
  if (outcome.kind !== 'created') throw new Error(`could not seed ${seed.key}: ${outcome.kind}`);
  if (seed.state !== 'pending') {
    const failed = seed.state === 'failed';
    await settle(
      ledger,
      outcome.row.id,
      {
        state: seed.state,
        atStatus: { sent: 'Sent', delivered: 'Success', failed: 'Failed', unknown: null }[seed.state],
        requestId: seed.requestId === undefined ? (failed ? null : `ATQid_${seed.key}`) : seed.requestId,
        discountCurrency: seed.discount?.currency ?? null,
        discountUnits4: seed.discount?.units4 ?? null,
        errorCode: seed.errorCode ?? (failed ? 'REJECTED' : seed.state === 'unknown' ? 'OUTCOME_UNKNOWN' : null),
        errorMessage: seed.errorMessage ?? (failed ? 'Insufficient Credit' : null),
        exitCode: failed ? 1 : seed.state === 'unknown' ? 5 : 0,
      },
      seed.at,
    );
  }
  const row = await ledger.get(outcome.row.id);
  if (!row) throw new Error(`seeded ${seed.key} is gone`);
  return row;
}
