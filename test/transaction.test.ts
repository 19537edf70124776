// The send engine's decisions about keys an earlier run or an earlier attempt may have paid, with a
// real ledger file, a fake clock and a scripted client.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SendAnswer } from '../src/at/client.js';
import { AirtimeError } from '../src/core/errors.js';
import { parseRecipient } from '../src/core/recipient.js';
import { Ledger } from '../src/ledger/ledger.js';
import { currentOwner } from '../src/ledger/owner.js';
import { sendTransaction, type TransactionDeps } from '../src/transaction.js';

const recipient = parseRecipient({ phone: '+254712345678', amount: '50' });
const timeout: SendAnswer = { kind: 'transient', reached: true, reason: 'no answer within 1 s' };
const refused: SendAnswer = { kind: 'transient', reached: false, reason: 'connection failed (ECONNREFUSED)' };
const accepted: SendAnswer = { kind: 'accepted', requestId: 'ATQid_1', status: 'Sent', amount: 'KES 50.0000', discount: null, errorMessage: null, httpStatus: 201 };

function setup(answers: SendAnswer[], overrides: Partial<TransactionDeps> = {}) {
  const ledger = Ledger.open(join(mkdtempSync(join(tmpdir(), 'engine-')), 'ledger.db'));
  const clock = {
    time: 1_800_000_000_000,
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.time += ms;
    },
    random: () => 0.5,
  };
  const sent: string[] = [];
  const deps: TransactionDeps = {
    client: {
      environment: 'sandbox',
      send: async (request) => {
        sent.push(request.idempotencyKey);
        return answers.shift() ?? accepted;
      },
    },
    store: ledger,
    account: 'sandbox',
    policy: { retries: 3, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 300_000, timeoutMs: 30_000 },
    clock,
    owner: currentOwner(),
    liveness: () => 'dead',
    origin: { osUser: 'u', host: 'h' },
    ...overrides,
  };
  return { ledger, clock, sent, deps };
}

describe('a key an earlier run may have paid', () => {
  it('stays unknown when the resend cannot reach Africa\'s Talking, never failed', async () => {
    const { clock, sent, deps } = setup([timeout, timeout, timeout, timeout]);
    const first = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(first.state).toBe('unknown');
    clock.time += 10_000; // a re-run, inside the window
    deps.client = { environment: 'sandbox', send: async (request) => (sent.push(request.idempotencyKey), refused) };
    const again = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(again).toMatchObject({ state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' }, exitCode: 5 });
  });

  it('stays unknown when the resend is refused by something other than Africa\'s Talking', async () => {
    const { clock, deps } = setup([timeout, timeout, timeout, timeout]);
    await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    clock.time += 10_000;
    const gateway: SendAnswer = { kind: 'rejected', reason: 'other', errorMessage: '<html>403 Forbidden</html>', httpStatus: 403 };
    deps.client = { environment: 'sandbox', send: async () => gateway };
    expect((await sendTransaction({ recipient, idempotencyKey: 'k' }, deps)).state).toBe('unknown');
  });

  it('is failed when Africa\'s Talking itself rejects the resend (it would have said "duplicate" had the first arrived)', async () => {
    const { clock, deps } = setup([timeout, timeout, timeout, timeout]);
    await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    clock.time += 10_000;
    const rejection: SendAnswer = { kind: 'rejected', reason: 'balance', errorMessage: 'Insufficient Credit', httpStatus: 201 };
    deps.client = { environment: 'sandbox', send: async () => rejection };
    expect((await sendTransaction({ recipient, idempotencyKey: 'k' }, deps))).toMatchObject({ state: 'failed', error: { code: 'INSUFFICIENT_BALANCE' } });
  });
});

describe('the duplicate window', () => {
  it('is checked after a rate-limit wait, so a long wait never lets a resend leave late', async () => {
    let waits = 0;
    const { sent, clock, deps, ledger } = setup([timeout]);
    deps.beforeRequest = async () => {
      waits += 1;
      if (waits === 2) clock.time += 400_000; // the whole batch paused by a 429 with a long Retry-After
    };
    const result = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(sent).toEqual(['k']); // the retry was not sent
    expect(result).toMatchObject({ state: 'unknown', exitCode: 5, attempts: 1 }); // one request left, as the ledger says
    expect(ledger.byKey('sandbox', 'sandbox', 'k')?.attempts).toBe(1);
  });
});

describe('a ledger that fails after the answer', () => {
  it('says what Africa\'s Talking answered, and the key, instead of "nothing was sent"', async () => {
    const { ledger, deps } = setup([accepted]);
    deps.store = {
      claimMany: (...args) => ledger.claimMany(...args),
      beginAttempt: (...args) => ledger.beginAttempt(...args),
      takeOver: (...args) => ledger.takeOver(...args),
      get: (id) => ledger.get(id),
      settle: () => {
        throw new AirtimeError('LEDGER_ERROR', 'the ledger /x/ledger.db cannot be used: the disk is full');
      },
    };
    const error = await sendTransaction({ recipient, idempotencyKey: 'order-9' }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirtimeError);
    expect((error as AirtimeError).message).toContain("Africa's Talking answered (sent, requestId ATQid_1)");
    expect((error as AirtimeError).hint).toContain('--key order-9');
    expect((error as AirtimeError).details).toMatchObject({ idempotencyKey: 'order-9', requestId: 'ATQid_1', state: 'sent' });
  });
});
