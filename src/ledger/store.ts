// The ledger's one interface. Every send is claimed here (a committed `pending` row) before its
// request leaves the machine, and settled here from the answer, a callback, a query or a person.
// Two stores implement it: SQLite on one machine (src/ledger/sqlite/), and PostgreSQL for several
// hosts sharing one account. The operations are asynchronous, as a network database's must be;
// the SQLite store answers at once.
import type { Environment } from '../core/environment.js';
import type { MoneyLimits } from '../core/recipient.js';
import type { RepeatGuard } from '../core/repeat.js';
import type { Liveness, Owner } from './owner.js';
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
} from './records.js';

/** A payment as the repeat guards match it. */
export type Payment = Pick<NewTransaction, 'account' | 'environment' | 'phoneNumber' | 'currency' | 'amountMinor'>;

/** A row of a bulk file as a re-run of its batch would send it: under this key, this payment. */
export interface PlannedRow {
  row: number;
  key: string;
  phoneNumber: string;
  currency: string;
  amountMinor: number;
}

export interface RunPlan {
  /** Minor units per currency of the rows whose keys the ledger does not hold: what the run sends. */
  unsent: Map<string, number>;
  /** New rows paying what a payment of the window paid, that is not one of this file's own keys. */
  repeatCount: number;
  /** The first 50 of them, each with the payment it repeats (the most recent). */
  repeats: { row: number; match: StoredTransaction }[];
}

/**
 * What running an existing batch again with a file would do: the file's rows, each under the key it
 * would be sent with, go in (`add`), and `finish` says what is unsent and what repeats a payment
 * that is not the file's own. Kept by the store (a temporary table), so memory does not grow with
 * the file.
 */
export interface RunPlanner {
  add(row: PlannedRow): Promise<void>;
  finish(): Promise<RunPlan>;
}

/** The rows of one bulk run, each with the key it was sent or replayed under, kept by the store. */
export interface RunRows {
  add(row: number, key: string): Promise<void>;
  /** This run's rows in row order, each with its transaction as the ledger holds it now. */
  transactions(scope: LedgerScope): AsyncIterable<{ row: number; transaction: StoredTransaction }>;
}

export interface Ledger {
  /** Where it is, for messages: a path, or a URL with any password redacted. */
  readonly location: string;
  /**
   * The clock every age and window of this ledger is measured on, in ms since the epoch: this
   * host's for the SQLite ledger (one machine), the database's for a shared one (every host alike).
   */
  now(): number;
  /**
   * Several hosts write this ledger (PostgreSQL): a bulk run leaves to another process the rows it
   * holds (`elsewhere`) instead of waiting for them.
   */
  readonly shared: boolean;

  // Claims and settlements: the send path (src/transaction.ts).
  /**
   * Claims keys in one commit: inserts `pending` rows, or finds the rows that hold the keys. The
   * unique constraint decides (two processes cannot both insert), and the daily cap and the repeat
   * guard are decided in the same transaction, so two processes cannot both pass them.
   */
  claimMany(inputs: readonly NewTransaction[], now: number, dailyCaps?: MoneyLimits): Promise<ClaimOutcome[]>;
  /** Recorded and committed before each further request leaves: one more attempt, and who makes it. */
  beginAttempt(id: number, owner: Owner, now: number): Promise<StoredTransaction>;
  /** Takes over a `pending` row whose owner is gone, or an `unknown` one: compare-and-set on the owner seen. */
  takeOver(id: number, seen: Owner | null, owner: Owner, now: number, resetWindow?: boolean): Promise<boolean>;
  /** Outcomes, and the answers they came from, in one commit; an accepted row stays accepted. */
  settleMany(items: readonly SettlementItem[]): Promise<void>;
  /** Gives back claims of this owner whose requests never left (pending, first attempt). */
  release(ids: readonly number[], owner: Owner): Promise<void>;
  /** Whether a row's owner still holds it: alive (in flight), dead (recover it) or unknown. */
  liveness(owner: Owner): Liveness;

