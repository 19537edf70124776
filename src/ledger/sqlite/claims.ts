// The send path in the SQLite ledger: a key is claimed (a committed `pending` row) before its
// request leaves, each further attempt is recorded before it leaves, a row whose owner is gone is
// taken over by one process only, and the answer settles it. Every decision that must not be split
// (the unique key, the daily cap, the repeat guard) is made inside one write transaction.
import type { Environment } from '../../core/environment.js';
import { AirtimeError } from '../../core/errors.js';
import { DAILY_WINDOW_MS } from '../../core/limits.js';
import type { MoneyLimits } from '../../core/recipient.js';
import { type RepeatGuard, repeatCutoffs } from '../../core/repeat.js';
import type { Owner } from '../owner.js';
import {
  type ClaimOutcome,
  type NewTransaction,
  OWNER_COLUMNS,
  ownerValues,
  type Settlement,
  type SettlementItem,
  SPENT_STATES,
  type StoredTransaction,
  toTransaction,
} from '../records.js';
import type { Payment } from '../store.js';
import { adoptEarlyCallbacks, adoptLostCallback } from './callbacks.js';
import { Rollback, type SqliteDatabase } from './driver.js';
import { insertEvent, mustGetRow, NO_OWNER, OWNER_IS, type Row, rowByKey, SET_OWNER } from './rows.js';

/**
 * Claims several keys in one commit (a bulk send claims the rows it is about to send together: one
 * wait for the disk instead of one per row). A new row already counts its first attempt: the
 * request follows at once, and one commit fewer per send matters (docs/performance.md). If the group as a whole
 * would pass a daily cap or meet a repeat, it is rolled back and the keys are claimed one by one, so
 * exactly the rows that may go get in.
 */
export function claimMany(ledger: SqliteDatabase, inputs: readonly NewTransaction[], now: number, dailyCaps: MoneyLimits): ClaimOutcome[] {
  const one = (input: NewTransaction): ClaimOutcome => {
    try {
      return ledger.write(() => insertClaim(ledger, input, now, dailyCaps));
    } catch (error) {
      if (error instanceof Rollback) return error.answer as ClaimOutcome;
      throw error;
    }
  };
  if (inputs.length === 1) return [one(inputs[0] as NewTransaction)];
  try {
    return ledger.write(() => inputs.map((input) => insertClaim(ledger, input, now, dailyCaps)));
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
    return inputs.map(one);
  }
}

