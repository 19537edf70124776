// The store contract: what every ledger store promises, whichever keeps the ledger. Run once per
// store from this one text (test/ledger/stores.ts): SQLite always, PostgreSQL where the suite has a
// server. SQLite-only matters (its file, pragmas and migrations) are in sqlite.test.ts, PostgreSQL's
// own (leases, its clock, many hosts at once) in postgres.test.ts.
import { beforeEach, expect, it } from 'vitest';
import { repeatGuard } from '../../src/core/repeat.js';
import { currentOwner, type Owner } from '../../src/ledger/owner.js';
import type { ClaimOutcome } from '../../src/ledger/records.js';
import type { Ledger } from '../../src/ledger/store.js';
import { claim, settle } from '../helpers/ledger.js';
import { describeStores, type StoreUnderTest, tx } from './stores.js';

const me = currentOwner();
const other: Owner = { ...me, pid: 999_999, startTicks: 1 };

const failedSettlement = {
  state: 'failed' as const,
  atStatus: 'Failed',
  requestId: null,
  discountCurrency: null,
  discountUnits4: null,
  errorCode: 'REJECTED' as const,
  errorMessage: 'no',
  exitCode: 1,
};

/** The row of a claim that must have created one. */
function created(outcome: ClaimOutcome) {
  if (outcome.kind !== 'created') throw new Error(`expected a new row, got ${outcome.kind}`);
  return outcome;
}

/** On a shared ledger, every lease runs out now, as when its holder has been gone long enough. */
async function expireLeases(store: StoreUnderTest): Promise<void> {
  if (store.kind === 'postgres') await store.sql("UPDATE transactions SET lease_expires_at = 0 WHERE state = 'pending'");
}

