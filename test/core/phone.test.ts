import { describe, expect, it } from 'vitest';
import { AirtimeError } from '../../src/core/errors.js';
import { parsePhone } from '../../src/core/phone.js';

describe('parsePhone accepts mobile numbers of every supported country', () => {
  it.each([
    // input, country flag, E.164, market
    ['+254712345678', undefined, '+254712345678', 'KE'],
    ['+254 712 345 678', undefined, '+254712345678', 'KE'],
    ['254712345678', undefined, '+254712345678', 'KE'],
    ['00254712345678', undefined, '+254712345678', 'KE'],
    ['+254-712-345-678', undefined, '+254712345678', 'KE'],
    ['(+254) 712 345678', undefined, '+254712345678', 'KE'],
    ['0712345678', 'KE', '+254712345678', 'KE'],
    ['0712345678', 'ke', '+254712345678', 'KE'],
    ['712345678', 'KE', '+254712345678', 'KE'],
    ['254712345678', 'KE', '+254712345678', 'KE'],
    ['+254112345678', undefined, '+254112345678', 'KE'],
    ['+256701234567', undefined, '+256701234567', 'UG'],
    ['+255712345678', undefined, '+255712345678', 'TZ'],
    ['+2348034567890', undefined, '+2348034567890', 'NG'],
    ['08034567890', 'NG', '+2348034567890', 'NG'],
    ['+250781234567', undefined, '+250781234567', 'RW'],
    ['+265991234567', undefined, '+265991234567', 'MW'],
    ['+260971234567', undefined, '+260971234567', 'ZM'],
    ['+27821234567', undefined, '+27821234567', 'ZA'],
    ['27821234567', undefined, '+27821234567', 'ZA'],
    ['+251911234567', undefined, '+251911234567', 'ET'],
    ['+233241234567', undefined, '+233241234567', 'GH'],
    ['+2250712345678', undefined, '+2250712345678', 'CI'],
  ])('%s (country %s) → %s', (input, country, e164, market) => {
    const phone = parsePhone(input, country);
    expect(phone.e164).toBe(e164);
    expect(phone.market.country).toBe(market);
  });
});

describe('parsePhone rejects what cannot receive airtime', () => {
  it.each([
    // input, country flag, code, message fragment
    ['', undefined, 'INVALID_PHONE', 'required'],
    ['   ', undefined, 'INVALID_PHONE', 'required'],
    ['+254202345678', undefined, 'INVALID_PHONE', 'fixed-line'], // a valid Nairobi landline
    ['+234803456789', undefined, 'INVALID_PHONE', 'not a valid Nigeria number'], // the seed's example, a digit short
    ['+25471234567', undefined, 'INVALID_PHONE', 'not a valid Kenya number'],
    ['+2547123456789', undefined, 'INVALID_PHONE', 'not a valid Kenya number'],
    ['0712345678', undefined, 'INVALID_PHONE', 'no country code'],
    ['712345678', undefined, 'INVALID_PHONE', 'no country code'],
    ['0912345678', 'UG', 'INVALID_PHONE', 'not a valid Uganda number'],
    ['0712345678', 'NG', 'INVALID_PHONE', 'not a valid Nigeria number'],
    ['0123', 'KE', 'INVALID_PHONE', 'not a valid Kenya number'],
    ['0712345678', 'US', 'UNSUPPORTED_COUNTRY', 'country US is not supported'],
    ['+12025550123', undefined, 'UNSUPPORTED_COUNTRY', 'not in a country'],
    ['+447911123456', undefined, 'UNSUPPORTED_COUNTRY', 'not in a country'],
    ['+254712345678 ext 5', undefined, 'INVALID_PHONE', 'digits'],
    ['+254 7I2 345 678', undefined, 'INVALID_PHONE', 'digits'],
    ['tel:+254712345678', undefined, 'INVALID_PHONE', 'digits'],
    ['+'.padEnd(60, '1'), undefined, 'INVALID_PHONE', 'digits'],
    ['{}', undefined, 'INVALID_PHONE', 'digits'],
  ])('%j (country %s) → %s', (input, country, code, fragment) => {
    let caught: unknown;
    try {
      parsePhone(input, country);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AirtimeError);
    expect((caught as AirtimeError).code).toBe(code);
    expect((caught as AirtimeError).message).toContain(fragment);
  });

  it.each([
    // input, where it was typed, the whole message
    ['0712345678', 'flags', '0712345678 has no country code: write it as +254… or pass --country (e.g. --country KE)'],
    ['0712345678', 'prompt', '0712345678 has no country code: type it with one, e.g. +254712345678'],
    [
      '+447911123456',
      'prompt',
      "+447911123456 is not in a country Africa's Talking sells airtime in (+254, +256, +255, +234, +250, +265, +260, +27, +251, +233, +225)",
    ],
  ] as const)('%j typed at %s reads %j', (input, advice, message) => {
    expect(() => parsePhone(input, undefined, advice)).toThrow(expect.objectContaining({ message }));
  });

  it('never reads the country code by counting characters: +27 is two digits, +254 three', () => {
    expect(parsePhone('+27821234567').market.currency).toBe('ZAR');
    expect(parsePhone('+254712345678').market.currency).toBe('KES');
    expect(parsePhone('+2250712345678').market.currency).toBe('XOF');
  });
});
