// What Africa's Talking's later words do to the SQLite ledger: delivery results (a status callback
// or a status query), the callbacks `airtime serve` receives, and the adoption of a callback that
// arrived before the send it is about had settled. Each runs in one write transaction, so a
// decision and the write it implies cannot be split by another request or another process.
import { marketByCurrency } from '../../core/countries.js';
import { EXIT } from '../../core/errors.js';
import { formatMoney, minorToUnits4, parseReportedMoney } from '../../core/money.js';
import {
  type Delivery,
  type DeliveryCallback,
  type DeliveryOutcome,
  type LedgerScope,
  type StoredTransaction,
  type TransactionState,
  toTransaction,
  UNKNOWN_MATCH_MAX_AGE_MS,
  type ValidationClaim,
  type ValidationDecision,
} from '../records.js';
import type { SqliteDatabase } from './driver.js';
import { getRow, insertEvent, mustGetRow, NO_OWNER, type Row } from './rows.js';

/**
 * A delivery result from a status callback or a status query. The rule: `Success` wins. Airtime
 * that reached a phone cannot be taken back, so a late `Failed` after `Success` changes nothing
 * (it is kept as an event); a `Success` after `Failed` (AT's own maxNumRetry retries can do
 * this) marks it delivered. The same result twice changes nothing and records nothing.
 */
export function recordDelivery(
  ledger: SqliteDatabase,
  id: number,
  delivery: Delivery,
  now: number,
): { changed: boolean; row: StoredTransaction } {
  return ledger.write(() => {
    const row = mustGetRow(ledger, id);
    const target: TransactionState | null = delivery.status === 'Success' ? 'delivered' : delivery.status === 'Failed' ? 'failed' : null;
    const event = { source: delivery.source, status: delivery.status, description: delivery.description, payload: delivery.payload };
    if (target === null || row.state === target || (row.state === 'delivered' && target === 'failed')) {
      // Only a contradicting result is worth keeping; in-flight words (Queued, Sent) are not.
      if (target !== null && row.state !== target) insertEvent(ledger, id, 'delivery-ignored', event, now);
      return { changed: false, row };
    }
    ledger
      .statement(
        `UPDATE transactions SET state = ?, at_status = ?, request_id = COALESCE(request_id, ?), error_code = ?,
           error_message = ?, updated_at = ?, settled_at = ?, ${NO_OWNER}
         WHERE id = ?`,
      )
      .run(
        target,
        delivery.status,
        delivery.requestId,
        target === 'failed' ? 'REJECTED' : null,
        target === 'failed' ? (delivery.description ?? 'delivery failed') : null,
        now,
        now,
        id,
      );
    insertEvent(ledger, id, 'delivery', event, now);
    return { changed: true, row: mustGetRow(ledger, id) };
  });
}

/**
 * Status callbacks that arrived for this requestId before the send's own answer did (kept as
 * orphans) are attached to the transaction and applied by the usual rule. Runs inside the
 * settlement's transaction.
 */
export function adoptEarlyCallbacks(ledger: SqliteDatabase, id: number, requestId: string, now: number): void {
  const row = mustGetRow(ledger, id);
  // An orphan kept for another account or environment is not this send's, whatever its requestId.
  const orphans = ledger
    .statement(
      `SELECT id, payload FROM events
       WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND json_extract(payload, '$.requestId') = ?
         AND (environment IS NULL OR (account = ? AND environment = ?))
       ORDER BY id`,
    )
    .all(requestId, row.account, row.environment) as { id: number; payload: string }[];
  for (const orphan of orphans) {
    const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
    ledger.statement('UPDATE events SET transaction_id = ? WHERE id = ?').run(id, orphan.id);
    recordDelivery(
      ledger,
      id,
      {
        status: String(fields.status ?? ''),
        description: typeof fields.description === 'string' ? fields.description : null,
        requestId,
        source: 'callback, before the answer',
        payload: fields,
      },
      now,
    );
  }
}

/**
 * A send that ends `unknown` (its answer lost: a duplicate, a timeout) may already have had its
 * status callback, kept as an orphan because no row bore its requestId yet: one of the same
 * number and value from the last 24 hours settles it, as `airtime serve` does the other way round.
 * Only one kept for this row's account and environment: matched by value alone, a sandbox
 * callback could otherwise settle a live payment (or the reverse), and one kept without them (by
 * a serve with no username, or before schema 5) could be either.
 */
