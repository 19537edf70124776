import { describe, expect, it } from 'vitest';
import { type Fields, HttpError } from '../../src/server/body.js';
import {
  checkValidationRules,
  parseStatusCallback,
  parseValidationCallback,
  type ValidationCallback,
  type ValidationRules,
} from '../../src/server/callbacks.js';

const fields = (value: Record<string, unknown>) => Object.assign(Object.create(null) as Fields, value);

function reason400(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError && error.status === 400) return error.message;
    throw error;
  }
  throw new Error('expected a 400');
}

const STATUS = {
  phoneNumber: '+254712345678',
  description: 'Airtime Delivered Successfully',
  status: 'Success',
  requestId: 'ATQid_1',
  discount: 'KES 2.0000',
  value: 'KES 50.0000',
};

describe('parseStatusCallback', () => {
  it('reads value and discount into integer units of their currency', () => {
    expect(parseStatusCallback(fields(STATUS))).toEqual({
      requestId: 'ATQid_1',
      status: 'Success',
      description: 'Airtime Delivered Successfully',
      phoneNumber: '+254712345678',
      value: { currency: 'KES', amountMinor: 5000 },
      discount: { currency: 'KES', units4: 20_000 },
      payload: STATUS,
    });
  });

  it.each([
    [{ value: 'UGX 500.0000' }, { currency: 'UGX', amountMinor: 500 }],
    [{ value: 'KES 1,000.5000' }, { currency: 'KES', amountMinor: 100_050 }],
    // Not an amount this tool could have sent: nothing to match an unknown row with.
    [{ value: 'UGX 500.5000' }, null],
    [{ value: 'USD 5.0000' }, null],
    [{ value: 'KES 50.0050' }, null],
  ])('value %j → %j', (extra, value) => {
    expect(parseStatusCallback(fields({ ...STATUS, ...extra })).value).toEqual(value);
  });

  it('normalizes the number, and keeps one that does not parse as it came', () => {
    expect(parseStatusCallback(fields({ ...STATUS, phoneNumber: '254712345678' })).phoneNumber).toBe('+254712345678');
    expect(parseStatusCallback(fields({ ...STATUS, phoneNumber: '+44 20 7946 0000' })).phoneNumber).toBe('+44 20 7946 0000');
  });

  it('needs only requestId and status', () => {
    expect(parseStatusCallback(fields({ requestId: 'ATQid_2', status: 'Failed' }))).toMatchObject({
      phoneNumber: null,
      value: null,
      discount: null,
      description: null,
    });
  });

  it.each([
    [{ requestId: undefined }, 'missing field requestId'],
    [{ status: '' }, 'the field status is empty'],
    [{ requestId: 42 }, 'the field requestId must be a string'],
    [{ value: 'fifty shillings' }, 'the field value must read like "KES 100.0000"'],
    [{ discount: 'KES -2.0000' }, 'the field discount must read like'],
  ])('%j is a 400: %s', (extra, message) => {
    expect(reason400(() => parseStatusCallback(fields({ ...STATUS, ...extra })))).toContain(message);
  });
});

const VALIDATION = {
  transactionId: 'SomeTransactionID',
  phoneNumber: '+254712345678',
  sourceIpAddress: '203.0.113.10',
  currencyCode: 'KES',
  amount: 50,
};

describe('parseValidationCallback', () => {
  it.each([
    [50, '50'],
    ['50.00', '50.00'],
    [50.5, '50.5'],
  ])('takes the amount as a JSON number or a decimal string: %j', (amount, text) => {
    expect(parseValidationCallback(fields({ ...VALIDATION, amount })).amount).toBe(text);
  });

  it.each([
    [{ transactionId: undefined }, 'missing field transactionId'],
    [{ phoneNumber: undefined }, 'missing field phoneNumber'],
    [{ currencyCode: undefined }, 'missing field currencyCode'],
    [{ amount: undefined }, 'missing field amount'],
    [{ amount: 'lots' }, 'the field amount must be a positive decimal amount'],
    [{ amount: -50 }, 'the field amount must be a positive amount'],
    [{ sourceIpAddress: 7 }, 'the field sourceIpAddress must be a string'],
  ])('%j is a 400: %s', (extra, message) => {
    expect(reason400(() => parseValidationCallback(fields({ ...VALIDATION, ...extra })))).toContain(message);
  });

  it('does without sourceIpAddress', () => {
    expect(parseValidationCallback(fields({ ...VALIDATION, sourceIpAddress: undefined })).sourceIpAddress).toBeNull();
  });
});

describe('checkValidationRules', () => {
  const rules: ValidationRules = { maxAgeMs: 600_000, perRecipient: {}, allowedSourceIps: undefined };
  const callback = (extra: Partial<ValidationCallback> = {}): ValidationCallback => ({
    transactionId: 'T1',
    phoneNumber: '+254712345678',
    currencyCode: 'KES',
    amount: '50',
    sourceIpAddress: '203.0.113.10',
    ...extra,
  });

  it('passes a supported number, currency and amount, as a claim in minor units', () => {
    expect(checkValidationRules(callback({ phoneNumber: '254 712 345 678', amount: '50.00' }), rules)).toEqual({
      ok: true,
      claim: { transactionId: 'T1', phoneNumber: '+254712345678', currency: 'KES', amountMinor: 5000 },
      money: 'KES 50.00',
    });
  });

  it.each([
    [{ currencyCode: 'USD' }, rules, "USD is not a currency Africa's Talking sells airtime in"],
    [{ currencyCode: 'UGX' }, rules, '+254712345678 is in Kenya, which takes KES, not UGX'],
    [{ phoneNumber: '+254202345678' }, rules, 'fixed-line'],
    [{ phoneNumber: '+447911123456' }, rules, 'not in a country'],
    [{ amount: '50.001' }, rules, 'more than 2 decimals'],
    [{ amount: '4' }, rules, 'below the KES minimum'],
    [{ amount: '10000.01' }, rules, 'above the per-recipient limit of KES 10000.00'],
    [{ amount: '100.50' }, { ...rules, perRecipient: { KES: 10_000 } }, 'above the per-recipient limit of KES 100.00'],
    [{}, { ...rules, allowedSourceIps: ['198.51.100.7'] }, 'source 203.0.113.10 is not in serve.allowedSourceIps'],
    [{ sourceIpAddress: null }, { ...rules, allowedSourceIps: ['203.0.113.10'] }, 'no sourceIpAddress'],
  ])('%j under %j fails: %s', (extra, ruleSet, reason) => {
    const checked = checkValidationRules(callback(extra), ruleSet);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toContain(reason);
  });

  it.each([['203.0.113.10'], ['::ffff:203.0.113.10'], [' 203.0.113.10 ']])('allows source %j when it is listed', (source) => {
    expect(checkValidationRules(callback({ sourceIpAddress: source }), { ...rules, allowedSourceIps: ['203.0.113.10'] }).ok).toBe(true);
  });
});
