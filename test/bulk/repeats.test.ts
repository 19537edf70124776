// The first pass's REPEAT_PAYMENT check: rows looked up a few hundred at a time, in file order,
// every repeat counted and the first 50 listed.
import { expect, it } from 'vitest';
import type { ValidRow } from '../../src/bulk/check.js';
import { LOOKUP_ROWS, RecentPaymentScan } from '../../src/bulk/repeats.js';
import { marketByCurrency } from '../../src/core/countries.js';
import type { StoredTransaction } from '../../src/ledger/records.js';
import type { Ledger } from '../../src/ledger/store.js';

const KES = marketByCurrency('KES');

function validRow(row: number): ValidRow {
  const phoneNumber = `+2547123${String(row).padStart(5, '0')}`;
  return {
    row,
    line: row + 1,
    key: null,
    reference: null,
    occurrence: 1,
    recipient: { phoneNumber, amountMinor: 1000, market: KES },
  } as ValidRow;
}

it('looks rows up in groups, in order, and counts every repeat while listing the first 50', async () => {
  const calls: number[] = [];
  const ledger: Pick<Ledger, 'recentPayments'> = {
    recentPayments: async (_scope, payments) => {
      calls.push(payments.length);
      // Every seventh row's number was paid before.
      return payments.map((p) =>
        Number(p.phoneNumber.slice(-5)) % 7 === 0
          ? ({ idempotencyKey: `paid-${p.phoneNumber}`, ...p, batchId: null, createdAt: 1 } as StoredTransaction)
          : undefined,
      );
    },
  };
  const scan = new RecentPaymentScan(ledger, { account: 'sandbox', environment: 'sandbox' }, 0);
  const rows = LOOKUP_ROWS * 2 + 234;
  for (let row = 1; row <= rows; row += 1) await scan.add(validRow(row));
  expect(calls).toEqual([LOOKUP_ROWS, LOOKUP_ROWS]);
  await scan.flush();
  expect(calls).toEqual([LOOKUP_ROWS, LOOKUP_ROWS, 234]);
  expect(scan.count).toBe(Math.floor(rows / 7));
  expect(scan.listed).toHaveLength(50);
  expect(scan.listed.map((match) => match.row)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) * 7));
  expect(scan.listed[0]).toMatchObject({ row: 7, matchedKey: 'paid-+254712300007', currency: 'KES' });
  await scan.flush(); // nothing waiting: no call
  expect(calls).toHaveLength(3);
});