export function adoptLostCallback(ledger: SqliteDatabase, id: number, now: number): void {
  const row = mustGetRow(ledger, id);
  const market = marketByCurrency(row.currency);
  if (!market || row.requestId !== null) return;
  const orphans = ledger
    .statement(
      `SELECT id, payload FROM events
       WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND at >= ? AND json_extract(payload, '$.phoneNumber') = ?
         AND account = ? AND environment = ?
       ORDER BY id DESC`,
    )
    .all(Math.max(now - UNKNOWN_MATCH_MAX_AGE_MS, row.createdAt), row.phoneNumber, row.account, row.environment) as {
    id: number;
    payload: string;
  }[];
  for (const orphan of orphans) {
    const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
    const value = parseReportedMoney(fields.value);
    const status = String(fields.status ?? '');
    if (!value || value.currency !== row.currency || value.units4 !== minorToUnits4(row.amountMinor, market)) continue;
    if ((status !== 'Success' && status !== 'Failed') || typeof fields.requestId !== 'string') continue;
    ledger.statement('UPDATE events SET transaction_id = ? WHERE id = ?').run(id, orphan.id);
    recordDelivery(
      ledger,
      id,
      {
        status,
        description: typeof fields.description === 'string' ? fields.description : null,
        requestId: fields.requestId,
        source: 'callback, for a lost answer',
        payload: fields,
      },
      now,
    );
    ledger.statement('UPDATE transactions SET exit_code = ? WHERE id = ?').run(status === 'Success' ? EXIT.OK : EXIT.FAILED, id);
    return;
  }
}

/**
 * Records a delivery result. By requestId first, through recordDelivery (idempotent, and `Success`
 * wins over `Failed`: airtime that reached a phone cannot be taken back). A requestId the ledger
 * lacks is the answer a send never got: it settles the most recent `unknown` row of the same number
 * and value that has no requestId, of the scope's account and environment, recording the requestId
 * on it. Anything else is kept as an orphan event, with the scope, so nothing Africa's Talking
 * reported is lost. Without a scope (a serve with no username) nothing is settled by value: the
 * callback could be the sandbox's or live's.
 */
export function recordStatusCallback(
  ledger: SqliteDatabase,
  callback: DeliveryCallback,
  now: number,
  scope: LedgerScope | null = null,
): DeliveryOutcome {
  return ledger.write(() => {
    const known = ledger.statement('SELECT * FROM transactions WHERE request_id = ? ORDER BY id LIMIT 1').get(callback.requestId);
    if (known) return deliver(ledger, toTransaction(known as Row), callback, now);
    const lost = findLostAnswer(ledger, callback, now, scope);
    if (lost) return deliver(ledger, lost, callback, now);
    insertEvent(ledger, null, 'orphan-callback', callback.payload, now, scope);
    return { kind: 'orphan' };
  });
}

function findLostAnswer(
  ledger: SqliteDatabase,
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
  if (ledger.statement(`SELECT 1 FROM transactions WHERE ${sameSend} AND state = 'pending' LIMIT 1`).get(params)) return null;
  const row = ledger
    .statement(`SELECT * FROM transactions WHERE ${sameSend} AND state = 'unknown' ORDER BY created_at DESC, id DESC LIMIT 1`)
    .get(params);
  return row ? toTransaction(row as Row) : null;
}

function deliver(ledger: SqliteDatabase, row: StoredTransaction, callback: DeliveryCallback, now: number): DeliveryOutcome {
  const settlesUnknown = row.state === 'unknown';
  const delivery = recordDelivery(
    ledger,
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
    ledger
      .statement('UPDATE transactions SET discount_currency = ?, discount_units4 = ? WHERE id = ?')
      .run(discount.currency, discount.units4, row.id);
  }
  if (settlesUnknown) {
    // A replay of the key exits as its final state now says, as after `airtime reconcile`, not
    // with the 5 of the run that lost the answer.
    ledger
      .statement('UPDATE transactions SET exit_code = ? WHERE id = ?')
      .run(delivery.row.state === 'delivered' ? EXIT.OK : EXIT.FAILED, row.id);
  }
  return { kind: 'updated', row: getRow(ledger, row.id) ?? delivery.row, settledUnknown: settlesUnknown };
}

