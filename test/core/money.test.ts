import { describe, expect, it } from 'vitest';
import { type Market, marketByCurrency } from '../../src/core/countries.js';
import { AirtimeError } from '../../src/core/errors.js';
import {
  checkAmountRange,
  formatAmount,
  formatMinorOf,
  formatMoney,
  formatReportedMoney,
  formatUnits4,
  parseAmount,
  parseReportedMoney,
} from '../../src/core/money.js';

const market = (currency: string): Market => {
  const found = marketByCurrency(currency);
  if (!found) throw new Error(currency);
  return found;
};

describe('parseAmount turns decimal text into integer minor units', () => {
  it.each([
    ['50', 'KES', 5000],
    ['50.5', 'KES', 5050],
    ['50.25', 'KES', 5025],
    ['0050.20', 'KES', 5020],
    [' 10 ', 'KES', 1000],
    ['10.000', 'KES', 1000],
    ['0.1', 'KES', 10],
    ['500', 'UGX', 500],
    ['500.0', 'UGX', 500],
    ['100', 'XOF', 100],
    ['100', 'RWF', 100],
    ['1000.99', 'TZS', 100099],
    [50, 'KES', 5000],
    [50.25, 'KES', 5025],
  ])('%j %s → %d', (input, currency, minor) => {
    expect(parseAmount(input, market(currency))).toBe(minor);
  });

  it.each([
    ['NaN', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['Infinity', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['1e3', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['-5', 'KES', 'INVALID_AMOUNT', 'positive number'],
    ['+5', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['0', 'KES', 'INVALID_AMOUNT', 'more than 0'],
    ['0.00', 'KES', 'INVALID_AMOUNT', 'more than 0'],
    ['10.001', 'KES', 'INVALID_AMOUNT', 'more than 2 decimals'],
    ['', 'KES', 'INVALID_AMOUNT', 'empty amount'],
    ['   ', 'KES', 'INVALID_AMOUNT', 'empty amount'],
    ['1,000', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['50 KES', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['.5', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['5.', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['0x10', 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    ['50.5', 'UGX', 'INVALID_AMOUNT', 'no minor units'],
    ['100.1', 'XOF', 'INVALID_AMOUNT', 'no minor units'],
    ['9999999999999', 'KES', 'AMOUNT_OUT_OF_RANGE', 'far above'],
    [Number.NaN, 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    [Number.POSITIVE_INFINITY, 'KES', 'INVALID_AMOUNT', 'is not an amount'],
    [1e21, 'KES', 'INVALID_AMOUNT', 'is not an amount'],
  ])('%j %s → %s', (input, currency, code, fragment) => {
    const error = catchError(() => parseAmount(input, market(currency)));
    expect(error.code).toBe(code);
    expect(error.message).toContain(fragment);
  });
});

describe('checkAmountRange applies the floor and the per-recipient maximum', () => {
  it.each([
    ['KES', 500, 1_000_000, undefined],
    ['KES', 499, 1_000_000, 'below the KES minimum of KES 5.00'],
    ['KES', 1_000_000, 1_000_000, undefined],
    ['KES', 1_000_001, 1_000_000, 'above the per-recipient limit of KES 10000.00'],
    ['UGX', 49, 280_000, 'below the UGX minimum of UGX 50'],
    ['TZS', 49_999, 20_000_000, 'below the TZS minimum'],
    ['GHS', 100, 100_000, undefined],
  ])('%s %d (max %d) → %s', (currency, minor, max, fragment) => {
    if (fragment === undefined) {
      expect(() => checkAmountRange(minor, market(currency), max)).not.toThrow();
    } else {
      const error = catchError(() => checkAmountRange(minor, market(currency), max));
      expect(error.code).toBe('AMOUNT_OUT_OF_RANGE');
      expect(error.message).toContain(fragment);
    }
  });
});

describe('formatting', () => {
  it.each([
    [5000, 'KES', '50.00', 'KES 50.00'],
    [5, 'KES', '0.05', 'KES 0.05'],
    [500, 'UGX', '500', 'UGX 500'],
    [123456, 'NGN', '1234.56', 'NGN 1234.56'],
  ])('%d %s → %s / %s', (minor, currency, amount, money) => {
    expect(formatAmount(minor, market(currency))).toBe(amount);
    expect(formatMoney(minor, market(currency))).toBe(money);
  });
});

describe('parseReportedMoney keeps AT figures at 4 decimals in their own currency', () => {
  it.each([
    ['KES 40.0000', 'KES', 400_000, 'KES 40.0000'],
    ['USD 0.4350', 'USD', 4350, 'USD 0.4350'],
    ['KES 1,234.5', 'KES', 12_345_000, 'KES 1234.5000'],
    // the balance as the live API wrote it: no separators, four decimals
    ['KES 238747053.1747', 'KES', 2_387_470_531_747, 'KES 238747053.1747'],
    ['KES 1000', 'KES', 10_000_000, 'KES 1000.0000'],
    ['KES 0.123456', 'KES', 1235, 'KES 0.1235'],
    ['  NGN 2.5  ', 'NGN', 25_000, 'NGN 2.5000'],
  ])('%j → %s %d', (text, currency, units4, formatted) => {
    const money = parseReportedMoney(text);
    expect(money).toEqual({ currency, units4 });
    expect(money && formatReportedMoney(money)).toBe(formatted);
  });

  it.each([['0'], ['None'], [''], [null], [42], ['KES'], ['KES abc'], ['kes 5']])('%j → null', (text) => {
    expect(parseReportedMoney(text)).toBeNull();
  });

  it('sums per currency without floating point error', () => {
    const total = ['KES 0.1000', 'KES 0.2000'].map((t) => parseReportedMoney(t)?.units4 ?? 0).reduce((a, b) => a + b, 0);
    expect(formatUnits4(total)).toBe('0.3000');
    expect(formatUnits4(12_345_000, true)).toBe('1234.50');
    expect(formatUnits4(12_345_678, true)).toBe('1234.5678');
  });
});

function catchError(fn: () => unknown): AirtimeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AirtimeError) return error;
    throw error;
  }
  throw new Error('expected an AirtimeError');
}

describe('formatMinorOf', () => {
  it.each([
    ['KES', 5025, '50.25'],
    ['UGX', 500, '500'],
    ['XYZ', 5025, '5025'], // a code this version does not know: the raw minor units, not an error
  ])('%s %d → %s', (currency, minor, text) => {
    expect(formatMinorOf(currency, minor)).toBe(text);
  });
});
