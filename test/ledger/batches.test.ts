// The temporary tables a bulk re-run plans with, past the 1,000 rows they write at a time.
import { expect, it } from 'vitest';
import { currentOwner } from '../../src/ledger/owner.js';
import { describeStores } from './stores.js';

const scope = { account: 'sandbox', environment: 'sandbox' } as const;

describeStores('bulk runs', (store) => {
  it('plans and lists thousands of rows: the recorded ones are not sent again, the others are', async () => {
    const ledger = await store.open();
    const recorded = 1500;
    await ledger.claimMany(
      Array.from({ length: recorded }, (_, i) => ({
        ...scope,
        idempotencyKey: `k${i}`,
        phoneNumber: `+2547123${String(i).padStart(5, '0')}`,
        country: 'KE',
        currency: 'KES',
        amountMinor: 1000,
        owner: currentOwner(),
        osUser: 'u',
        host: 'h',
      })),
      1000,
      {},
    );
    const planner = ledger.runPlanner(scope, 0);
    const runRows = ledger.runRows();
    for (let i = 0; i < 2500; i += 1) {
      await planner.add({
        row: i + 1,
        key: `k${i}`,
        phoneNumber: `+2547123${String(i).padStart(5, '0')}`,
        currency: 'KES',
        amountMinor: 1000,
      });
      await runRows.add(i + 1, `k${i}`);
    }
    const plan = await planner.finish();
    expect(plan.unsent).toEqual(new Map([['KES', 1000 * 1000]]));
    expect(plan.repeatCount).toBe(0); // every recorded payment is one of the file's own keys
    const listed = [];
    for await (const row of runRows.transactions(scope)) listed.push(row);
    expect(listed).toHaveLength(recorded);
    expect(listed.map((r) => r.row)).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
    expect(listed[1499]?.transaction.idempotencyKey).toBe('k1499');
    await ledger.close();
  });
});

describeStores('recent payments a new file would repeat', (store) => {
  it('answers many payments in one call, in the order asked: the latest accepted or possibly accepted match of the scope', async () => {
    const ledger = await store.open();
    const now = Date.UTC(2026, 10, 30, 12);
    const payment = (phone: string, amountMinor = 1000) => ({ phoneNumber: phone, currency: 'KES', amountMinor });
    const row = (key: string, phone: string, at: number, extra: Record<string, unknown> = {}) =>
      ledger.claimMany(
        [{ ...scope, idempotencyKey: key, ...payment(phone), country: 'KE', owner: currentOwner(), osUser: 'u', host: 'h', ...extra }],
        at,
        {},
      );
    await row('old', '+254712300001', now - 10 * 60_000);
    await row('new', '+254712300001', now - 60_000);
    await row('before-since', '+254712300002', now - 3 * 3_600_000);
    await row('other-account', '+254712300003', now - 60_000, { account: 'acme' });
    const [failed] = await row('failed', '+254712300004', now - 60_000);
    if (failed?.kind === 'created') {
      await ledger.settleMany([
        {
          id: failed.row.id,
          now,
          settlement: {
            state: 'failed',
            atStatus: 'Failed',
            requestId: null,
            discountCurrency: null,
            discountUnits4: null,
            errorCode: 'REJECTED',
            errorMessage: 'no',
            exitCode: 1,
          },
        },
      ]);
    }
    const asked = [
      payment('+254712300004'), // failed: paid nothing
      payment('+254712300001'),
      payment('+254712300001', 1001), // another amount
      payment('+254712300002'), // before `since`
      payment('+254712300003'), // another account's
      payment('+254712300001'),
    ];
    const found = await ledger.recentPayments(scope, asked, now - 3_600_000);
    expect(found.map((match) => match?.idempotencyKey)).toEqual([undefined, 'new', undefined, undefined, undefined, 'new']);
    expect(await ledger.recentPayments(scope, [], now)).toEqual([]);
    // More than one statement's worth, in order.
    const many = Array.from({ length: 1200 }, (_, i) => payment(i % 2 === 0 ? '+254712300001' : '+254712399999'));
    const answers = await ledger.recentPayments(scope, many, now - 3_600_000);
    expect(answers.map((match) => match?.idempotencyKey ?? null)).toEqual(many.map((_, i) => (i % 2 === 0 ? 'new' : null)));
    await ledger.close();
  });
});
