// What `airtime serve` writes to the ledger when Africa's Talking calls back. Each function runs
// in one write transaction (BEGIN IMMEDIATE), so a decision and the write it implies cannot be
// split by another request or another process sharing the ledger.
import type Database from 'better-sqlite3';
import { marketByCurrency } from '../core/countries.js';
import { EXIT } from '../core/errors.js';
import { formatMoney } from '../core/money.js';
import { type Ledger, type LedgerScope, prepare, type StoredTransaction, toTransaction, UNKNOWN_MATCH_MAX_AGE_MS } from './ledger.js';

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

/**
 * Records a delivery result. By requestId first, through Ledger.recordDelivery (idempotent, and
 * `Success` wins over `Failed`: airtime that reached a phone cannot be taken back). A requestId the
 * ledger lacks is the answer a send never got: it settles the most recent `unknown` row of the
 * same number and value that has no requestId, of the scope's account and environment, recording
 * the requestId on it. Anything else is kept as an orphan event, with the scope, so nothing Africa's
 * Talking reported is lost. Without a scope (a serve with no username) nothing is settled by value:
 * the callback could be the sandbox's or live's.
 */
export function recordStatusCallback(
  ledger: Ledger,
  callback: DeliveryCallback,
  now: number,
  scope: LedgerScope | null = null,
): DeliveryOutcome {
  return ledger.withWrite((db) => {
    const known = prepare(db, 'SELECT * FROM transactions WHERE request_id = ? ORDER BY id LIMIT 1').get(callback.requestId);
    if (known) return deliver(ledger, db, toTransaction(known as Record<string, unknown>), callback, now);
    const lost = findLostAnswer(db, callback, now, scope);
    if (lost) return deliver(ledger, db, lost, callback, now);
    ledger.recordEvent(null, 'orphan-callback', callback.payload, now, scope);
    return { kind: 'orphan' };
  });
}

function findLostAnswer(
  db: Database.Database,
  callback: DeliveryCallback,
  now: number,
  scope: LedgerScope | null,
): StoredTransaction | null {
  // Matched by value alone, a callback must be known to be of this account and environment.
  if (scope === null) return null;
  // Only a final word settles a row: "Queued" would say nothing about the money.
  if (callback.status !== 'Success' && callback.status !== 'Failed') return null;
  if (callback.phoneNumber === null || callback.value === null) return null;
  const params = {
    phone: callback.phoneNumber,
    currency: callback.value.currency,
    amount: callback.value.amountMinor,
    since: now - UNKNOWN_MATCH_MAX_AGE_MS,
    account: scope.account,
    environment: scope.environment,
  };
  const sameSend = `phone_number = @phone AND currency = @currency AND amount_minor = @amount AND created_at > @since
       AND request_id IS NULL AND account = @account AND environment = @environment`;
  // A send of the same number and value still waiting for its answer may be the one this callback
  // is about (callbacks can outrun answers): settling an older `unknown` row with it could mark the
  // wrong payment delivered, or failed and so paid again. It stays an orphan until that send
  // settles, which adopts it by requestId, or is itself left unknown, which adopts it by value.
  if (prepare(db, `SELECT 1 FROM transactions WHERE ${sameSend} AND state = 'pending' LIMIT 1`).get(params)) return null;
  const row = prepare(
    db,
    `SELECT * FROM transactions WHERE ${sameSend} AND state = 'unknown' ORDER BY created_at DESC, id DESC LIMIT 1`,
  ).get(params);
  return row ? toTransaction(row as Record<string, unknown>) : null;
}

function deliver(ledger: Ledger, db: Database.Database, row: StoredTransaction, callback: DeliveryCallback, now: number): DeliveryOutcome {
  const settlesUnknown = row.state === 'unknown';
  const delivery = ledger.recordDelivery(
    row.id,
    {
      status: callback.status,
      description: callback.description,
      requestId: callback.requestId,
      source: 'callback',
      payload: callback.payload,
    },
    now,
  );
  if (!delivery.changed) return { kind: 'unchanged', row: delivery.row };
  const { discount } = callback;
  if (delivery.row.state === 'delivered' && discount && delivery.row.discountUnits4 === null) {
    // A send whose answer was lost has no discount yet; stats sum it for accepted sends.
    prepare(db, 'UPDATE transactions SET discount_currency = ?, discount_units4 = ? WHERE id = ?').run(
      discount.currency,
      discount.units4,
      row.id,
    );
  }
  if (settlesUnknown) {
    // A replay of the key exits as its final state now says, as after `airtime reconcile`, not
    // with the 5 of the run that lost the answer.
    prepare(db, 'UPDATE transactions SET exit_code = ? WHERE id = ?').run(
      delivery.row.state === 'delivered' ? EXIT.OK : EXIT.FAILED,
      row.id,
    );
  }
  return { kind: 'updated', row: ledger.get(row.id) ?? delivery.row, settledUnknown: settlesUnknown };
}

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

