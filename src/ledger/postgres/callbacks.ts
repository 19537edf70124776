// What Africa's Talking's later words do to the shared ledger: delivery results, the callbacks
// `airtime serve` receives (on any replica), and the adoption of a callback that arrived before its
// send had settled. The same rules as the SQLite ledger's (src/ledger/sqlite/callbacks.ts), each
// inside the caller's transaction; the validation callback approves a row in one atomic update.
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
import type { Query } from './connection.js';
import { getRow, insertEvent, mustGetRow, NO_OWNER } from './rows.js';

/** A delivery result: `Success` wins; the same result twice changes nothing (as in SQLite's). */
export async function recordDelivery(
  q: Query,
  id: number,
  delivery: Delivery,
  now: number,
): Promise<{ changed: boolean; row: StoredTransaction }> {
  // The row is locked for the decision: two replicas settling it at once decide one after the other.
  const locked = await q.row('SELECT * FROM transactions WHERE id = $1 FOR UPDATE', [id]);
  if (!locked) throw new Error(`transaction ${id} vanished`);
  const row = toTransaction(locked);
  const target: TransactionState | null = delivery.status === 'Success' ? 'delivered' : delivery.status === 'Failed' ? 'failed' : null;
  const event = { source: delivery.source, status: delivery.status, description: delivery.description, payload: delivery.payload };
  if (target === null || row.state === target || (row.state === 'delivered' && target === 'failed')) {
    if (target !== null && row.state !== target) await insertEvent(q, id, 'delivery-ignored', event, now);
    return { changed: false, row };
  }
  await q.run(
    `UPDATE transactions SET state = $1, at_status = $2, request_id = COALESCE(request_id, $3), error_code = $4,
       error_message = $5, updated_at = $6, settled_at = $6, ${NO_OWNER}
     WHERE id = $7`,
    [
      target,
      delivery.status,
      delivery.requestId,
      target === 'failed' ? 'REJECTED' : null,
      target === 'failed' ? (delivery.description ?? 'delivery failed') : null,
      now,
      id,
    ],
  );
  await insertEvent(q, id, 'delivery', event, now);
  return { changed: true, row: await mustGetRow(q, id) };
}

