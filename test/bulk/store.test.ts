// The bulk send's batching store: settlements that arrive together are written in one commit, and
// a failed write says what a failed single-send record says.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchingStore } from '../../src/bulk/store.js';
import { AirtimeError } from '../../src/core/errors.js';
import { currentOwner } from '../../src/ledger/owner.js';
import type { Settlement } from '../../src/ledger/records.js';
import { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import type { Ledger } from '../../src/ledger/store.js';
import { claim } from '../helpers/ledger.js';

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

async function claimed(ledger: Ledger, key: string): Promise<number> {
  const outcome = await claim(
    ledger,
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
  if (outcome.kind !== 'created') throw new Error('expected a new row');
  return outcome.row.id;
}

describe('BatchingStore', () => {
  it('writes settlements of one turn together, before anything reads the ledger', async () => {
    const ledger = SqliteLedger.open(join(mkdtempSync(join(tmpdir(), 'store-')), 'ledger.db'));
    const store = new BatchingStore(ledger);
    const a = await claimed(ledger, 'a');
    const b = await claimed(ledger, 'b');
    await store.settleMany([{ id: a, settlement: SENT, now: 2 }]);
    await store.settleMany([{ id: b, settlement: { ...SENT, requestId: 'ATQid_2' }, now: 2 }]);
    expect((await ledger.get(a))?.state).toBe('pending'); // waiting for the end of the turn
    expect((await store.get(b))?.state).toBe('sent'); // a read through the store flushes first
    expect((await ledger.get(a))?.state).toBe('sent');
    await ledger.close();
  });

  it('writes one batch at a time: answers that arrive during a write go in the next, and flush waits for both', async () => {
    const writes: number[][] = [];
    let release: () => void = () => undefined;
    const slow = {
      settleMany: async (items: readonly { id: number }[]) => {
        writes.push(items.map((item) => item.id));
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    } as unknown as Ledger;
    const store = new BatchingStore(slow);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await store.settleMany([{ id: 1, settlement: SENT, now: 2 }]);
    await turn();
    expect(writes).toEqual([[1]]); // written at the end of the turn
    for (const id of [2, 3, 4]) {
      await store.settleMany([{ id, settlement: SENT, now: 2 }]);
      await turn();
    }
    expect(writes).toEqual([[1]]); // the first write is still in flight
    let flushed = false;
    const flushing = store.flush().then(() => {
      flushed = true;
    });
    release();
    await turn();
    expect(writes).toEqual([[1], [2, 3, 4]]); // together, once the first has ended
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(flushed).toBe(true);
  });

  it('raises the failure of a write that was already in flight when the run flushes at its end', async () => {
    let fail: (error: Error) => void = () => undefined;
    const failing = {
      settleMany: () =>
        new Promise<void>((_, reject) => {
          fail = reject;
        }),
    } as unknown as Ledger;
    const store = new BatchingStore(failing);
    await store.settleMany([{ id: 1, settlement: SENT, now: 2 }]);
    await new Promise((resolve) => setImmediate(resolve)); // the write has left
    const flushing = store.flush().catch((error: unknown) => error);
    fail(new AirtimeError('LEDGER_ERROR', 'the connection was lost'));
    expect(await flushing).toMatchObject({ code: 'LEDGER_ERROR', message: expect.stringContaining('the connection was lost') });
  });

  it("says Africa's Talking answered when the answers cannot be recorded, and how to go on safely", async () => {
    // A ledger whose write fails the way a full disk makes it fail.
    const full = {
      settleMany: async () => {
        throw new AirtimeError('LEDGER_ERROR', 'the disk is full (/books/ledger.db)');
      },
    } as unknown as Ledger;
    const store = new BatchingStore(full);
    await store.settleMany([{ id: 1, settlement: SENT, now: 2 }]);
    const raised = await store.flush().catch((error: unknown) => error);
    expect(raised).toBeInstanceOf(AirtimeError);
    expect(raised).toMatchObject({
      code: 'LEDGER_ERROR',
      message: "Africa's Talking answered 1 row(s), but the answers could not be recorded: the disk is full (/books/ledger.db)",
    });
    expect((raised as AirtimeError).hint).toContain('cannot pay twice');
  });
});
