// The bulk send's batching store: settlements that arrive together are written in one commit, and
// a failed write says what a failed single-send record says.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchingStore } from '../../src/bulk/store.js';
import { AirtimeError } from '../../src/core/errors.js';
import { Ledger, type Settlement } from '../../src/ledger/ledger.js';
import { currentOwner } from '../../src/ledger/owner.js';

const SENT: Settlement = {
  state: 'sent',
  atStatus: 'Sent',
  requestId: 'ATQid_1',
  discountCurrency: null,
  discountUnits4: null,
  errorCode: null,
  errorMessage: null,
  exitCode: 0,
};

function claimed(ledger: Ledger, key: string): number {
  const claim = ledger.claim(
    {
      account: 'sandbox',
      environment: 'sandbox',
      idempotencyKey: key,
      phoneNumber: '+254712345678',
      country: 'KE',
      currency: 'KES',
      amountMinor: 5000,
      owner: currentOwner(),
      osUser: 'u',
      host: 'h',
    },
    1,
  );
  if (claim.kind !== 'created') throw new Error('expected a new row');
  return claim.row.id;
}

describe('BatchingStore', () => {
  it('writes settlements of one turn together, before anything reads the ledger', () => {
    const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), 'store-')), 'ledger.db'));
    const store = new BatchingStore(ledger);
    const a = claimed(ledger, 'a');
    const b = claimed(ledger, 'b');
    store.settle(a, SENT, 2);
    store.settle(b, { ...SENT, requestId: 'ATQid_2' }, 2);
    expect(ledger.get(a)?.state).toBe('pending'); // waiting for the end of the turn
    expect(store.get(b)?.state).toBe('sent'); // a read through the store flushes first
    expect(ledger.get(a)?.state).toBe('sent');
    ledger.close();
  });

  it("says Africa's Talking answered when the answers cannot be recorded, and how to go on safely", () => {
    // A ledger whose write fails the way a full disk makes it fail.
    const full = {
      settleMany: () => {
        throw new AirtimeError('LEDGER_ERROR', 'the disk is full (/books/ledger.db)');
      },
    } as unknown as Ledger;
    const store = new BatchingStore(full);
    store.settle(1, SENT, 2);
    let raised: unknown;
    try {
      store.flush();
    } catch (error) {
      raised = error;
    }
    expect(raised).toBeInstanceOf(AirtimeError);
    expect(raised).toMatchObject({
      code: 'LEDGER_ERROR',
      message: "Africa's Talking answered 1 row(s), but the answers could not be recorded: the disk is full (/books/ledger.db)",
    });
    expect((raised as AirtimeError).hint).toContain('cannot pay twice');
  });
});
