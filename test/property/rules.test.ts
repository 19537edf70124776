// Property tests: the parsing rules never throw anything but their typed error, never accept what
// the rules reject, and round-trip what they accept. Short by default (npm test); the long form is
// `npm run test:properties` (10,000 cases each).
import fc from 'fast-check';
import examples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import parseMax, { type Examples, getExampleNumber, type CountryCode as LibCountry } from 'libphonenumber-js/max';
import { describe, expect, it } from 'vitest';
import { FingerprintTable, rowFingerprint } from '../../src/core/batch.js';
import { MARKETS, marketByCurrency } from '../../src/core/countries.js';
import { AirtimeError } from '../../src/core/errors.js';
import { parseIdempotencyKey } from '../../src/core/idempotency.js';
import { formatAmount, parseAmount } from '../../src/core/money.js';
import { parsePhone } from '../../src/core/phone.js';
import { checkRecipient } from '../../src/core/recipient.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const params = { numRuns: RUNS };

/** Runs fn; returns its value, or the AirtimeError it threw; anything else fails the property. */
function outcome<T>(fn: () => T): T | AirtimeError {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AirtimeError) return error;
    throw error;
  }
}

const countries = fc.constantFrom(undefined, ...MARKETS.map((m) => m.country), 'US', 'GB', 'ke', '');
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
/** Strings that look like phone numbers: a prefix, a calling code, digits, separators. */
const phoneLike = fc
  .tuple(
    fc.constantFrom('', '+', '00', '0', ' +', '(+'),
    fc.constantFrom(...MARKETS.map((m) => m.callingCode), '1', '44', '999'),
    digits(0, 13),
    fc.constantFrom('', ' ', '-', ')', '.', 'x'),
    digits(0, 4),
  )
  .map((parts) => parts.join(''));
const mobileExamples = MARKETS.map((m) => getExampleNumber(m.country as LibCountry, examples as unknown as Examples)?.number).filter(
  (n): n is NonNullable<typeof n> => n !== undefined,
);

describe('phone numbers', () => {
  it('parsePhone only ever returns a phone or throws INVALID_PHONE / UNSUPPORTED_COUNTRY', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), phoneLike),
        countries,
        (text, country) => {
          const result = outcome(() => parsePhone(text, country));
          if (result instanceof AirtimeError) {
            expect(['INVALID_PHONE', 'UNSUPPORTED_COUNTRY']).toContain(result.code);
          } else {
            expect(result.e164).toMatch(/^\+\d{8,15}$/);
          }
        },
      ),
      params,
    );
  });

  it('accepts only what full libphonenumber metadata calls a valid mobile number of that country, and is idempotent', () => {
    // Real mobile numbers with their last digits changed: many stay valid, some do not.
    const nearMobile = fc
      .tuple(fc.constantFrom(...mobileExamples), fc.integer({ min: 1, max: 6 }), digits(6, 6))
      .map(([example, keep, tail]) => example.slice(0, example.length - keep) + tail.slice(0, keep));
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(phoneLike, nearMobile), countries, (text, country) => {
        const result = outcome(() => parsePhone(text, country));
        if (result instanceof AirtimeError) return;
        expect(result.e164.startsWith(`+${result.market.callingCode}`)).toBe(true);
        const full = parseMax(result.e164);
        expect(full?.isValid()).toBe(true);
        expect(full?.country).toBe(result.market.country);
        expect(['MOBILE', 'FIXED_LINE_OR_MOBILE']).toContain(full?.getType());
        expect(parsePhone(result.e164).e164).toBe(result.e164);
        accepted += 1;
      }),
      params,
    );
    // The property is only worth something if it saw accepted numbers.
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  it('reads every spelling of a real mobile number as the same number', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...mobileExamples),
        fc.constantFrom('+', '', '00'),
        fc.array(fc.constantFrom('', ' ', '-', '.'), { minLength: 20, maxLength: 20 }),
        (example, prefix, separators) => {
          const body = example.slice(1);
          const spelled = prefix + [...body].map((d, i) => d + (separators[i] ?? '')).join('');
          expect(parsePhone(spelled).e164).toBe(example);
        },
      ),
      params,
    );
  });
});