  // Reading one transaction.
  get(id: number): Promise<StoredTransaction | undefined>;
  byKey(account: string, environment: Environment, key: string): Promise<StoredTransaction | undefined>;
  /** Several keys at once (a bulk send's next rows): the rows the ledger holds, by key. */
  byKeys(account: string, environment: Environment, keys: readonly string[]): Promise<Map<string, StoredTransaction>>;
  /** Transactions named by a requestId, an idempotency key or a batch id. */
  lookup(id: string, environment?: Environment): Promise<StoredTransaction[]>;
  events(transactionId: number): Promise<{ kind: string; at: number; payload: string }[]>;

  // Caps and guards, as the claim decides them (for dry runs and plans).
  /** Minor units of a currency pending, sent, delivered or unknown since a moment. */
  spentSince(account: string, environment: Environment, currency: string, since: number): Promise<number>;
  /** The most recent transaction a new key-less send of this payment would repeat (src/core/repeat.ts). */
  findRepeat(payment: Payment, guard: RepeatGuard, now: number): Promise<StoredTransaction | undefined>;

  // Settling by other words than the send's own answer.
  /** A delivery result (status query or callback): `Success` wins; the same result twice changes nothing. */
  recordDelivery(id: number, delivery: Delivery, now: number): Promise<{ changed: boolean; row: StoredTransaction }>;
  /** Settles an unknown or stale pending row by hand (`airtime reconcile`), recording who and when. */
  reconcile(
    id: number,
    settlement: Omit<Settlement, 'discountCurrency' | 'discountUnits4'>,
    by: string,
    note: string | null,
    now: number,
  ): Promise<StoredTransaction>;
  /** Appends to a transaction's history (or, with none, an orphan event of a scope). */
  recordEvent(transactionId: number | null, kind: string, payload: unknown, now: number, scope?: LedgerScope | null): Promise<void>;

  // `airtime serve`'s callbacks.
  /** Without a scope (a serve with no username), nothing is settled by number and value. */
  recordStatusCallback(callback: DeliveryCallback, now: number, scope?: LedgerScope | null): Promise<DeliveryOutcome>;
  claimValidation(
    claim: ValidationClaim,
    now: number,
    options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
  ): Promise<ValidationDecision>;
  recordValidationRefusal(reason: string, payload: unknown, now: number): Promise<void>;

  // Reports.
  recent(filter: TransactionFilter): Promise<StoredTransaction[]>;
  /** Every transaction of a period, oldest first, without holding them all in memory. */
  iterate(filter: TransactionFilter): AsyncIterable<StoredTransaction>;
  aggregate(filter: TransactionFilter): Promise<Aggregate>;
  /** Counts of one period (a local day) for the per-day chart. */
  countPeriod(filter: TransactionFilter): Promise<PeriodCounts>;

  // Bulk sends.
  batchExists(scope: LedgerScope, batchId: string): Promise<boolean>;
  /**
   * For each payment, the most recent payment of this scope since `since` of its phone, amount and
   * currency (REPEAT_PAYMENT), in the order asked: a new file's rows are looked up hundreds at a
   * time (a shared ledger answers over the network).
   */
  recentPayments(
    scope: LedgerScope,
    payments: readonly Omit<Payment, 'account' | 'environment'>[],
    since: number,
  ): Promise<(StoredTransaction | undefined)[]>;
  runPlanner(scope: LedgerScope, since: number): RunPlanner;
  runRows(): RunRows;

  // `airtime doctor`, without writing anything.
  /** The schema version this ledger is at, and the one this airtime writes (a send migrates to it). */
  schemaVersion(): Promise<{ version: number; latest: number }>;
  /** Why this process could not write the ledger (permissions, grants), or null when it can. */
  writeProblem(): Promise<string | null>;

  close(): Promise<void>;
}
