// The SQLite store: the ledger in one file on one machine, the default. Its work is synchronous
// (better-sqlite3, a local file): each operation answers at once, behind the ledger's asynchronous
// interface. A pending row's owner is a process of this machine, judged alive or gone from /proc.
import type { Environment } from '../../core/environment.js';
import type { MoneyLimits } from '../../core/recipient.js';
import type { RepeatGuard } from '../../core/repeat.js';
import { type Liveness, type Owner, ownerLiveness } from '../owner.js';
import type {
  Aggregate,
  ClaimOutcome,
  Delivery,
  DeliveryCallback,
  DeliveryOutcome,
  LedgerScope,
  NewTransaction,
  PeriodCounts,
  Settlement,
  SettlementItem,
  StoredTransaction,
  TransactionFilter,
  ValidationClaim,
  ValidationDecision,
} from '../records.js';
import type { Ledger, Payment, RunPlanner, RunRows } from '../store.js';
import { sqliteCreateProblem, sqliteWriteProblem } from './access.js';
import { batchExists, recentPayment, SqliteRunPlanner, SqliteRunRows } from './batches.js';
import { claimValidation, recordDelivery, recordStatusCallback, recordValidationRefusal } from './callbacks.js';
import { beginAttempt, claimMany, findRepeat, reconcile, release, settleMany, spentSince, takeOver } from './claims.js';
import { type OpenOptions, SqliteDatabase } from './driver.js';
import { aggregate, countPeriod, iterate, lookup, recent } from './reports.js';
import { getRow, insertEvent, rowByKey } from './rows.js';
import { MIGRATIONS } from './schema.js';

export class SqliteLedger implements Ledger {
  private constructor(readonly database: SqliteDatabase) {}

  /** Opens (creating when missing) the ledger for writing: exit 4 LEDGER_ERROR naming the path when it cannot be used. */
  static open(path: string, options: OpenOptions = {}): SqliteLedger {
    return new SqliteLedger(SqliteDatabase.open(path, options));
  }

  /** Opens an existing ledger to read it; a missing ledger is an empty one (null). */
  static openForReading(path: string): SqliteLedger | null {
    const database = SqliteDatabase.openForReading(path);
    return database && new SqliteLedger(database);
  }

  get location(): string {
    return this.database.path;
  }

  readonly shared = false;

  /** The schema version this airtime writes. */
  static readonly latestSchema = MIGRATIONS.length;

  /** Why a ledger that does not exist yet could not be created at `path`, or null (nothing is created). */
  static creationProblem(path: string): string | null {
    return sqliteCreateProblem(path);
  }

  async schemaVersion(): Promise<{ version: number; latest: number }> {
    return { version: this.database.read(() => this.database.version), latest: MIGRATIONS.length };
  }

  async writeProblem(): Promise<string | null> {
    return sqliteWriteProblem(this.database.path);
  }

  /** One machine, one clock: the host's. */
  now(): number {
    return Date.now();
  }

  async claimMany(inputs: readonly NewTransaction[], now: number, dailyCaps: MoneyLimits = {}): Promise<ClaimOutcome[]> {
    return claimMany(this.database, inputs, now, dailyCaps);
  }

  async beginAttempt(id: number, owner: Owner, now: number): Promise<StoredTransaction> {
    return beginAttempt(this.database, id, owner, now);
  }

  async takeOver(id: number, seen: Owner | null, owner: Owner, now: number, resetWindow = false): Promise<boolean> {
    return takeOver(this.database, id, seen, owner, now, resetWindow);
  }

  async settleMany(items: readonly SettlementItem[]): Promise<void> {
    settleMany(this.database, items);
  }

  async release(ids: readonly number[], owner: Owner): Promise<void> {
    release(this.database, ids, owner);
  }

  liveness(owner: Owner): Liveness {
    return ownerLiveness(owner);
  }

  async get(id: number): Promise<StoredTransaction | undefined> {
    return this.database.read(() => getRow(this.database, id));
  }

