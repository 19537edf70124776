// What the ledger keeps, whichever store keeps it: the transaction record, what a claim and a
// settlement carry, and how a row of the `transactions` table (the same columns in every store)
// becomes a record.
import type { Environment } from '../core/environment.js';
import type { ErrorCode } from '../core/errors.js';
import type { RepeatGuard } from '../core/repeat.js';
import type { Owner } from './owner.js';

export type TransactionState = 'pending' | 'sent' | 'delivered' | 'failed' | 'unknown';
export const FINAL_STATES: readonly TransactionState[] = ['sent', 'delivered', 'failed'];

/** Money that has left, or may have: the daily cap counts these states, REPEAT_PAYMENT matches them. */
export const SPENT_STATES = "('pending', 'sent', 'delivered', 'unknown')";

/**
 * How far back a status callback may settle an `unknown` row by number and value (from either
 * side: `airtime serve` receiving it, or a send ending unknown adopting an orphan). AT's own
 * retries (maxNumRetry) can deliver hours after the send; a day is as far as the daily cap looks,
 * and further back the chance of matching someone else's send of the same value only grows.
 */
export const UNKNOWN_MATCH_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** One account in one environment: the ledger keeps each one's keys and payments apart. */
export interface LedgerScope {
  account: string;
  environment: Environment;
}

export interface StoredTransaction {
  id: number;
  account: string;
  environment: Environment;
  idempotencyKey: string;
  phoneNumber: string;
  country: string;
  currency: string;
  amountMinor: number;
  batchId: string | null;
  reference: string | null;
  rowNumber: number | null;
  state: TransactionState;
  /** Africa's Talking's word: Sent, Failed, Success. */
  atStatus: string | null;
  requestId: string | null;
  discountCurrency: string | null;
  /** The discount in ten-thousandths of its own currency. */
  discountUnits4: number | null;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** The exit code of the run that settled it, so a replay exits the same way. */
  exitCode: number | null;
  attempts: number;
  maxNumRetry: number | null;
  firstAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
  settledAt: number | null;
  owner: Owner | null;
  osUser: string;
  host: string;
  validatedTransactionId: string | null;
  settledBy: string | null;
  note: string | null;
}

export interface NewTransaction {
  account: string;
  environment: Environment;
  idempotencyKey: string;
  phoneNumber: string;
  country: string;
  currency: string;
  amountMinor: number;
  batchId?: string | null | undefined;
  reference?: string | null | undefined;
  rowNumber?: number | null | undefined;
  maxNumRetry?: number | null | undefined;
  owner: Owner;
  osUser: string;
  host: string;
  /** A single send without --key: refused when it repeats a recent payment (src/core/repeat.ts). */
  repeatGuard?: RepeatGuard | undefined;
  /**
   * A bulk row (without --new): refused when a payment of the same number, amount and currency
   * since `since` was made outside its batch, decided in the claim's own transaction, so a payment
   * another host made after this batch was planned is not made again (REPEAT_PAYMENT).
   */
  batchGuard?: { since: number } | undefined;
}

export type ClaimOutcome =
  | { kind: 'created'; row: StoredTransaction }
  | { kind: 'existing'; row: StoredTransaction }
  /** The daily cap refused it; nothing was recorded. */
  | { kind: 'over-cap'; spentMinor: number; capMinor: number }
  /** The repeat guard refused it: `match` pays the same number, amount and currency; nothing was recorded. */
  | { kind: 'repeat'; match: StoredTransaction };

/** How a transaction ended (or stands): the fields an answer, a callback or a person settles. */
export type Settlement = Pick<
  StoredTransaction,
  'state' | 'atStatus' | 'requestId' | 'discountCurrency' | 'discountUnits4' | 'errorCode' | 'errorMessage'
> & { exitCode: number };

/** One settlement, with the answers it came from (kept as events). */
export interface SettlementItem {
  id: number;
  settlement: Settlement;
  now: number;
  events?: { kind: string; payload: unknown }[];
}

/** A delivery result from a status callback or a status query. */
export interface Delivery {
  status: string;
  description: string | null;
  requestId: string | null;
  source: string;
  payload: unknown;
}