/**
 * Decides a validation callback, and claims the transaction it approves. `Validated` only for a
 * `pending` or `sent` row of this ledger started less than `maxAgeMs` ago, with the same number,
 * currency and amount, that has approved no other transactionId: the oldest such row is claimed
 * (validated_transaction_id, UNIQUE) in the same write transaction that found it, so each row
 * approves one transactionId however many requests race. The same transactionId asking again
 * gets the same answer. A refusal is kept as an orphan event: it may be a leaked key at work.
 */
export function claimValidation(
  ledger: Ledger,
  claim: ValidationClaim,
  now: number,
  options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
): ValidationDecision {
  const scope = options.scope ?? null;
  const decision = ledger.withWrite((db): ValidationDecision => {
    const earlier = prepare(db, 'SELECT * FROM transactions WHERE validated_transaction_id = ?').get(claim.transactionId);
    if (earlier) {
      const row = toTransaction(earlier as Record<string, unknown>);
      if (matches(row, claim))
        return { validated: true, row, repeated: true, reason: `transactionId already validated against key ${row.idempotencyKey}` };
      return { validated: false, reason: `transactionId was validated for another send (key ${row.idempotencyKey})` };
    }
    const params = { phone: claim.phoneNumber, currency: claim.currency, amount: claim.amountMinor, ...scopeParams(scope) };
    const since = now - options.maxAgeMs;
    const candidate = prepare(
      db,
      `SELECT * FROM transactions
       WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
         AND state IN ('pending', 'sent') AND validated_transaction_id IS NULL AND COALESCE(first_attempt_at, created_at) > @since
         AND (@account IS NULL OR (account = @account AND environment = @environment))
       ORDER BY created_at, id LIMIT 1`,
    ).get({ ...params, since });
    if (!candidate) return { validated: false, reason: whyNot(db, claim, params, now, options.maxAgeMs) };
    const row = toTransaction(candidate as Record<string, unknown>);
    prepare(db, 'UPDATE transactions SET validated_transaction_id = ?, validated_at = ? WHERE id = ?').run(
      claim.transactionId,
      now,
      row.id,
    );
    ledger.recordEvent(row.id, 'validation', { transactionId: claim.transactionId, payload: options.payload ?? null }, now);
    const age = Math.round((now - (row.firstAttemptAt ?? row.createdAt)) / 1000);
    return {
      validated: true,
      row: { ...row, validatedTransactionId: claim.transactionId },
      repeated: false,
      reason: `matches key ${row.idempotencyKey} (${row.state}, ${age} s old)`,
    };
  });
  if (!decision.validated) recordValidationRefusal(ledger, decision.reason, options.payload ?? claim, now);
  return decision;
}

/** Keeps a refused validation, with its reason, as an orphan event. */
export function recordValidationRefusal(ledger: Ledger, reason: string, payload: unknown, now: number): void {
  ledger.recordEvent(null, 'validation-refused', { reason, payload }, now);
}

function matches(row: StoredTransaction, claim: ValidationClaim): boolean {
  return row.phoneNumber === claim.phoneNumber && row.currency === claim.currency && row.amountMinor === claim.amountMinor;
}

/** Why no row qualified, from the most recent row of the same number and value, for the log. */
function whyNot(db: Database.Database, claim: ValidationClaim, params: Record<string, unknown>, now: number, maxAgeMs: number): string {
  const found = prepare(
    db,
    `SELECT * FROM transactions
     WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
       AND (@account IS NULL OR (account = @account AND environment = @environment))
     ORDER BY created_at DESC, id DESC LIMIT 1`,
  ).get(params);
  const market = marketByCurrency(claim.currency);
  const money = market ? formatMoney(claim.amountMinor, market) : `${claim.currency} ${claim.amountMinor}`;
  if (!found) return `no transaction of this ledger sends ${money} to ${claim.phoneNumber}`;
  const row = toTransaction(found as Record<string, unknown>);
  const which = `the matching transaction (key ${row.idempotencyKey})`;
  if (row.state !== 'pending' && row.state !== 'sent') return `${which} is ${row.state}, not pending or sent`;
  if (row.validatedTransactionId !== null) return `${which} already approved another transactionId`;
  const age = Math.round((now - (row.firstAttemptAt ?? row.createdAt)) / 1000);
  return `${which} is ${age} s old, over serve.validationMaxAge (${Math.round(maxAgeMs / 1000)} s)`;
}

function scopeParams(scope: LedgerScope | null): { account: string | null; environment: string | null } {
  return { account: scope?.account ?? null, environment: scope?.environment ?? null };
}