/** Inside a write transaction: one key's insert (or its existing row), the repeat guard and the daily cap. */
function insertClaim(ledger: SqliteDatabase, input: NewTransaction, now: number, dailyCaps: MoneyLimits): ClaimOutcome {
  const inserted = ledger
    .statement(
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency,
         amount_minor, batch_id, reference, row_number, state, max_num_retry, attempts, first_attempt_at,
         created_at, updated_at, ${OWNER_COLUMNS.join(', ')}, os_user, host)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?, ?, ${OWNER_COLUMNS.map(() => '?').join(', ')}, ?, ?)
       ON CONFLICT (account, environment, idempotency_key) DO NOTHING
       RETURNING *`,
    )
    .get(
      input.account,
      input.environment,
      input.idempotencyKey,
      input.phoneNumber,
      input.country,
      input.currency,
      input.amountMinor,
      input.batchId ?? null,
      input.reference ?? null,
      input.rowNumber ?? null,
      input.maxNumRetry ?? null,
      now,
      now,
      now,
      ...ownerValues(input.owner),
      input.osUser,
      input.host,
    ) as Row | undefined;
  if (!inserted) {
    const existing = rowByKey(ledger, input.account, input.environment, input.idempotencyKey);
    if (!existing) throw new Error('a claimed key has no row');
    return { kind: 'existing', row: existing };
  }
  if (input.repeatGuard) {
    // Under the write lock, with this row already in: of two processes racing the same send, the
    // second finds the first's row here, whichever inserted first.
    const match = findRepeat(ledger, input, input.repeatGuard, now, inserted.id as number);
    // Throwing rolls the insert back: a refused send leaves no row behind.
    if (match) throw new Rollback<ClaimOutcome>({ kind: 'repeat', match });
  }
  if (input.batchGuard) {
    const match = otherBatchPayment(ledger, input, input.batchGuard.since, inserted.id as number);
    if (match) throw new Rollback<ClaimOutcome>({ kind: 'repeat', match });
  }
  const cap = dailyCaps[input.currency as keyof MoneyLimits];
  if (cap !== undefined) {
    const spent = spentSince(ledger, input.account, input.environment, input.currency, now - DAILY_WINDOW_MS);
    if (spent > cap) throw new Rollback<ClaimOutcome>({ kind: 'over-cap', spentMinor: spent, capMinor: cap });
  }
  return { kind: 'created', row: toTransaction(inserted) };
}

/**
 * The most recent transaction of this account and environment paying this number this amount in
 * this currency that a new send without a key would repeat (src/core/repeat.ts), if any.
 */
export function findRepeat(
  ledger: SqliteDatabase,
  payment: Payment,
  guard: RepeatGuard,
  now: number,
  excludeId = -1,
): StoredTransaction | undefined {
  const cutoffs = repeatCutoffs(now, guard);
  const row = ledger
    .statement(
      `SELECT * FROM transactions
       WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
         AND account = @account AND environment = @environment AND id <> @exclude
         AND ((state IN ('sent', 'delivered') AND @accepted IS NOT NULL AND created_at > @accepted)
           OR (state IN ('pending', 'unknown') AND created_at > @unsettled))
       ORDER BY created_at DESC, id DESC LIMIT 1`,
    )
    .get({
      phone: payment.phoneNumber,
      currency: payment.currency,
      amount: payment.amountMinor,
      account: payment.account,
      environment: payment.environment,
      exclude: excludeId,
      accepted: cutoffs.accepted,
      unsettled: cutoffs.unsettled,
    }) as Row | undefined;
  return row && toTransaction(row);
}

/**
 * A payment of the same number, amount and currency since `since`, made outside this row's batch:
 * what a bulk row claimed now would pay again (REPEAT_PAYMENT). Rows of the same batch are its own.
 */
function otherBatchPayment(ledger: SqliteDatabase, input: NewTransaction, since: number, excludeId: number): StoredTransaction | undefined {
  const row = ledger
    .statement(
      `SELECT * FROM transactions
       WHERE phone_number = ? AND currency = ? AND amount_minor = ? AND account = ? AND environment = ? AND id <> ?
         AND created_at > ? AND state IN ${SPENT_STATES} AND batch_id IS NOT ?
       ORDER BY created_at DESC, id DESC LIMIT 1`,
    )
    .get(input.phoneNumber, input.currency, input.amountMinor, input.account, input.environment, excludeId, since, input.batchId ?? null) as
    | Row
    | undefined;
  return row && toTransaction(row);
}

/**
 * Minor units of a currency pending, sent, delivered or unknown since a moment: the per-minute
 * totals (schema 2) of whole minutes after it, plus the rows of the minute it falls in.
 */
export function spentSince(ledger: SqliteDatabase, account: string, environment: Environment, currency: string, since: number): number {
  const minute = Math.floor(since / 60_000);
  const row = ledger
    .statement(
      `SELECT
         (SELECT COALESCE(SUM(amount_minor), 0) FROM spend_by_minute
           WHERE account = @account AND environment = @environment AND currency = @currency AND minute > @minute)
       + (SELECT COALESCE(SUM(amount_minor), 0) FROM transactions
           WHERE account = @account AND environment = @environment AND currency = @currency
             AND created_at > @since AND created_at < (@minute + 1) * 60000 AND state IN ${SPENT_STATES}) AS total`,
    )
    .get({ account, environment, currency, minute, since }) as { total: number };
  return row.total;
}

/**
 * Gives back claims whose requests never left (a bulk send stopped by Ctrl-C while rows were
 * claimed ahead): only rows still pending under this owner, on their first attempt.
 */
export function release(ledger: SqliteDatabase, ids: readonly number[], owner: Owner): void {
  if (ids.length === 0) return;
  ledger.write(() => {
    for (const id of ids) {
      ledger
        .statement(`DELETE FROM transactions WHERE id = ? AND state = 'pending' AND attempts = 1 AND ${OWNER_IS}`)
        .run(id, ...ownerValues(owner));
    }
  });
}

/** Recorded and committed before each further request leaves: one more attempt, and who makes it. */
export function beginAttempt(ledger: SqliteDatabase, id: number, owner: Owner, now: number): StoredTransaction {
  ledger.write(() =>
    ledger
      .statement(
        `UPDATE transactions SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?),
           state = 'pending', ${SET_OWNER}, updated_at = ?
         WHERE id = ?`,
      )
      .run(now, ...ownerValues(owner), now, id),
  );
  return mustGetRow(ledger, id);
}

/**
 * Takes over a `pending` row whose owner is gone, or an `unknown` one, for a resend. A compare-
 * and-set on the owner seen: of two processes recovering one row, only one gets it.
 */
export function takeOver(ledger: SqliteDatabase, id: number, seen: Owner | null, owner: Owner, now: number, resetWindow = false): boolean {
  const result = ledger.write(() =>
    ledger
      .statement(
        `UPDATE transactions SET ${SET_OWNER}, state = 'pending',
           first_attempt_at = CASE WHEN ? THEN NULL ELSE first_attempt_at END, updated_at = ?
         WHERE id = ? AND state IN ('pending', 'unknown') AND ${OWNER_IS}`,
      )
      .run(...ownerValues(owner), resetWindow ? 1 : 0, now, id, ...ownerValues(seen)),
  );
  return result.changes === 1;
}

/**
 * Records outcomes, and the answers they came from, in one commit: the one commit that need not
 * wait for the disk (see Synchronous).
 */
export function settleMany(ledger: SqliteDatabase, items: readonly SettlementItem[]): void {
  if (items.length === 0) return;
  if (ledger.synchronous === 'FULL') ledger.statement('PRAGMA synchronous = NORMAL').run();
  try {
    ledger.write(() => {
      for (const item of items) settleNow(ledger, item.id, item.settlement, item.now, item.events ?? []);
    });
  } finally {
    if (ledger.synchronous === 'FULL') ledger.statement('PRAGMA synchronous = FULL').run();
  }
}

function settleNow(
  ledger: SqliteDatabase,
  id: number,
  settlement: Settlement,
  now: number,
  events: { kind: string; payload: unknown }[],
): void {
  for (const event of events) insertEvent(ledger, id, event.kind, event.payload, now);
  // A row Africa's Talking accepted stays accepted: a later settlement can only be a second
  // sender's answer for the same key ("duplicate", at best), which knows less. Its events stay.
  const settled = ledger
    .statement(
      `UPDATE transactions SET state = ?, at_status = ?, request_id = ?, discount_currency = ?, discount_units4 = ?,
           error_code = ?, error_message = ?, exit_code = ?, updated_at = ?, settled_at = ?,
           ${NO_OWNER}
         WHERE id = ? AND state NOT IN ('sent', 'delivered')`,
    )
    .run(
      settlement.state,
      settlement.atStatus,
      settlement.requestId,
      settlement.discountCurrency,
      settlement.discountUnits4,
      settlement.errorCode,
      settlement.errorMessage,
      settlement.exitCode,
      now,
      settlement.state === 'pending' ? null : now,
      id,
    );
  if (settled.changes === 0) return;
  if (settlement.state === 'sent' && settlement.requestId !== null) adoptEarlyCallbacks(ledger, id, settlement.requestId, now);
  if (settlement.state === 'unknown') adoptLostCallback(ledger, id, now);
}

/** Settles a transaction by hand (`airtime reconcile`), recording who and when. */
export function reconcile(
  ledger: SqliteDatabase,
  id: number,
  settlement: Omit<Settlement, 'discountCurrency' | 'discountUnits4'>,
  by: string,
  note: string | null,
  now: number,
): StoredTransaction {
  ledger.write(() => {
    const updated = ledger
      .statement(
        `UPDATE transactions SET state = ?, at_status = ?, request_id = COALESCE(?, request_id), error_code = ?,
           error_message = ?, exit_code = ?, updated_at = ?, settled_at = ?, settled_by = ?, note = ?,
           ${NO_OWNER}
         WHERE id = ? AND state IN ('pending', 'unknown')`,
      )
      .run(
        settlement.state,
        settlement.atStatus,
        settlement.requestId,
        settlement.errorCode,
        settlement.errorMessage,
        settlement.exitCode,
        now,
        now,
        by,
        note,
        id,
      );
    // Settled by someone else since it was read (an answer, a callback): that word stands.
    if (updated.changes === 0) {
      throw new AirtimeError(
        'USAGE',
        `the transaction was settled (${mustGetRow(ledger, id).state}) while reconcile was deciding; nothing was changed`,
      );
    }
    insertEvent(ledger, id, 'reconcile', { as: settlement.state, requestId: settlement.requestId, by, note }, now);
  });
  return mustGetRow(ledger, id);
}
