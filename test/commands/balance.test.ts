// `balance(ctx)` in-process: how Africa's Talking's answers read, retried on the clock.
import { describe, expect, it } from 'vitest';
import { balance } from '../../src/commands/balance.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, testContext } from '../helpers/context.js';

describe('balance', () => {
  it.each([
    ['KES 1,234.5', 'KES 1234.50', 'KES', '1234.50'],
    ['KES 238747053.1747', 'KES 238747053.1747', 'KES', '238747053.1747'],
    ['UGX 5000.0000', 'UGX 5000.00', 'UGX', '5000.00'],
  ])('reads %j as %j', async (answer, shown, currency, amount) => {
    const t = testContext();
    t.at.script.balance.push({ kind: 'ok', balance: answer });
    expect(await balance(t.ctx)).toEqual({ balance: shown, currency, amount, environment: 'sandbox', exitCode: EXIT.OK });
  });

  it('an answer it cannot read is shown as it came', async () => {
    const t = testContext();
    t.at.script.balance.push({ kind: 'ok', balance: 'about ten shillings' });
    expect(await balance(t.ctx)).toMatchObject({ balance: 'about ten shillings', currency: null, amount: null, exitCode: EXIT.OK });
  });

  it('retries a transient failure on the clock, then answers', async () => {
    const t = testContext();
    t.at.script.balance.push({ kind: 'transient', reached: false, reason: 'HTTP 503' }, { kind: 'ok', balance: 'KES 10.00' });
    expect((await balance(t.ctx)).balance).toBe('KES 10.00');
    expect(t.at.balances).toBe(2);
    expect(t.clock.slept).toEqual([500]);
  });

  it('gives up after the retries: NETWORK_ERROR, exit 1', async () => {
    const t = testContext({ settings: { retries: 1 } });
    t.at.script.balance.push(...Array.from({ length: 2 }, () => ({ kind: 'transient', reached: false, reason: 'ECONNREFUSED' }) as const));
    const error = await failure(balance(t.ctx));
    expect(error.code).toBe('NETWORK_ERROR');
    expect(error.exitCode).toBe(EXIT.FAILED);
    expect(error.message).toBe('could not get the balance: ECONNREFUSED');
    expect(t.at.balances).toBe(2);
  });

  it.each([
    [{ kind: 'auth-failed', errorMessage: 'The supplied authentication is invalid' } as const, 'AUTH_FAILED', EXIT.CONFIG],
    [{ kind: 'not-found', errorMessage: 'No such user' } as const, 'REJECTED', EXIT.FAILED],
  ])('%j is %s', async (answer, code, exitCode) => {
    const t = testContext();
    t.at.script.balance.push(answer);
    const error = await failure(balance(t.ctx));
    expect(error.code).toBe(code);
    expect(error.exitCode).toBe(exitCode);
  });

  it('missing credentials are exit 4 before any request', async () => {
    const t = testContext({ settings: { apiKey: undefined } });
    const error = await failure(balance(t.ctx));
    expect(error.code).toBe('MISSING_CREDENTIALS');
    expect(error.message).toBe("no Africa's Talking API key configured");
    expect(t.at.balances).toBe(0);
  });
});
