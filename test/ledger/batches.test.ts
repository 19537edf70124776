// The temporary tables a bulk re-run plans with, past the 1,000 rows they write at a time.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RunPlanner, RunRows } from '../../src/ledger/batches.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { currentOwner } from '../../src/ledger/owner.js';

const scope = { account: 'sandbox', environment: 'sandbox' } as const;

it('plans and lists thousands of rows: the recorded ones are not sent again, the others are', () => {
  const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), 'batches-')), 'ledger.db'));
  const recorded = 1500;
  ledger.claimMany(
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
  const planner = new RunPlanner(ledger, scope, 0);
  const runRows = new RunRows(ledger);
  for (let i = 0; i < 2500; i += 1) {
    planner.add({ row: i + 1, key: `k${i}`, phoneNumber: `+2547123${String(i).padStart(5, '0')}`, currency: 'KES', amountMinor: 1000 });
    runRows.add(i + 1, `k${i}`);
  }
  const plan = planner.finish();
  expect(plan.unsent).toEqual(new Map([['KES', 1000 * 1000]]));
  expect(plan.repeatCount).toBe(0); // every recorded payment is one of the file's own keys
  const listed = [...runRows.transactions(scope)];
  expect(listed).toHaveLength(recorded);
  expect(listed.map((r) => r.row)).toEqual(Array.from({ length: recorded }, (_, i) => i + 1));
  expect(listed[1499]?.transaction.idempotencyKey).toBe('k1499');
  ledger.close();
});
