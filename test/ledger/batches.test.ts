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
