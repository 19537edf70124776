// The send engine's decisions about keys an earlier run or an earlier attempt may have paid, with a
// real ledger file, a fake clock and a scripted client.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SendAnswer } from '../src/at/client.js';
import { AirtimeError, errorJson } from '../src/core/errors.js';
import { parseRecipient } from '../src/core/recipient.js';
import { currentOwner } from '../src/ledger/owner.js';
import { SqliteLedger } from '../src/ledger/sqlite/ledger.js';
import { sendTransaction, type TransactionDeps } from '../src/transaction.js';
import { claim } from './helpers/ledger.js';

const recipient = parseRecipient({ phone: '+254712345678', amount: '50' });
const timeout: SendAnswer = { kind: 'transient', reached: true, reason: 'no answer within 1 s' };
const refused: SendAnswer = { kind: 'transient', reached: false, reason: 'connection failed (ECONNREFUSED)' };
const accepted: SendAnswer = {
  kind: 'accepted',
  requestId: 'ATQid_1',
  status: 'Sent',
  amount: 'KES 50.0000',
  discount: null,
  errorMessage: null,
  httpStatus: 201,
};

function setup(answers: SendAnswer[], overrides: Partial<TransactionDeps> = {}) {
  const ledger = SqliteLedger.open(join(mkdtempSync(join(tmpdir(), 'engine-')), 'ledger.db'));
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
  it("stays unknown when the resend cannot reach Africa's Talking, never failed", async () => {
    const { clock, sent, deps } = setup([timeout, timeout, timeout, timeout]);
    const first = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(first.state).toBe('unknown');
    clock.time += 10_000; // a re-run, inside the window
    deps.client = { environment: 'sandbox', send: async (request) => (sent.push(request.idempotencyKey), refused) };
    const again = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(again).toMatchObject({ state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' }, exitCode: 5 });
  });

  it("stays unknown when the resend is refused by something other than Africa's Talking", async () => {
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
    expect(await sendTransaction({ recipient, idempotencyKey: 'k' }, deps)).toMatchObject({
      state: 'failed',
      error: { code: 'INSUFFICIENT_BALANCE' },
    });
  });
});

describe('an attempt of this run that may have arrived', () => {
  it.each([
    ["a gateway's 403", { kind: 'rejected', reason: 'other', errorMessage: '<html>403 Forbidden</html>', httpStatus: 403 }],
    ['a 401', { kind: 'auth-failed', errorMessage: 'The supplied authentication is invalid', httpStatus: 401 }],
  ] as [string, SendAnswer][])(
    'keeps the send unknown when the retry gets %s: the first attempt may have been paid',
    async (_, refusal) => {
      const { ledger, sent, deps } = setup([timeout, refusal]);
      const result = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
      expect(sent).toEqual(['k', 'k']);
      expect(result).toMatchObject({ state: 'unknown', exitCode: 5, error: { code: 'OUTCOME_UNKNOWN' } });
      expect(result.errorMessage).toContain(refusal.kind === 'auth-failed' ? 'authentication' : '403');
      expect((await ledger.byKey('sandbox', 'sandbox', 'k'))?.state).toBe('unknown');
    },
  );

  it('is failed when the first attempt cannot have arrived (refused connection) and the retry is refused', async () => {
    const gateway: SendAnswer = { kind: 'rejected', reason: 'other', errorMessage: '<html>403 Forbidden</html>', httpStatus: 403 };
    const { deps } = setup([refused, gateway]);
    expect(await sendTransaction({ recipient, idempotencyKey: 'k' }, deps)).toMatchObject({ state: 'failed', exitCode: 1 });
  });
});

describe('a ledger that fails between attempts', () => {
  it('exits 5 with the key when an earlier attempt may have arrived, instead of a bare ledger error', async () => {
    const { ledger, sent, deps } = setup([timeout]);
    deps.store = {
      claimMany: (...args) => ledger.claimMany(...args),
      beginAttempt: async () => {
        throw new AirtimeError('LEDGER_ERROR', 'the ledger /x/ledger.db cannot be used: the disk is full');
      },
      takeOver: (...args) => ledger.takeOver(...args),
      get: (id) => ledger.get(id),
      settleMany: (...args) => ledger.settleMany(...args),
    };
    const error = await sendTransaction({ recipient, idempotencyKey: 'order-7' }, deps).catch((e: unknown) => e);
    expect(sent).toEqual(['order-7']); // the retry did not leave: it could not be recorded first
    expect(error).toBeInstanceOf(AirtimeError);
    expect(error).toMatchObject({ code: 'OUTCOME_UNKNOWN', exitCode: 5 });
    expect((error as AirtimeError).message).toContain('the disk is full');
    expect((error as AirtimeError).hint).toContain('--key order-7');
    expect(errorJson(error as AirtimeError)).toMatchObject({
      ok: false,
      error: { code: 'OUTCOME_UNKNOWN' },
      idempotencyKey: 'order-7',
      state: 'pending',
      attempts: 1,
    });
  });
});

describe('a row given back while this process waits for it', () => {
  it('is claimed again and sent once, not spun on (a bulk send stopped by Ctrl-C releases rows it never sent)', async () => {
    const { ledger, clock, sent, deps } = setup([]);
    const other = { ...currentOwner(), pid: 999_998, startTicks: 5 };
    const claimed = await claim(
      ledger,
      {
        account: 'sandbox',
        environment: 'sandbox',
        idempotencyKey: 'k',
        phoneNumber: recipient.phoneNumber,
        country: 'KE',
        currency: 'KES',
        amountMinor: 5000,
        owner: other,
        osUser: 'u',
        host: 'h',
      },
      clock.now(),
    );
    if (claimed.kind !== 'created') throw new Error('expected a new row');
    let released = false;
    deps.liveness = () => (released ? 'dead' : 'alive');
    const sleep = clock.sleep;
    clock.sleep = async (ms: number) => {
      if (!released) {
        await ledger.release([claimed.row.id], other); // the other process gives the row back and exits
        released = true;
      }
      await sleep(ms);
    };
    let checks = 0;
    const liveness = deps.liveness;
    deps.liveness = (owner) => {
      checks += 1;
      if (checks > 1000) throw new Error('spinning on a row that is gone');
      return liveness(owner);
    };
    const result = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(result).toMatchObject({ state: 'sent', exitCode: 0, replayed: false });
    expect(sent).toEqual(['k']);
    expect(await ledger.byKey('sandbox', 'sandbox', 'k')).toMatchObject({ state: 'sent', attempts: 1 });
  });
});

describe('a wall clock set back', () => {
  it('does not reopen the duplicate window for a key a crashed run sent', async () => {
    const { ledger, clock, sent, deps } = setup([]);
    const dead = { ...currentOwner(), pid: 999_999, startTicks: 1 };
    await claim(
      ledger,
      {
        account: 'sandbox',
        environment: 'sandbox',
        idempotencyKey: 'k',
        phoneNumber: recipient.phoneNumber,
        country: 'KE',
        currency: 'KES',
        amountMinor: 5000,
        owner: dead,
        osUser: 'u',
        host: 'h',
      },
      clock.now(),
    );
    clock.time += -3_600_000 + 20 * 60_000; // twenty real minutes later, after the clock went back an hour
    const result = await sendTransaction({ recipient, idempotencyKey: 'k' }, deps);
    expect(sent).toEqual([]);
    expect(result).toMatchObject({ state: 'unknown', exitCode: 5 });
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
    expect((await ledger.byKey('sandbox', 'sandbox', 'k'))?.attempts).toBe(1);
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
      settleMany: async () => {
        throw new AirtimeError('LEDGER_ERROR', 'the ledger /x/ledger.db cannot be used: the disk is full');
      },
    };
    const error = await sendTransaction({ recipient, idempotencyKey: 'order-9' }, deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AirtimeError);
    expect((error as AirtimeError).message).toContain("Africa's Talking answered (sent, requestId ATQid_1)");
    expect((error as AirtimeError).hint).toContain('--key order-9');
    expect((error as AirtimeError).details).toMatchObject({ idempotencyKey: 'order-9', requestId: 'ATQid_1', state: 'sent' });
    // As --json prints it: the error's own ok and code, not the answer's.
    expect(errorJson(error as AirtimeError)).toMatchObject({
      ok: false,
      error: { code: 'LEDGER_ERROR' },
      state: 'sent',
      requestId: 'ATQid_1',
    });
  });
});
