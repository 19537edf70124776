// What status and validation callbacks do to the ledger, on every store (the contract, as in
// contract.test.ts), with the clock in the test's hands.
import { beforeEach, describe, expect, it } from 'vitest';
import { currentOwner } from '../../src/ledger/owner.js';
import {
  type DeliveryCallback,
  type NewTransaction,
  type Settlement,
  type StoredTransaction,
  UNKNOWN_MATCH_MAX_AGE_MS,
  type ValidationClaim,
} from '../../src/ledger/records.js';
import type { Ledger } from '../../src/ledger/store.js';
import { resultFromRow } from '../../src/results/transaction.js';
import { claim, settle } from '../helpers/ledger.js';
import { describeStores } from './stores.js';

const T0 = Date.UTC(2026, 10, 27, 12, 0, 0);
const MINUTE = 60_000;

describeStores('callbacks', (store) => {
  let ledger: Ledger;

  beforeEach(async () => {
    ledger = await store.open();
    return () => ledger.close();
  });

  let keys = 0;
  /** A row claimed at `at` and settled to `state`. */
  async function row(
    state: 'pending' | 'sent' | 'unknown' | 'failed',
    at: number,
    overrides: Partial<NewTransaction> & { requestId?: string | null } = {},
  ): Promise<StoredTransaction> {
    const { requestId = state === 'sent' ? `ATQid_${keys + 1}` : null, ...input } = overrides;
    const claimed = await claim(
      ledger,
      {
        account: 'sandbox',
        environment: 'sandbox',
        idempotencyKey: `key-${++keys}`,
        phoneNumber: '+254712345678',
        country: 'KE',
        currency: 'KES',
        amountMinor: 5000,
        owner: currentOwner(),
        osUser: 'tester',
        host: 'test-host',
        ...input,
      },
      at,
    );
    if (claimed.kind !== 'created') throw new Error('expected a new row');
    if (state !== 'pending') {
      const settlement: Settlement = {
        state,
        atStatus: state === 'sent' ? 'Sent' : null,
        requestId,
        discountCurrency: null,
        discountUnits4: null,
        errorCode: state === 'unknown' ? 'OUTCOME_UNKNOWN' : state === 'failed' ? 'REJECTED' : null,
        errorMessage: null,
        exitCode: state === 'unknown' ? 5 : state === 'failed' ? 1 : 0,
      };
      await settle(ledger, claimed.row.id, settlement, at);
    }
    return (await ledger.get(claimed.row.id)) as StoredTransaction;
  }

  function callback(overrides: Partial<DeliveryCallback> = {}): DeliveryCallback {
    return {
      requestId: 'ATQid_1',
      status: 'Success',
      description: 'Airtime Delivered Successfully',
      phoneNumber: '+254712345678',
      value: { currency: 'KES', amountMinor: 5000 },
      discount: { currency: 'KES', units4: 20_000 },
      payload: { requestId: 'ATQid_1', status: 'Success' },
      ...overrides,
    };
  }

  function orphanEvents(): Promise<{ kind: string; payload: string }[]> {
    return store.sql('SELECT kind, payload FROM events WHERE transaction_id IS NULL ORDER BY id');
  }

  describe('recordStatusCallback', () => {
    const scope = { account: 'sandbox', environment: 'sandbox' as const };

    it('settles by requestId, idempotently, and Success wins over a late Failed', async () => {
      const sent = await row('sent', T0, { requestId: 'ATQid_1' });
      const first = await ledger.recordStatusCallback(callback(), T0 + MINUTE);
      expect(first).toMatchObject({
        kind: 'updated',
        settledUnknown: false,
        row: { id: sent.id, state: 'delivered', atStatus: 'Success' },
      });
      const events = (await ledger.events(sent.id)).length;
      expect(await ledger.recordStatusCallback(callback(), T0 + 2 * MINUTE)).toMatchObject({
        kind: 'unchanged',
        row: { state: 'delivered' },
      });
      expect(await ledger.events(sent.id)).toHaveLength(events);
      const late = await ledger.recordStatusCallback(
        callback({ status: 'Failed', description: 'Airtime Delivery Failed' }),
        T0 + 3 * MINUTE,
      );
      expect(late).toMatchObject({ kind: 'unchanged', row: { state: 'delivered' } });
      expect((await ledger.events(sent.id)).at(-1)?.kind).toBe('delivery-ignored');
    });

    it('lets a Success after a Failed mark it delivered', async () => {
      await row('sent', T0, { requestId: 'ATQid_1' });
      expect(await ledger.recordStatusCallback(callback({ status: 'Failed', description: 'Airtime Delivery Failed' }), T0)).toMatchObject({
        row: { state: 'failed', errorMessage: 'Airtime Delivery Failed' },
      });
      expect(await ledger.recordStatusCallback(callback(), T0 + MINUTE)).toMatchObject({
        kind: 'updated',
        row: { state: 'delivered', errorMessage: null },
      });
    });

    it('settles the most recent unknown row of the same number and value, with the requestId, discount and a final exit code', async () => {
      const older = await row('unknown', T0 - 10 * MINUTE);
      const lost = await row('unknown', T0 - MINUTE);
      await row('unknown', T0 - MINUTE, { amountMinor: 5100 });
      await row('unknown', T0 - MINUTE, { phoneNumber: '+254712345679' });
      const outcome = await ledger.recordStatusCallback(callback({ requestId: 'ATQid_lost' }), T0, scope);
      expect(outcome).toMatchObject({
        kind: 'updated',
        settledUnknown: true,
        row: { id: lost.id, state: 'delivered', requestId: 'ATQid_lost' },
      });
      const settled = (await ledger.get(lost.id)) as StoredTransaction;
      expect(settled).toMatchObject({ discountCurrency: 'KES', discountUnits4: 20_000, exitCode: 0 });
      // A replay of its key now exits 0 and says delivered, not the 5 of the run that lost the answer.
      expect(resultFromRow(settled, true)).toMatchObject({ state: 'delivered', exitCode: 0, error: null, discount: 'KES 2.0000' });
      expect((await ledger.get(older.id))?.state).toBe('unknown');
      // The same callback again now finds the row by its requestId: nothing changes.
      expect(await ledger.recordStatusCallback(callback({ requestId: 'ATQid_lost' }), T0 + MINUTE, scope)).toMatchObject({
        kind: 'unchanged',
      });
      // The next lost answer settles the older one.
      expect(await ledger.recordStatusCallback(callback({ requestId: 'ATQid_lost2', status: 'Failed' }), T0 + MINUTE, scope)).toMatchObject(
        {
          row: { id: older.id, state: 'failed', exitCode: 1 },
        },
      );
    });

    it('gives an unknown row found by its requestId the exit code of its final state too', async () => {
      const unknown = await row('unknown', T0 - MINUTE, { requestId: 'ATQid_1' });
      expect(await ledger.recordStatusCallback(callback({ status: 'Failed' }), T0)).toMatchObject({
        kind: 'updated',
        settledUnknown: true,
        row: { id: unknown.id, state: 'failed', exitCode: 1 },
      });
    });

    it('settles a matching unknown row within the scope (the control for the orphans below)', async () => {
      await row('unknown', T0 - MINUTE);
      expect((await ledger.recordStatusCallback(callback({ requestId: 'ATQid_nowhere' }), T0, scope)).kind).toBe('updated');
    });

    it("settles nothing by value without a scope (a serve with no username: the callback may be the sandbox's or live's), and keeps the orphan unscoped", async () => {
      const unknown = await row('unknown', T0 - MINUTE);
      expect((await ledger.recordStatusCallback(callback({ requestId: 'ATQid_nowhere' }), T0)).kind).toBe('orphan');
      expect(await ledger.get(unknown.id)).toEqual(unknown);
      const kept = await store.sql("SELECT account, environment FROM events WHERE kind = 'orphan-callback'");
      expect(kept).toEqual([{ account: null, environment: null }]);
    });

    it('keeps an orphan with the account and environment it arrived for', async () => {
      expect((await ledger.recordStatusCallback(callback({ requestId: 'ATQid_nowhere' }), T0, scope)).kind).toBe('orphan');
      const kept = await store.sql("SELECT account, environment FROM events WHERE kind = 'orphan-callback'");
      expect(kept).toEqual([scope]);
    });

    it.each([
      ['too old', () => row('unknown', T0 - UNKNOWN_MATCH_MAX_AGE_MS - 1), {}],
      ['an unknown row that has a requestId', () => row('unknown', T0 - MINUTE, { requestId: 'ATQid_other' }), {}],
      ['another account', () => row('unknown', T0 - MINUTE, { account: 'acme', environment: 'live' }), {}],
      ['a sent row', () => row('sent', T0 - MINUTE, { requestId: null }), {}],
      ['another value', () => row('unknown', T0 - MINUTE, { amountMinor: 5001 }), {}],
      ['a callback without a value', () => row('unknown', T0 - MINUTE), { value: null }],
      ['a callback without a number', () => row('unknown', T0 - MINUTE), { phoneNumber: null }],
      ['a word that is not final', () => row('unknown', T0 - MINUTE), { status: 'Queued' }],
      [
        'an unknown row while a send of the same value waits for its answer (the callback may be its)',
        async () => {
          const unknown = await row('unknown', T0 - 10 * MINUTE);
          await row('pending', T0 - MINUTE);
          return unknown;
        },
        {},
      ],
    ] as const)('keeps a callback as an orphan event rather than settle %s', async (_name, make, extra) => {
      const made = await make();
      const payload = { requestId: 'ATQid_nowhere', status: 'Success' };
      expect((await ledger.recordStatusCallback(callback({ requestId: 'ATQid_nowhere', payload, ...extra }), T0, scope)).kind).toBe(
        'orphan',
      );
      expect(await ledger.get(made.id)).toEqual(made);
      const orphans = await orphanEvents();
      expect(orphans.map((e) => e.kind)).toEqual(['orphan-callback']);
      expect(JSON.parse(orphans[0]?.payload ?? '{}')).toEqual(payload);
    });
  });

  describe('claimValidation', () => {
    const maxAgeMs = 10 * MINUTE;
    const claim = (overrides: Partial<ValidationClaim> = {}): ValidationClaim => ({
      transactionId: 'T1',
      phoneNumber: '+254712345678',
      currency: 'KES',
      amountMinor: 5000,
      ...overrides,
    });

    it('validates a pending or sent row once, for one transactionId, and answers that transactionId the same again', async () => {
      const sent = await row('sent', T0);
      const first = await ledger.claimValidation(claim(), T0 + MINUTE, { maxAgeMs });
      expect(first).toMatchObject({ validated: true, repeated: false, row: { id: sent.id } });
      expect((await ledger.get(sent.id))?.validatedTransactionId).toBe('T1');
      expect((await ledger.events(sent.id)).at(-1)?.kind).toBe('validation');
      expect(await ledger.claimValidation(claim(), T0 + 2 * MINUTE, { maxAgeMs })).toMatchObject({ validated: true, repeated: true });
      const second = await ledger.claimValidation(claim({ transactionId: 'T2' }), T0 + 2 * MINUTE, { maxAgeMs });
      expect(second).toEqual({
        validated: false,
        reason: `the matching transaction (key ${sent.idempotencyKey}) already approved another transactionId`,
      });
      // The same transactionId for another send is not the same question.
      expect(await ledger.claimValidation(claim({ amountMinor: 6000 }), T0 + 2 * MINUTE, { maxAgeMs })).toMatchObject({
        validated: false,
        reason: expect.stringContaining('was validated for another send'),
      });
    });

    it('approves two sends of the same value one transactionId each, oldest first', async () => {
      const a = await row('pending', T0);
      const b = await row('sent', T0 + 1000);
      expect(await ledger.claimValidation(claim({ transactionId: 'T1' }), T0 + 2000, { maxAgeMs })).toMatchObject({ row: { id: a.id } });
      expect(await ledger.claimValidation(claim({ transactionId: 'T2' }), T0 + 2000, { maxAgeMs })).toMatchObject({ row: { id: b.id } });
      expect((await ledger.claimValidation(claim({ transactionId: 'T3' }), T0 + 2000, { maxAgeMs })).validated).toBe(false);
    });

    it.each([
      ['too old', () => row('sent', T0 - 10 * MINUTE), {}, 'is 600 s old, over serve.validationMaxAge (600 s)'],
      ['failed', () => row('failed', T0), {}, 'is failed, not pending or sent'],
      ['unknown', () => row('unknown', T0), {}, 'is unknown, not pending or sent'],
      ['another amount', () => row('sent', T0), { amountMinor: 5001 }, 'no transaction of this ledger sends KES 50.01 to +254712345678'],
      [
        'another number',
        () => row('sent', T0),
        { phoneNumber: '+254712345679' },
        'no transaction of this ledger sends KES 50.00 to +254712345679',
      ],
      [
        'another currency',
        () => row('sent', T0, { phoneNumber: '+256701234567', country: 'UG', currency: 'UGX', amountMinor: 5000 }),
        { phoneNumber: '+256701234567', currency: 'TZS' },
        'no transaction',
      ],
    ] as const)('refuses a row that is %s, says why, and keeps the refusal', async (_name, make, extra, reason) => {
      await make();
      const decision = await ledger.claimValidation(claim(extra), T0, { maxAgeMs, payload: { transactionId: 'T1' } });
      expect(decision).toEqual({ validated: false, reason: expect.stringContaining(reason) });
      const [refusal] = await orphanEvents();
      expect(refusal?.kind).toBe('validation-refused');
      expect(JSON.parse(refusal?.payload ?? '{}')).toEqual({ reason: decision.reason, payload: { transactionId: 'T1' } });
    });

    it('counts the age from the latest first attempt, so a forced resend is young again', async () => {
      // Left unknown an hour ago, resent now with --force: its window starts again.
      const old = await row('unknown', T0 - 60 * MINUTE);
      expect(await ledger.takeOver(old.id, null, currentOwner(), T0, true)).toBe(true);
      await ledger.beginAttempt(old.id, currentOwner(), T0);
      expect((await ledger.claimValidation(claim(), T0 + MINUTE, { maxAgeMs })).validated).toBe(true);
    });

    it('looks only at the account and environment it serves', async () => {
      await row('sent', T0, { account: 'acme', environment: 'live' });
      expect(
        (await ledger.claimValidation(claim(), T0, { maxAgeMs, scope: { account: 'sandbox', environment: 'sandbox' } })).validated,
      ).toBe(false);
      expect((await ledger.claimValidation(claim(), T0, { maxAgeMs, scope: { account: 'acme', environment: 'live' } })).validated).toBe(
        true,
      );
    });

    it('cannot let two ledgers handles approve one row twice', async () => {
      // Two serve processes on one ledger: each claim is one atomic decision.
      const other = await store.open();
      try {
        await row('sent', T0);
        const decisions = [
          await ledger.claimValidation(claim({ transactionId: 'A' }), T0, { maxAgeMs }),
          await other.claimValidation(claim({ transactionId: 'B' }), T0, { maxAgeMs }),
          await other.claimValidation(claim({ transactionId: 'A' }), T0, { maxAgeMs }),
        ];
        expect(decisions.map((d) => d.validated)).toEqual([true, false, true]);
      } finally {
        await other.close();
      }
    });
  });
});
