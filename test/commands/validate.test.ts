// `validate(options, ctx)` in-process: the send's rules, offline; no client, no ledger.
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/commands/validate.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, testContext } from '../helpers/context.js';

describe('validate', () => {
  it('a good number and amount is valid (exit 0), touching neither the network nor the ledger', async () => {
    const t = testContext({ settings: { username: undefined, apiKey: undefined } });
    expect(await validate({ phone: '+254712345678', amount: '50' }, t.ctx)).toEqual({
      valid: true,
      phoneNumber: '+254712345678',
      country: 'KE',
      currency: 'KES',
      amount: '50.00',
      errors: [],
      exitCode: EXIT.OK,
    });
    expect(t.calls).toMatchObject({ client: 0, ledger: 0, readLedger: 0 });
  });

  it('a national number reads with --country', async () => {
    const t = testContext();
    const result = await validate({ phone: '0772123456', country: 'ug' }, t.ctx);
    expect(result).toMatchObject({ valid: true, phoneNumber: '+256772123456', currency: 'UGX', amount: null });
    expect(t.calls.settings[0]?.overrides).toEqual({ country: 'ug' });
  });

  it.each([
    [{ phone: '+2547', amount: '50' }, 'INVALID_PHONE'],
    [{ phone: '+254712345678', amount: '4' }, 'AMOUNT_OUT_OF_RANGE'],
    [{ phone: '+254712345678', amount: '50', currency: 'UGX' }, 'CURRENCY_MISMATCH'],
  ])('%j is invalid (exit 2): %s', async (options, code) => {
    const t = testContext();
    const result = await validate(options, t.ctx);
    expect(result.valid).toBe(false);
    expect(result.exitCode).toBe(EXIT.USAGE);
    expect(result.errors.map((e) => e.code)).toContain(code);
  });

  it('limits.perRecipient from the settings is the most one recipient may get', async () => {
    const t = testContext({ settings: { limits: { perRecipient: { KES: 2000 }, perRun: {}, daily: {} } } });
    const result = await validate({ phone: '+254712345678', amount: '25' }, t.ctx);
    expect(result.errors).toEqual([{ code: 'AMOUNT_OUT_OF_RANGE', message: expect.stringContaining('KES 20.00') }]);
  });

  it('no phone is a usage error that says how to call it', async () => {
    const t = testContext();
    const error = await failure(validate({}, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe('missing argument <phone>');
    expect(error.hint).toMatch(/^usage: airtime validate <phone> \[amount\]/);
  });
});