/** Orphan status callbacks for this requestId, kept before the send's answer arrived, applied now. */
export async function adoptEarlyCallbacks(q: Query, id: number, requestId: string, now: number): Promise<void> {
  const row = await mustGetRow(q, id);
  const orphans = await q.rows<{ id: string; payload: string }>(
    `SELECT id, payload FROM events
     WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND (payload::jsonb) ->> 'requestId' = $1
       AND (environment IS NULL OR (account = $2 AND environment = $3))
     ORDER BY id FOR UPDATE`,
    [requestId, row.account, row.environment],
  );
  for (const orphan of orphans) {
    const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
    await q.run('UPDATE events SET transaction_id = $1 WHERE id = $2', [id, orphan.id]);
    await recordDelivery(
      q,
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

/** A send left unknown may already have had its callback, kept as an orphan: one of the same number and value settles it. */
export async function adoptLostCallback(q: Query, id: number, now: number): Promise<void> {
  const row = await mustGetRow(q, id);
  const market = marketByCurrency(row.currency);
  if (!market || row.requestId !== null) return;
  const orphans = await q.rows<{ id: string; payload: string }>(
    `SELECT id, payload FROM events
     WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND at >= $1 AND (payload::jsonb) ->> 'phoneNumber' = $2
       AND account = $3 AND environment = $4
     ORDER BY id DESC FOR UPDATE`,
    [Math.max(now - UNKNOWN_MATCH_MAX_AGE_MS, row.createdAt), row.phoneNumber, row.account, row.environment],
  );
  for (const orphan of orphans) {
    const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
    const value = parseReportedMoney(fields.value);
    const status = String(fields.status ?? '');
    if (!value || value.currency !== row.currency || value.units4 !== minorToUnits4(row.amountMinor, market)) continue;
    if ((status !== 'Success' && status !== 'Failed') || typeof fields.requestId !== 'string') continue;
    await q.run('UPDATE events SET transaction_id = $1 WHERE id = $2', [id, orphan.id]);
    await recordDelivery(
      q,
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
    await q.run('UPDATE transactions SET exit_code = $1 WHERE id = $2', [status === 'Success' ? EXIT.OK : EXIT.FAILED, id]);
    return;
  }
}

/** A status callback: by requestId, else the lost answer of an unknown row of the same number and value, else an orphan. */
export async function recordStatusCallback(
  q: Query,
  callback: DeliveryCallback,
  now: number,
  scope: LedgerScope | null,
): Promise<DeliveryOutcome> {
  const known = await q.row('SELECT * FROM transactions WHERE request_id = $1 ORDER BY id LIMIT 1', [callback.requestId]);
  if (known) return deliver(q, toTransaction(known), callback, now);
  const lost = await findLostAnswer(q, callback, now, scope);
  if (lost) return deliver(q, lost, callback, now);
  await insertEvent(q, null, 'orphan-callback', callback.payload, now, scope);
  return { kind: 'orphan' };
}

async function findLostAnswer(
  q: Query,
  callback: DeliveryCallback,
  now: number,
  scope: LedgerScope | null,
): Promise<StoredTransaction | null> {
  if (scope === null) return null;
  if (callback.status !== 'Success' && callback.status !== 'Failed') return null;
  if (callback.phoneNumber === null || callback.value === null) return null;
  const params = [
    callback.phoneNumber,
    callback.value.currency,
    callback.value.amountMinor,
    now - UNKNOWN_MATCH_MAX_AGE_MS,
    scope.account,
    scope.environment,
  ];
  const sameSend = `phone_number = $1 AND currency = $2 AND amount_minor = $3 AND created_at > $4
       AND request_id IS NULL AND account = $5 AND environment = $6`;
  // A send of the same number and value still waiting for its answer may be the one this is about.
  if (await q.row(`SELECT 1 AS found FROM transactions WHERE ${sameSend} AND state = 'pending' LIMIT 1`, params)) return null;
  const row = await q.row(
    `SELECT * FROM transactions WHERE ${sameSend} AND state = 'unknown' ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`,
    params,
  );
  return row ? toTransaction(row) : null;
}

async function deliver(q: Query, row: StoredTransaction, callback: DeliveryCallback, now: number): Promise<DeliveryOutcome> {
  const settlesUnknown = row.state === 'unknown';
  const delivery = await recordDelivery(
    q,
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
    await q.run('UPDATE transactions SET discount_currency = $1, discount_units4 = $2 WHERE id = $3', [
      discount.currency,
      discount.units4,
      row.id,
    ]);
  }
  if (settlesUnknown) {
    await q.run('UPDATE transactions SET exit_code = $1 WHERE id = $2', [
      delivery.row.state === 'delivered' ? EXIT.OK : EXIT.FAILED,
      row.id,
    ]);
  }
  return { kind: 'updated', row: (await getRow(q, row.id)) ?? delivery.row, settledUnknown: settlesUnknown };
}

/**
 * A validation callback, decided and claimed in one atomic update: the oldest matching `pending`
 * or `sent` row younger than `maxAgeMs` that approved nothing yet takes this transactionId. Rows
 * another replica is approving at this instant are skipped (SKIP LOCKED), and the update re-checks
 * `validated_transaction_id IS NULL`, so however many replicas race, each row approves one
 * transactionId. The same transactionId asking again gets the same answer.
 */
export async function claimValidation(
  q: Query,
  claim: ValidationClaim,
  now: number,
  options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
): Promise<ValidationDecision> {
  const scope = options.scope ?? null;
  const earlier = await q.row('SELECT * FROM transactions WHERE validated_transaction_id = $1', [claim.transactionId]);
  if (earlier) {
    const row = toTransaction(earlier);
    if (matches(row, claim)) {
      return { validated: true, row, repeated: true, reason: `transactionId already validated against key ${row.idempotencyKey}` };
    }
    return { validated: false, reason: `transactionId was validated for another send (key ${row.idempotencyKey})` };
  }
  const match = `phone_number = $1 AND currency = $2 AND amount_minor = $3
       AND ($4::text IS NULL OR (account = $4 AND environment = $5))`;
  const params = [claim.phoneNumber, claim.currency, claim.amountMinor, scope?.account ?? null, scope?.environment ?? null];
  const approved = await q.row(
    `UPDATE transactions SET validated_transaction_id = $6, validated_at = $7
     WHERE id = (
       SELECT id FROM transactions
       WHERE ${match} AND state IN ('pending', 'sent') AND validated_transaction_id IS NULL
         AND COALESCE(first_attempt_at, created_at) > $8
       ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       AND validated_transaction_id IS NULL
     RETURNING *`,
    [...params, claim.transactionId, now, now - options.maxAgeMs],
  );
  if (!approved) return { validated: false, reason: await whyNot(q, claim, match, params, now, options.maxAgeMs) };
  const row = toTransaction(approved);
  await insertEvent(q, row.id, 'validation', { transactionId: claim.transactionId, payload: options.payload ?? null }, now);
  const age = Math.round((now - (row.firstAttemptAt ?? row.createdAt)) / 1000);
  return { validated: true, row, repeated: false, reason: `matches key ${row.idempotencyKey} (${row.state}, ${age} s old)` };
}

function matches(row: StoredTransaction, claim: ValidationClaim): boolean {
  return row.phoneNumber === claim.phoneNumber && row.currency === claim.currency && row.amountMinor === claim.amountMinor;
}

async function whyNot(q: Query, claim: ValidationClaim, match: string, params: unknown[], now: number, maxAgeMs: number): Promise<string> {
  const found = await q.row(`SELECT * FROM transactions WHERE ${match} ORDER BY created_at DESC, id DESC LIMIT 1`, params);
  const market = marketByCurrency(claim.currency);
  const money = market ? formatMoney(claim.amountMinor, market) : `${claim.currency} ${claim.amountMinor}`;
  if (!found) return `no transaction of this ledger sends ${money} to ${claim.phoneNumber}`;
  const row = toTransaction(found);
  const which = `the matching transaction (key ${row.idempotencyKey})`;
  if (row.state !== 'pending' && row.state !== 'sent') return `${which} is ${row.state}, not pending or sent`;
  if (row.validatedTransactionId !== null) return `${which} already approved another transactionId`;
  const ageMs = now - (row.firstAttemptAt ?? row.createdAt);
  const age = Math.round(ageMs / 1000);
  if (ageMs < maxAgeMs) return `${which} is being approved for another transactionId at this moment`;
  return `${which} is ${age} s old, over serve.validationMaxAge (${Math.round(maxAgeMs / 1000)} s)`;
}