describe('amounts', () => {
  const currencies = fc.constantFrom(...MARKETS.map((m) => m.currency));

  it('parseAmount only ever returns positive safe integers or throws INVALID_AMOUNT / AMOUNT_OUT_OF_RANGE', () => {
    const amountLike = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.stringMatching(/^[-+]?[0-9]{0,14}(\.[0-9]{0,4})?(e[0-9])?$/),
      fc.double().map(String),
    );
    fc.assert(
      fc.property(amountLike, currencies, (text, currency) => {
        const market = marketByCurrency(currency);
        if (!market) throw new Error(currency);
        const result = outcome(() => parseAmount(text, market));
        if (result instanceof AirtimeError) {
          expect(['INVALID_AMOUNT', 'AMOUNT_OUT_OF_RANGE']).toContain(result.code);
          return;
        }
        expect(Number.isSafeInteger(result) && result > 0).toBe(true);
        // Exact: the decimal text, scaled by the currency's minor units, in BigInt arithmetic.
        const [whole = '0', fraction = ''] = text.trim().split('.');
        expect(text.trim()).toMatch(/^\d+(\.\d+)?$/);
        expect(fraction.replace(/0+$/, '').length).toBeLessThanOrEqual(market.decimals);
        const exact =
          BigInt(whole) * 10n ** BigInt(market.decimals) + BigInt(fraction.padEnd(market.decimals, '0').slice(0, market.decimals) || '0');
        expect(BigInt(result)).toBe(exact);
      }),
      params,
    );
  });

  it('round-trips every amount it formats', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 999_999_999_999 }), currencies, (minor, currency) => {
        const market = marketByCurrency(currency);
        if (!market) throw new Error(currency);
        expect(parseAmount(formatAmount(minor, market), market)).toBe(minor);
      }),
      params,
    );
  });
});

describe('recipients, currencies and keys', () => {
  it('checkRecipient never throws, and has a recipient exactly when it has no errors', () => {
    fc.assert(
      fc.property(
        fc.oneof(phoneLike, fc.constantFrom(...mobileExamples)),
        fc.oneof(fc.string({ maxLength: 10 }), fc.integer({ min: -10, max: 1_000_000 }).map(String)),
        fc.option(fc.oneof(fc.constantFrom(...MARKETS.map((m) => m.currency)), fc.string({ maxLength: 4 })), { nil: undefined }),
        countries,
        (phone, amount, currency, country) => {
          const check = checkRecipient({ phone, amount, currency, country });
          for (const error of check.errors) expect(error).toBeInstanceOf(AirtimeError);
          expect(check.recipient === undefined).toBe(check.errors.length > 0);
          if (check.recipient && currency !== undefined && currency.trim() !== '') {
            // An explicit currency (an empty one is none, as in a CSV column) is accepted only
            // when it is the number's own.
            expect(check.recipient.market.currency).toBe(currency.trim().toUpperCase());
          }
        },
      ),
      params,
    );
  });

  it('a user key is accepted exactly when it is 1-255 visible ASCII characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.stringMatching(/^[!-~]{0,260}$/)),
        (key) => {
          const accepted = !(outcome(() => parseIdempotencyKey(key)) instanceof AirtimeError);
          expect(accepted).toBe(/^[\x21-\x7e]{1,255}$/.test(key));
        },
      ),
      params,
    );
  });
});

describe('fingerprints', () => {
  it('FingerprintTable answers like a Map of first rows', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3000 }), (values) => {
        const table = new FingerprintTable();
        const reference = new Map<number, number>();
        values.forEach((value, i) => {
          const fingerprint = rowFingerprint([value]);
          const expected = reference.get(fingerprint);
          if (expected === undefined) reference.set(fingerprint, i + 1);
          expect(table.firstRow(fingerprint, i + 1)).toBe(expected);
        });
      }),
      { numRuns: Math.max(20, Math.floor(RUNS / 10)) },
    );
  });
});
