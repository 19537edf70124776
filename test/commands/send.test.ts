// `send(options, ctx)` in-process: the decisions a single send makes before and after its one
// request. (test/e2e/send.test.ts runs the binary against the emulator.)
import { describe, expect, it } from 'vitest';
import { send } from '../../src/commands/send.js';
import { EXIT } from '../../src/core/errors.js';
import { accepted, failure, testContext } from '../helpers/context.js';

const PHONE = '+254712345678';

describe('send', () => {
  it('sends once off a terminal, asking nothing, and records the answer', async () => {
    const t = testContext();
    const outcome = await send({ phone: PHONE, amount: '50', key: 'order-1' }, t.ctx);

    expect(outcome.kind).toBe('sent');
    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(t.at.sends).toEqual([{ phoneNumber: PHONE, amount: 'KES 50.00', idempotencyKey: 'order-1', maxNumRetry: undefined }]);
    expect(t.asked).toEqual([]);
    expect(t.calls.settings).toEqual([{ overrides: expect.any(Object), use: 'send' }]);
    const row = await t.ledger.byKey('sandbox', 'sandbox', 'order-1');
    expect(row).toMatchObject({ state: 'sent', requestId: 'ATQid_fake_1', amountMinor: 5000, currency: 'KES', attempts: 1 });
    expect(t.activities).toEqual([`Sending KES 50.00 to ${PHONE}`]);
  });

  it('a dry run sends nothing, asks for no client and records nothing', async () => {
    const t = testContext();
    const outcome = await send({ phone: '0712345678', amount: '50', country: 'ke', key: 'k-1', dryRun: true }, t.ctx);

    expect(outcome).toEqual({
      kind: 'dry-run',
      preview: { phoneNumber: PHONE, country: 'KE', amount: '50.00', currency: 'KES', idempotencyKey: 'k-1', environment: 'sandbox' },
      exitCode: EXIT.OK,
    });
    expect(t.at.sends).toEqual([]);
    expect(t.calls.client).toBe(0);
    expect(t.calls.ledger).toBe(0);
    expect(await t.ledger.recent({})).toEqual([]);
  });

  it('a dry run without --key shows no key: the real send draws its own', async () => {
    const t = testContext();
    const outcome = await send({ phone: PHONE, amount: '50', dryRun: true }, t.ctx);
    expect(outcome.kind === 'dry-run' && outcome.preview.idempotencyKey).toBeNull();
  });

  it('a declined confirmation at a terminal sends nothing and exits 130', async () => {
    const t = testContext({ terminal: true, answers: [{ confirmSend: false }] });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'k-2' }, t.ctx);

    expect(outcome.kind).toBe('declined');
    expect(outcome.exitCode).toBe(EXIT.SIGINT);
    expect(t.asked).toHaveLength(1);
    expect(t.asked[0]?.preview).toMatchObject({ phoneNumber: PHONE, amount: '50.00', currency: 'KES', idempotencyKey: 'k-2' });
    expect(t.at.sends).toEqual([]);
    expect(await t.ledger.recent({})).toEqual([]);
  });

  it('--yes at a terminal sends without asking', async () => {
    const t = testContext({ terminal: true });
    const outcome = await send({ phone: PHONE, amount: '50', yes: true }, t.ctx);
    expect(outcome.kind).toBe('sent');
    expect(t.asked).toEqual([]);
    expect(t.at.sends).toHaveLength(1);
  });

  it.each([
    [{ amount: '50' }, '<phone>'],
    [{ phone: PHONE }, '<amount>'],
  ])('off a terminal a missing argument is a usage error: %j', async (options, missing) => {
    const t = testContext();
    const error = await failure(send(options, t.ctx));
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(`missing argument ${missing}`);
    expect(t.at.sends).toEqual([]);
  });

  it('with --no-input at a terminal a missing value is a usage error, never a question', async () => {
    const t = testContext({ terminal: true, flags: { input: false } });
    const error = await failure(send({ phone: PHONE }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(t.asked).toEqual([]);
  });

  it('at a terminal asks for the phone, then the amount (never the currency), checking each answer, then confirms', async () => {
    const t = testContext({
      terminal: true,
      settings: { defaultCountry: 'KE' },
      answers: [{ text: '12' }, { text: '0712345678' }, { text: '2' }, { text: '75' }, { confirmSend: true }],
    });
    const outcome = await send({}, t.ctx);

    expect(outcome.kind).toBe('sent');
    expect(t.asked.map((q) => [q.kind, q.message.split(' (')[0], q.rejected.length])).toEqual([
      ['text', 'Phone number', 1],
      ['text', 'Amount in KES', 1],
      ['confirmSend', 'Send it?', 0],
    ]);
    expect(t.asked[0]?.message).toBe('Phone number (national numbers read as KE)');
    expect(t.asked[1]?.message).toBe('Amount in KES (KES 5.00 to KES 10000.00)');
    expect(t.asked[1]?.rejected[0]).toMatch(/KES 5\.00/);
    expect(t.at.sends[0]).toMatchObject({ phoneNumber: PHONE, amount: 'KES 75.00' });
  });

  it("a prompt's errors say what to type, never a flag that cannot be passed there", async () => {
    const t = testContext({
      terminal: true,
      answers: [
        { text: '0712345678' },
        { text: '+447911123456' },
        { text: '+256701234567' },
        { text: PHONE },
        { text: '50' },
        { confirmSend: false },
      ],
    });
    await send({ currency: 'KES' }, t.ctx);
    expect(t.asked[0]?.rejected).toEqual([
      '0712345678 has no country code: type it with one, e.g. +254712345678',
      "+447911123456 is not in a country Africa's Talking sells airtime in (+254, +256, +255, +234, +250, +265, +260, +27, +251, +233, +225)",
      // --currency KES was given with the command: the number typed must take it.
      '+256701234567 is in Uganda, which takes UGX, not KES',
    ]);
    expect(t.asked[0]?.rejected.join('\n')).not.toContain('--');
  });

  it('a key sent before is replayed from the ledger: one request for two runs', async () => {
    const t = testContext();
    await send({ phone: PHONE, amount: '50', key: 'again' }, t.ctx);
    const second = await send({ phone: PHONE, amount: '50', key: 'again' }, t.ctx);

    expect(second.kind === 'sent' && second.result).toMatchObject({ replayed: true, requestId: 'ATQid_fake_1', exitCode: 0 });
    expect(t.at.sends).toHaveLength(1);
  });

  it('the same payment again without a key is refused off a terminal (REPEAT_PAYMENT, exit 2)', async () => {
    const t = testContext();
    await send({ phone: PHONE, amount: '50' }, t.ctx);
    t.clock.advance(60_000);
    const error = await failure(send({ phone: PHONE, amount: '50' }, t.ctx));

    expect(error.code).toBe('REPEAT_PAYMENT');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(t.at.sends).toHaveLength(1);
  });

  it('at a terminal a repeat is asked about, and a no sends nothing', async () => {
    const t = testContext({ terminal: true, answers: [{ confirmSend: true }, { confirm: false }] });
    await send({ phone: PHONE, amount: '50' }, t.ctx);
    const outcome = await send({ phone: PHONE, amount: '50' }, t.ctx);

    expect(outcome.kind).toBe('declined');
    expect(outcome.exitCode).toBe(EXIT.SIGINT);
    expect(t.asked.map((q) => q.kind)).toEqual(['confirmSend', 'confirm']);
    expect(t.asked[1]).toMatchObject({ message: 'Send it again anyway?', default: false });
    expect(t.notes).toEqual([{ kind: 'warning', message: expect.stringMatching(/^this repeats KES 50\.00 sent to \+254712345678 /) }]);
    expect(t.at.sends).toHaveLength(1);
  });

  it('--allow-repeat pays the same payment again on purpose', async () => {
    const t = testContext();
    await send({ phone: PHONE, amount: '50' }, t.ctx);
    const outcome = await send({ phone: PHONE, amount: '50', allowRepeat: true }, t.ctx);
    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(t.at.sends).toHaveLength(2);
  });

  it('a dry run answers whether the send would go: a repeat would not', async () => {
    const t = testContext();
    await send({ phone: PHONE, amount: '50' }, t.ctx);
    const error = await failure(send({ phone: PHONE, amount: '50', dryRun: true }, t.ctx));
    expect(error.code).toBe('REPEAT_PAYMENT');
    expect(t.at.sends).toHaveLength(1);
  });

  it('retries a transient failure under the same key, waiting on the clock, not in real time', async () => {
    const t = testContext();
    t.at.script.send.push({ kind: 'transient', reached: false, reason: 'HTTP 500' });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'retry-1' }, t.ctx);

    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(t.at.sends.map((r) => r.idempotencyKey)).toEqual(['retry-1', 'retry-1']);
    // Full jitter with random() 0.5: half of the 1 s base delay.
    expect(t.clock.slept).toEqual([500]);
    expect(t.notes).toEqual([{ kind: 'retrying', attempt: 2, reason: 'HTTP 500', delayMs: 500 }]);
    expect(outcome.kind === 'sent' && outcome.result.attempts).toBe(2);
  });

  it('--retries 0 gives up after one transient failure that may have arrived: unknown, exit 5', async () => {
    const t = testContext();
    t.at.script.send.push({ kind: 'transient', reached: true, reason: 'timed out' });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'u-1', retries: 0 }, t.ctx);

    expect(outcome.exitCode).toBe(EXIT.UNKNOWN);
    expect(t.calls.settings[0]?.overrides.retries).toBe(0);
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'u-1'))?.state).toBe('unknown');
  });

  it('Ctrl-C while the request is out: no retry, the answer recorded, exit 130', async () => {
    const t = testContext();
    t.at.script.send.push(() => {
      t.interrupt('SIGINT');
      return { kind: 'transient', reached: true, reason: 'timed out' };
    });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'int-1' }, t.ctx);

    expect(outcome).toMatchObject({ kind: 'sent', interrupted: 'SIGINT', exitCode: EXIT.SIGINT });
    expect(t.at.sends).toHaveLength(1);
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'int-1'))?.state).toBe('unknown');
    expect(t.notes).toEqual([{ kind: 'finishing', signal: 'SIGINT', bulk: false }]);
    expect(t.listening()).toBe(0);
  });

  it('a SIGTERM while the request is out keeps the answer it got, and exits 143', async () => {
    const t = testContext();
    t.at.script.send.push((request) => {
      t.interrupt('SIGTERM');
      return accepted('ATQid_term', request.amount);
    });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'term-1' }, t.ctx);
    expect(outcome).toMatchObject({ interrupted: 'SIGTERM', exitCode: EXIT.SIGTERM, result: { state: 'sent', requestId: 'ATQid_term' } });
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'term-1'))?.state).toBe('sent');
  });

  it('a rejection is exit 1 and recorded as failed', async () => {
    const t = testContext();
    t.at.script.send.push({ kind: 'rejected', reason: 'balance', errorMessage: 'Insufficient Credit' });
    const outcome = await send({ phone: PHONE, amount: '50', key: 'r-1' }, t.ctx);
    expect(outcome.exitCode).toBe(EXIT.FAILED);
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'r-1'))?.state).toBe('failed');
  });

  it('a refused config file stops a send before anything (exit 4)', async () => {
    const t = testContext({ settings: { refused: ['/srv/.airtimerc.js is code'] } });
    const error = await failure(send({ phone: PHONE, amount: '50' }, t.ctx));
    expect(error.code).toBe('CONFIG_ERROR');
    expect(error.exitCode).toBe(EXIT.CONFIG);
    expect(error.message).toBe('/srv/.airtimerc.js is code');
    expect(t.at.sends).toEqual([]);
  });

  it('missing credentials stop a send (exit 4); a dry run does not need them', async () => {
    const t = testContext({ settings: { username: undefined, apiKey: undefined } });
    const error = await failure(send({ phone: PHONE, amount: '50' }, t.ctx));
    expect(error.code).toBe('MISSING_CREDENTIALS');
    expect(error.exitCode).toBe(EXIT.CONFIG);

    const dry = await send({ phone: PHONE, amount: '50', dryRun: true }, t.ctx);
    expect(dry.kind === 'dry-run' && dry.preview.environment).toBeNull();
  });

  it('limits.perRun refuses a send over it before any request (LIMIT_EXCEEDED, exit 2)', async () => {
    const t = testContext({ settings: { limits: { perRecipient: {}, perRun: { KES: 4000 }, daily: {} } } });
    const error = await failure(send({ phone: PHONE, amount: '50' }, t.ctx));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(t.at.sends).toEqual([]);
    expect(t.calls.client).toBe(0);
  });

  it('a bad number is refused before anything (INVALID_PHONE)', async () => {
    const t = testContext();
    const error = await failure(send({ phone: '+2547', amount: '50' }, t.ctx));
    expect(error.code).toBe('INVALID_PHONE');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(t.calls.client).toBe(0);
  });
});