  async byKeys(account: string, environment: Environment, keys: readonly string[]): Promise<Map<string, StoredTransaction>> {
    const found = new Map<string, StoredTransaction>();
    this.database.read(() => {
      for (const key of keys) {
        const row = rowByKey(this.database, account, environment, key);
        if (row) found.set(key, row);
      }
    });
    return found;
  }

  async byKey(account: string, environment: Environment, key: string): Promise<StoredTransaction | undefined> {
    return this.database.read(() => rowByKey(this.database, account, environment, key));
  }

  async lookup(id: string, environment?: Environment): Promise<StoredTransaction[]> {
    return this.database.read(() => lookup(this.database, id, environment));
  }

  async events(transactionId: number): Promise<{ kind: string; at: number; payload: string }[]> {
    return this.database.read(
      () =>
        this.database.statement('SELECT kind, at, payload FROM events WHERE transaction_id = ? ORDER BY id').all(transactionId) as {
          kind: string;
          at: number;
          payload: string;
        }[],
    );
  }

  async spentSince(account: string, environment: Environment, currency: string, since: number): Promise<number> {
    return this.database.read(() => spentSince(this.database, account, environment, currency, since));
  }

  async findRepeat(payment: Payment, guard: RepeatGuard, now: number): Promise<StoredTransaction | undefined> {
    return this.database.read(() => findRepeat(this.database, payment, guard, now));
  }

  async recordDelivery(id: number, delivery: Delivery, now: number): Promise<{ changed: boolean; row: StoredTransaction }> {
    return recordDelivery(this.database, id, delivery, now);
  }

  async reconcile(
    id: number,
    settlement: Omit<Settlement, 'discountCurrency' | 'discountUnits4'>,
    by: string,
    note: string | null,
    now: number,
  ): Promise<StoredTransaction> {
    return reconcile(this.database, id, settlement, by, note, now);
  }

  async recordEvent(
    transactionId: number | null,
    kind: string,
    payload: unknown,
    now: number,
    scope: LedgerScope | null = null,
  ): Promise<void> {
    this.database.write(() => insertEvent(this.database, transactionId, kind, payload, now, scope));
  }

  async recordStatusCallback(callback: DeliveryCallback, now: number, scope: LedgerScope | null = null): Promise<DeliveryOutcome> {
    return recordStatusCallback(this.database, callback, now, scope);
  }

  async claimValidation(
    claim: ValidationClaim,
    now: number,
    options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
  ): Promise<ValidationDecision> {
    return claimValidation(this.database, claim, now, options);
  }

  async recordValidationRefusal(reason: string, payload: unknown, now: number): Promise<void> {
    recordValidationRefusal(this.database, reason, payload, now);
  }

  async recent(filter: TransactionFilter): Promise<StoredTransaction[]> {
    return this.database.read(() => recent(this.database, filter));
  }

  async *iterate(filter: TransactionFilter): AsyncGenerator<StoredTransaction> {
    yield* iterate(this.database, filter);
  }

  async aggregate(filter: TransactionFilter): Promise<Aggregate> {
    return this.database.read(() => aggregate(this.database, filter));
  }

  async countPeriod(filter: TransactionFilter): Promise<PeriodCounts> {
    return this.database.read(() => countPeriod(this.database, filter));
  }

  async batchExists(scope: LedgerScope, batchId: string): Promise<boolean> {
    return batchExists(this.database, scope, batchId);
  }

  async recentPayments(
    scope: LedgerScope,
    payments: readonly Omit<Payment, 'account' | 'environment'>[],
    since: number,
  ): Promise<(StoredTransaction | undefined)[]> {
    return payments.map((payment) => recentPayment(this.database, scope, payment, since));
  }

  runPlanner(scope: LedgerScope, since: number): RunPlanner {
    return new SqliteRunPlanner(this.database, scope, since);
  }

  runRows(): RunRows {
    return new SqliteRunRows(this.database);
  }

  async close(): Promise<void> {
    this.database.close();
  }
}

/** For `airtime ledger migrate` and `ledger backup`, which work under the interface (src/ledger/migrate.ts). */
export { backupTo, SqliteDatabase } from './driver.js';