export interface TransactionFilter {
  environment?: Environment | undefined;
  since?: number | undefined;
  until?: number | undefined;
  state?: TransactionState | undefined;
  reference?: string | undefined;
  currency?: string | undefined;
  limit?: number | undefined;
}

/** What `airtime stats` sums: per state, currency and discount currency, the top failure reasons, and the range. */
export interface Aggregate {
  totals: {
    state: TransactionState;
    currency: string;
    discountCurrency: string | null;
    count: number;
    amountMinor: number;
    discountUnits4: number | null;
  }[];
  failureReasons: { reason: string; count: number }[];
  first: number | null;
  last: number | null;
}

export interface PeriodCounts {
  attempts: number;
  sent: number;
  failed: number;
  unknown: number;
}

/** The columns that name a pending row's owner (schema 4), in the order ownerValues gives them. */
export const OWNER_COLUMNS = ['owner_pid', 'owner_host', 'owner_boot_id', 'owner_pid_ns', 'owner_start_ticks', 'owner_started_at'];

export function ownerValues(owner: Owner | null): unknown[] {
  if (!owner) return OWNER_COLUMNS.map(() => null);
  return [owner.pid, owner.host, owner.bootId, owner.pidNamespace, owner.startTicks, owner.legacyStartedAt];
}

/** Maps a `transactions` row (SELECT *) to a StoredTransaction. */
export function toTransaction(row: Record<string, unknown>): StoredTransaction {
  const ownerPid = row.owner_pid as number | null;
  const int = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  return {
    id: Number(row.id),
    account: row.account as string,
    environment: row.environment as Environment,
    idempotencyKey: row.idempotency_key as string,
    phoneNumber: row.phone_number as string,
    country: row.country as string,
    currency: row.currency as string,
    amountMinor: Number(row.amount_minor),
    batchId: row.batch_id as string | null,
    reference: row.reference as string | null,
    rowNumber: int(row.row_number),
    state: row.state as TransactionState,
    atStatus: row.at_status as string | null,
    requestId: row.request_id as string | null,
    discountCurrency: row.discount_currency as string | null,
    discountUnits4: int(row.discount_units4),
    errorCode: row.error_code as ErrorCode | null,
    errorMessage: row.error_message as string | null,
    exitCode: int(row.exit_code),
    attempts: Number(row.attempts),
    maxNumRetry: int(row.max_num_retry),
    firstAttemptAt: int(row.first_attempt_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    settledAt: int(row.settled_at),
    owner:
      ownerPid === null || ownerPid === undefined
        ? null
        : {
            pid: Number(ownerPid),
            host: row.owner_host as string,
            bootId: row.owner_boot_id as string | null,
            pidNamespace: int(row.owner_pid_ns),
            startTicks: int(row.owner_start_ticks),
            legacyStartedAt: int(row.owner_started_at),
            ...(typeof row.owner_token === 'string' ? { lease: { token: row.owner_token, expiresAt: int(row.lease_expires_at) } } : {}),
          },
    osUser: row.os_user as string,
    host: row.host as string,
    validatedTransactionId: row.validated_transaction_id as string | null,
    settledBy: row.settled_by as string | null,
    note: row.note as string | null,
  };
}

/** A status callback, read from its fields by src/server. */
export interface DeliveryCallback {
  requestId: string;
  /** `Success` or `Failed`; other words are kept but change nothing. */
  status: string;
  description: string | null;
  /** E.164 when it parsed. */
  phoneNumber: string | null;
  /** `value`, in minor units; null when absent or not an amount this tool could have sent. */
  value: { currency: string; amountMinor: number } | null;
  discount: { currency: string; units4: number } | null;
  /** The fields as received, kept in the events table. */
  payload: unknown;
}

export type DeliveryOutcome =
  | { kind: 'updated'; row: StoredTransaction; settledUnknown: boolean }
  | { kind: 'unchanged'; row: StoredTransaction }
  | { kind: 'orphan' };

/** A validation callback that passed the rules that need no ledger (src/server/callbacks.ts). */
export interface ValidationClaim {
  transactionId: string;
  phoneNumber: string;
  currency: string;
  amountMinor: number;
}

export type ValidationDecision =
  | { validated: true; row: StoredTransaction; repeated: boolean; reason: string }
  | { validated: false; reason: string };