describeStores('the ledger', (store) => {
  let ledger: Ledger;
  beforeEach(async () => {
    ledger = await store.open();
    return () => ledger.close();
  });

  it('answers its schema version, the one this airtime writes, and that this process can write it', async () => {
    expect(await ledger.schemaVersion()).toEqual({ version: expect.any(Number), latest: expect.any(Number) });
    const { version, latest } = await ledger.schemaVersion();
    expect(version).toBe(latest);
    expect(await ledger.writeProblem()).toBeNull();
    const { inspectLedger } = await import('../../src/ledger/open.js');
    expect(await inspectLedger(store.location)).toMatchObject({ kind: store.kind, exists: true, version, latest, problem: null });
  });

  it('claims a key once: the second claim finds the first row', async () => {
    const first = await claim(ledger, tx(), 1000);
    expect(first.kind).toBe('created');
    const second = await claim(ledger, tx({ amountMinor: 9999 }), 2000);
    expect(second.kind).toBe('existing');
    if (second.kind === 'existing') expect(second.row).toMatchObject({ amountMinor: 5000, state: 'pending', createdAt: 1000 });
    // Scoped to account and environment.
    expect((await claim(ledger, tx({ environment: 'live' }), 3000)).kind).toBe('created');
    expect((await claim(ledger, tx({ account: 'other-app' }), 3000)).kind).toBe('created');
  });

  it('refuses a guarded claim repeating a recent payment, inside its write transaction, and leaves no row', async () => {
    const guard = repeatGuard(15 * 60_000);
    const now = Date.UTC(2026, 10, 30, 12);
    const first = created(await claim(ledger, tx({ idempotencyKey: 'a', repeatGuard: guard }), now));
    // A second handle, as a second process: it sees the first's row (under the write lock, or the cap's advisory lock).
    const second = await store.open();
    const repeat = await claim(second, tx({ idempotencyKey: 'b', repeatGuard: guard }), now + 1000);
    expect(repeat).toMatchObject({ kind: 'repeat', match: { id: first.row.id, idempotencyKey: 'a', state: 'pending' } });
    expect(await second.byKey('sandbox', 'sandbox', 'b')).toBeUndefined();
    // Unguarded (an explicit key), another amount, another account or environment: no repeat.
    expect((await claim(second, tx({ idempotencyKey: 'c' }), now + 2000)).kind).toBe('created');
    expect((await claim(second, tx({ idempotencyKey: 'd', amountMinor: 5001, repeatGuard: guard }), now)).kind).toBe('created');
    expect((await claim(second, tx({ idempotencyKey: 'e', account: 'acme', environment: 'live', repeatGuard: guard }), now)).kind).toBe(
      'created',
    );
    // A failed one is no repeat; an accepted one is, until repeatWindow has passed.
    for (const key of ['a', 'c']) await settle(second, (await second.byKey('sandbox', 'sandbox', key))!.id, failedSettlement, now);
    expect(await second.findRepeat(tx(), guard, now + 3000)).toBeUndefined();
    await settle(
      second,
      (await second.byKey('sandbox', 'sandbox', 'd'))!.id,
      { ...failedSettlement, state: 'sent', errorCode: null, exitCode: 0 },
      now,
    );
    expect((await second.findRepeat(tx({ amountMinor: 5001 }), guard, now + 14 * 60_000))?.idempotencyKey).toBe('d');
    expect(await second.findRepeat(tx({ amountMinor: 5001 }), guard, now + 16 * 60_000)).toBeUndefined();
    await second.close();
  });

  it('claims a group in one go, and decides each row as alone when the group meets a refusal', async () => {
    const now = Date.UTC(2026, 10, 30, 12);
    const row = (i: number, extra: Partial<Parameters<typeof tx>[0]> = {}) =>
      tx({ idempotencyKey: `g${i}`, phoneNumber: `+2547123400${10 + i}`, batchId: 'b1', rowNumber: i, ...extra });
    // An earlier payment outside the batch, and a key this batch already holds.
    await claim(ledger, tx({ idempotencyKey: 'single', phoneNumber: '+254712340013' }), now - 60_000);
    await claim(ledger, row(1), now - 30_000);
    const guard = { since: now - 86_400_000 };
    const outcomes = await ledger.claimMany(
      [0, 1, 2, 3, 4].map((i) => row(i, { batchGuard: guard })),
      now,
      { KES: 5000 * 5 }, // 'single' and g1 hold 10,000 already: room for three more
    );
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'existing', 'created', 'repeat', 'created']);
    const repeat = outcomes[3];
    if (repeat?.kind === 'repeat') expect(repeat.match.idempotencyKey).toBe('single');
    // One more row is over the cap; the group without refusals goes in whole.
    expect((await ledger.claimMany([row(5, { batchGuard: guard })], now, { KES: 25_000 }))[0]?.kind).toBe('over-cap');
    const clean = await ledger.claimMany(
      [6, 7, 8].map((i) => row(i, { batchGuard: guard })),
      now,
    );
    expect(clean.map((o) => o.kind)).toEqual(['created', 'created', 'created']);
    // A group the cap fits only in part: the rows that fit get in, in order, and the rest are refused.
    const capped = await ledger.claimMany(
      [9, 10, 11].map((i) => row(i, { currency: 'UGX', amountMinor: 40_000 })),
      now,
      { UGX: 100_000 },
    );
    expect(capped.map((o) => o.kind)).toEqual(['created', 'created', 'over-cap']);
    expect(capped[2]).toEqual({ kind: 'over-cap', spentMinor: 120_000, capMinor: 100_000 });
    expect(await ledger.byKeys('sandbox', 'sandbox', ['g0', 'g3', 'g6', 'nope'])).toEqual(
      new Map([
        ['g0', expect.objectContaining({ idempotencyKey: 'g0', state: 'pending' })],
        ['g6', expect.objectContaining({ idempotencyKey: 'g6' })],
      ]),
    );
  });

  it('refuses a claim over the daily cap and leaves no row', async () => {
    expect((await claim(ledger, tx({ idempotencyKey: 'a' }), 1000, { KES: 10_000 })).kind).toBe('created');
    const refused = await claim(ledger, tx({ idempotencyKey: 'b', amountMinor: 6000 }), 2000, { KES: 10_000 });
    expect(refused).toEqual({ kind: 'over-cap', spentMinor: 11_000, capMinor: 10_000 });
    expect(await ledger.lookup('b')).toEqual([]);
    // Failed sends do not count; sends older than 24 hours do not count.
    const a = (await ledger.lookup('a'))[0];
    if (!a) throw new Error('missing');
    await settle(
      ledger,
      a.id,
      {
        state: 'failed',
        atStatus: 'Failed',
        requestId: null,
        discountCurrency: null,
        discountUnits4: null,
        errorCode: 'REJECTED',
        errorMessage: 'x',
        exitCode: 1,
      },
      3000,
    );
    expect((await claim(ledger, tx({ idempotencyKey: 'c', amountMinor: 10_000 }), 4000, { KES: 10_000 })).kind).toBe('created');
    expect((await claim(ledger, tx({ idempotencyKey: 'd', amountMinor: 10_000 }), 4000 + 86_400_000, { KES: 10_000 })).kind).toBe(
      'created',
    );
  });

  it('keeps the daily totals equal to a plain sum over the transactions, whatever happens to them', async () => {
    // A seeded walk: claims at random moments over two days, settled, failed and revived at random.
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const base = 1_800_000_000_000;
    const ids: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const at = base + Math.floor(random() * 2 * 86_400_000);
      const { row } = created(
        await claim(
          ledger,
          tx({ idempotencyKey: `k${i}`, amountMinor: 100 + Math.floor(random() * 900), currency: random() < 0.2 ? 'UGX' : 'KES' }),
          at,
        ),
      );
      ids.push(row.id);
      const fate = random();
      const settleAs = (state: 'sent' | 'failed' | 'unknown') =>
        settle(
          ledger,
          row.id,
          {
            state,
            atStatus: null,
            requestId: `R${i}`,
            discountCurrency: null,
            discountUnits4: null,
            errorCode: null,
            errorMessage: null,
            exitCode: 0,
          },
          at,
        );
      if (fate < 0.5) await settleAs('sent');
      else if (fate < 0.75) await settleAs('failed');
      else if (fate < 0.85) await settleAs('unknown');
      if (fate >= 0.6 && fate < 0.75)
        await ledger.recordDelivery(row.id, { status: 'Success', description: null, requestId: null, source: 'test', payload: {} }, at);
      if (fate < 0.1)
        await ledger.recordDelivery(row.id, { status: 'Failed', description: 'x', requestId: null, source: 'test', payload: {} }, at);
    }
    const plain = async (currency: string, since: number) =>
      Number(
        (
          await store.sql<{ total: number | string }>(
            "SELECT COALESCE(SUM(amount_minor), 0) AS total FROM transactions WHERE currency = ? AND created_at > ? AND state <> 'failed'",
            currency,
            since,
          )
        )[0]?.total,
      );
    for (let k = 0; k < 50; k += 1) {
      const since = base + Math.floor(random() * 2 * 86_400_000);
      for (const currency of ['KES', 'UGX']) {
        expect(await ledger.spentSince('sandbox', 'sandbox', currency, since)).toBe(await plain(currency, since));
      }
    }
  });

  it('counts attempts and keeps the first attempt time', async () => {
    const { row } = created(await claim(ledger, tx(), 1000));
    // The claim counts the first attempt: its request follows at once.
    expect(row).toMatchObject({ attempts: 1, firstAttemptAt: 1000, owner: me });
    expect(await ledger.beginAttempt(row.id, me, 2000)).toMatchObject({ attempts: 2, firstAttemptAt: 1000 });
  });

  it('lets only one process take over a stale row (compare-and-set on the owner seen)', async () => {
    // Another process claims the key, then dies (its lease, on a shared ledger, runs out).
    const gone = await store.open();
    const { row } = created(await claim(gone, tx({ owner: other }), 1000));
    await gone.close();
    await expireLeases(store);
    const seen = (await ledger.get(row.id))?.owner ?? null;
    expect(seen).toMatchObject(other);
    expect(await ledger.takeOver(row.id, seen, me, 2000)).toBe(true);
    const late = await store.open();
    expect(await late.takeOver(row.id, seen, { ...me, pid: 1 }, 2000)).toBe(false);
    await late.close();
    expect((await ledger.get(row.id))?.owner).toMatchObject(me);
  });

  it('settles, and records events', async () => {
    const { row } = created(await claim(ledger, tx(), 1000));
    await settle(
      ledger,
      row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'ATQid_1',
        discountCurrency: 'USD',
        discountUnits4: 4350,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      2000,
    );
    expect(await ledger.get(row.id)).toMatchObject({
      state: 'sent',
      requestId: 'ATQid_1',
      discountCurrency: 'USD',
      discountUnits4: 4350,
      owner: null,
      settledAt: 2000,
    });
    await settle(
      ledger,
      row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'ATQid_1',
        discountCurrency: 'USD',
        discountUnits4: 4350,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      2500,
      [{ kind: 'answer', payload: { raw: '{}' } }],
    );
    expect(await ledger.events(row.id)).toEqual([{ kind: 'answer', at: 2500, payload: '{"raw":"{}"}' }]);
    expect((await ledger.lookup('ATQid_1')).map((r) => r.id)).toEqual([row.id]);
  });

  it('never lets a later settlement undo an acceptance: a second sender\'s "duplicate" keeps the first one\'s answer', async () => {
    // Two processes can both hold the key only if one misjudged the other dead (a clock step moves
    // the boot time process start times are computed from); the accepted answer must survive.
    const { row } = created(await claim(ledger, tx(), 1000));
    await expireLeases(store);
    expect(await ledger.takeOver(row.id, (await ledger.get(row.id))?.owner ?? null, { ...me, pid: 1 }, 1500)).toBe(true);
    const sent = {
      state: 'sent',
      atStatus: 'Sent',
      requestId: 'ATQid_1',
      discountCurrency: 'KES',
      discountUnits4: 20000,
      errorCode: null,
      errorMessage: null,
      exitCode: 0,
    } as const;
    const unknown = {
      state: 'unknown',
      atStatus: null,
      requestId: null,
      discountCurrency: null,
      discountUnits4: null,
      errorCode: 'OUTCOME_UNKNOWN',
      errorMessage: 'duplicate',
      exitCode: 5,
    } as const;
    await settle(ledger, row.id, sent, 2000);
    await settle(ledger, row.id, unknown, 2100, [{ kind: 'answer', payload: { kind: 'duplicate' } }]);
    expect(await ledger.get(row.id)).toMatchObject({ state: 'sent', requestId: 'ATQid_1', errorMessage: null, settledAt: 2000 });
    expect(await ledger.events(row.id)).toEqual([{ kind: 'answer', at: 2100, payload: '{"kind":"duplicate"}' }]);
    // The other order: the unknown first, then the acceptance, which settles it.
    const second = created(await claim(ledger, tx({ idempotencyKey: 'k2' }), 3000)).row;
    await settle(ledger, second.id, unknown, 3100);
    await settle(ledger, second.id, { ...sent, requestId: 'ATQid_2' }, 3200);
    expect(await ledger.get(second.id)).toMatchObject({ state: 'sent', requestId: 'ATQid_2' });
  });

  it('applies delivery results by its rule: Success wins, repeats change nothing', async () => {
    const { row } = created(await claim(ledger, tx(), 1000));
    await settle(
      ledger,
      row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'R',
        discountCurrency: null,
        discountUnits4: null,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      1000,
    );
    const delivery = (status: string) => ({ status, description: `d-${status}`, requestId: 'R', source: 'callback', payload: { status } });
    expect(await ledger.recordDelivery(row.id, delivery('Failed'), 2000)).toMatchObject({
      changed: true,
      row: { state: 'failed', errorMessage: 'd-Failed' },
    });
    expect((await ledger.recordDelivery(row.id, delivery('Failed'), 2500)).changed).toBe(false);
    expect(await ledger.recordDelivery(row.id, delivery('Success'), 3000)).toMatchObject({
      changed: true,
      row: { state: 'delivered', errorMessage: null },
    });
    expect(await ledger.recordDelivery(row.id, delivery('Failed'), 4000)).toMatchObject({ changed: false, row: { state: 'delivered' } });
    expect((await ledger.recordDelivery(row.id, delivery('Queued'), 5000)).changed).toBe(false);
    expect((await ledger.events(row.id)).map((e) => e.kind)).toEqual(['delivery', 'delivery', 'delivery-ignored']);
  });

  it("applies a status callback that arrived before the send's own answer once the send settles", async () => {
    const { row } = created(await claim(ledger, tx(), 1000));
    // serve found no row with this requestId yet, and kept the callback as an orphan.
    await ledger.recordEvent(
      null,
      'orphan-callback',
      { requestId: 'ATQid_early', status: 'Success', description: 'Airtime Delivered Successfully' },
      1500,
    );
    await ledger.recordEvent(null, 'orphan-callback', { requestId: 'ATQid_other', status: 'Failed' }, 1500);
    await settle(
      ledger,
      row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'ATQid_early',
        discountCurrency: null,
        discountUnits4: null,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      2000,
    );
    expect(await ledger.get(row.id)).toMatchObject({ state: 'delivered', atStatus: 'Success', requestId: 'ATQid_early' });
    expect((await ledger.events(row.id)).map((e) => e.kind)).toEqual(['orphan-callback', 'delivery']);
  });

  const SANDBOX = { account: 'sandbox', environment: 'sandbox' } as const;
  const LIVE = { account: 'acme', environment: 'live' } as const;
  const unknownSettlement = {
    state: 'unknown',
    atStatus: null,
    requestId: null,
    discountCurrency: null,
    discountUnits4: null,
    errorCode: 'OUTCOME_UNKNOWN',
    errorMessage: 'duplicate',
    exitCode: 5,
  } as const;

  it('settles a send that ends unknown with a callback that already came for its number and value', async () => {
    const { row } = created(await claim(ledger, tx({ amountMinor: 5000 }), 1000));
    await ledger.recordEvent(
      null,
      'orphan-callback',
      { requestId: 'ATQid_x', phoneNumber: '+254712345678', value: 'KES 60.0000', status: 'Success' },
      1200,
      SANDBOX,
    );
    await ledger.recordEvent(
      null,
      'orphan-callback',
      { requestId: 'ATQid_lost', phoneNumber: '+254712345678', value: 'KES 50.0000', status: 'Success' },
      1300,
      SANDBOX,
    );
    await settle(ledger, row.id, unknownSettlement, 2000);
    expect(await ledger.get(row.id)).toMatchObject({ state: 'delivered', requestId: 'ATQid_lost', exitCode: 0 });
  });

  it.each([
    ['kept for the sandbox, by a live send', SANDBOX, LIVE],
    ['kept for live, by a sandbox send', LIVE, SANDBOX],
    ['kept for another account of the same environment', { account: 'other-app', environment: 'live' } as const, LIVE],
    ['kept with no account or environment (a serve with no username, or an older airtime)', null, SANDBOX],
  ])('never adopts by number and value a callback %s', async (_name, kept, sender) => {
    const { row } = created(await claim(ledger, tx({ ...sender, amountMinor: 5000 }), 1000));
    const fields = { requestId: 'ATQid_elsewhere', phoneNumber: '+254712345678', value: 'KES 50.0000', status: 'Failed' };
    await ledger.recordEvent(null, 'orphan-callback', fields, 1300, kept);
    await settle(ledger, row.id, unknownSettlement, 2000);
    expect(await ledger.get(row.id)).toMatchObject({ state: 'unknown', requestId: null, exitCode: 5 });
    expect((await ledger.events(row.id)).map((e) => e.kind)).toEqual([]);
  });

  it('never adopts by requestId a callback kept for another environment', async () => {
    const { row } = created(await claim(ledger, tx(LIVE), 1000));
    await ledger.recordEvent(null, 'orphan-callback', { requestId: 'ATQid_same', status: 'Failed' }, 1500, SANDBOX);
    await settle(
      ledger,
      row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'ATQid_same',
        discountCurrency: null,
        discountUnits4: null,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      2000,
    );
    expect(await ledger.get(row.id)).toMatchObject({ state: 'sent' });
  });

  it('gives back an unsent claim of this owner, and its amount under the daily cap', async () => {
    const elsewhere = await store.open();
    const claimed = await claim(ledger, tx({ idempotencyKey: 'a' }), 1000);
    const other = await claim(elsewhere, tx({ idempotencyKey: 'b', owner: { ...me, pid: 1, host: 'elsewhere' } }), 1000);
    expect(await ledger.spentSince('sandbox', 'sandbox', 'KES', 0)).toBe(10_000);
    if (claimed.kind !== 'created' || other.kind !== 'created') throw new Error('claims');
    await ledger.release([claimed.row.id, other.row.id], me);
    expect(await ledger.get(claimed.row.id)).toBeUndefined();
    expect(await ledger.get(other.row.id)).toBeDefined(); // not ours to give back
    expect(await ledger.spentSince('sandbox', 'sandbox', 'KES', 0)).toBe(5000);
    await elsewhere.close();
  });

  it('changes nothing when the row was settled after it was read', async () => {
    const claimed = await claim(ledger, tx(), 1000);
    if (claimed.kind !== 'created') throw new Error('claim');
    // Read as pending by `airtime reconcile`; then the answer arrives and settles it.
    await settle(
      ledger,
      claimed.row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'R',
        discountCurrency: null,
        discountUnits4: null,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      2000,
    );
    await expect(
      ledger.reconcile(
        claimed.row.id,
        { state: 'failed', atStatus: null, requestId: null, errorCode: 'REJECTED', errorMessage: 'x', exitCode: 1 },
        'me@host',
        null,
        3000,
      ),
    ).rejects.toThrowError(/settled \(sent\) while reconcile was deciding/);
    expect((await ledger.get(claimed.row.id))?.state).toBe('sent');
  });
});
