import { describe, expect, it } from 'vitest';
import { checkRecipient, parseRecipient } from '../../src/core/recipient.js';

describe('checkRecipient applies every rule of a single send', () => {
  it.each([
    // phone, amount, currency, country, E.164, currency, minor units
    ['+254712345678', '50', undefined, undefined, '+254712345678', 'KES', 5000],
    ['+254712345678', '50', 'KES', undefined, '+254712345678', 'KES', 5000],
    ['+254712345678', '50', 'kes', undefined, '+254712345678', 'KES', 5000],
    ['0712345678', '50', undefined, 'KE', '+254712345678', 'KES', 5000],
    ['+256701234567', '500', undefined, undefined, '+256701234567', 'UGX', 500],
    ['+27821234567', '10.50', 'ZAR', undefined, '+27821234567', 'ZAR', 1050],
  ])('%s %s %s %s', (phone, amount, currency, country, e164, expectedCurrency, minor) => {
    const recipient = parseRecipient({ phone, amount, currency, country });
    expect(recipient.phoneNumber).toBe(e164);
    expect(recipient.market.currency).toBe(expectedCurrency);
    expect(recipient.amountMinor).toBe(minor);
  });

  it.each([
    ['+255712345678', '50', 'KES', 'CURRENCY_MISMATCH', 'takes TZS, not KES'], // KES to +255 loses money
    ['+254712345678', '50', 'USD', 'CURRENCY_MISMATCH', 'USD is not a currency'],
    ['+254712345678', '4', undefined, 'AMOUNT_OUT_OF_RANGE', 'below the KES minimum'],
    ['+254712345678', '10000.01', undefined, 'AMOUNT_OUT_OF_RANGE', 'per-recipient limit'],
    ['+254712345678', 'abc', undefined, 'INVALID_AMOUNT', 'is not an amount'],
    ['+254202345678', '50', undefined, 'INVALID_PHONE', 'fixed-line'],
  ])('%s %s %s → %s', (phone, amount, currency, code, fragment) => {
    const { recipient, errors } = checkRecipient({ phone, amount, currency });
    expect(recipient).toBeUndefined();
    expect(errors[0]?.code).toBe(code);
    expect(errors[0]?.message).toContain(fragment);
  });

  it('reports a bad number and a bad amount together when the currency is known', () => {
    const { errors } = checkRecipient({ phone: '+2547', amount: '10.001', currency: 'KES' });
    expect(errors.map((e) => e.code)).toEqual(['INVALID_PHONE', 'INVALID_AMOUNT']);
  });

  it('honours a configured per-recipient limit in minor units', () => {
    const { errors } = checkRecipient({ phone: '+254712345678', amount: '101' }, { KES: 10_000 });
    expect(errors[0]?.message).toContain('above the per-recipient limit of KES 100.00');
  });

  it('checks only the number when no amount is given', () => {
    const check = checkRecipient({ phone: '+254712345678' });
    expect(check.errors).toEqual([]);
    expect(check.recipient).toBeUndefined();
    expect(check.market?.currency).toBe('KES');
  });
});