/**
 * Decides a validation callback, and claims the transaction it approves. `Validated` only for a
 * `pending` or `sent` row of this ledger started less than `maxAgeMs` ago, with the same number,
 * currency and amount, that has approved no other transactionId: the oldest such row is claimed
 * (validated_transaction_id, UNIQUE) in the same write transaction that found it, so each row
 * approves one transactionId however many requests race. The same transactionId asking again
 * gets the same answer. A refusal is kept as an orphan event: it may be a leaked key at work.
 */
export function claimValidation(
  ledger: SqliteDatabase,
  claim: ValidationClaim,
  now: number,
  options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
): ValidationDecision {
  const scope = options.scope ?? null;
  const decision = ledger.write((): ValidationDecision => {
    const earlier = ledger.statement('SELECT * FROM transactions WHERE validated_transaction_id = ?').get(claim.transactionId);
    if (earlier) {
      const row = toTransaction(earlier as Row);
      if (matches(row, claim)) {
        return { validated: true, row, repeated: true, reason: `transactionId already validated against key ${row.idempotencyKey}` };
      }
      return { validated: false, reason: `transactionId was validated for another send (key ${row.idempotencyKey})` };
    }
    const params = { phone: claim.phoneNumber, currency: claim.currency, amount: claim.amountMinor, ...scopeParams(scope) };
    const since = now - options.maxAgeMs;
    const candidate = ledger
      .statement(
        `SELECT * FROM transactions
       WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
         AND state IN ('pending', 'sent') AND validated_transaction_id IS NULL AND COALESCE(first_attempt_at, created_at) > @since
         AND (@account IS NULL OR (account = @account AND environment = @environment))
       ORDER BY created_at, id LIMIT 1`,
      )
      .get({ ...params, since });
    if (!candidate) return { validated: false, reason: whyNot(ledger, claim, params, now, options.maxAgeMs) };
    const row = toTransaction(candidate as Row);
    ledger
      .statement('UPDATE transactions SET validated_transaction_id = ?, validated_at = ? WHERE id = ?')
      .run(claim.transactionId, now, row.id);
    insertEvent(ledger, row.id, 'validation', { transactionId: claim.transactionId, payload: options.payload ?? null }, now);
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
export function recordValidationRefusal(ledger: SqliteDatabase, reason: string, payload: unknown, now: number): void {
  ledger.write(() => insertEvent(ledger, null, 'validation-refused', { reason, payload }, now));
}

function matches(row: StoredTransaction, claim: ValidationClaim): boolean {
  return row.phoneNumber === claim.phoneNumber && row.currency === claim.currency && row.amountMinor === claim.amountMinor;
}

/** Why no row qualified, from the most recent row of the same number and value, for the log. */
function whyNot(ledger: SqliteDatabase, claim: ValidationClaim, params: Record<string, unknown>, now: number, maxAgeMs: number): string {
  const found = ledger
    .statement(
      `SELECT * FROM transactions
     WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
       AND (@account IS NULL OR (account = @account AND environment = @environment))
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    )
    .get(params);
  const market = marketByCurrency(claim.currency);
  const money = market ? formatMoney(claim.amountMinor, market) : `${claim.currency} ${claim.amountMinor}`;
  if (!found) return `no transaction of this ledger sends ${money} to ${claim.phoneNumber}`;
  const row = toTransaction(found as Row);
  const which = `the matching transaction (key ${row.idempotencyKey})`;
  if (row.state !== 'pending' && row.state !== 'sent') return `${which} is ${row.state}, not pending or sent`;
  if (row.validatedTransactionId !== null) return `${which} already approved another transactionId`;
  const age = Math.round((now - (row.firstAttemptAt ?? row.createdAt)) / 1000);
  return `${which} is ${age} s old, over serve.validationMaxAge (${Math.round(maxAgeMs / 1000)} s)`;
}

function scopeParams(scope: LedgerScope | null): { account: string | null; environment: string | null } {
  return { account: scope?.account ?? null, environment: scope?.environment ?? null };
}
