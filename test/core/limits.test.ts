import { describe, expect, it } from 'vitest';
import { type Market, marketByCurrency } from '../../src/core/countries.js';
import { checkDailyTotals, checkRunTotals, defaultDailyCaps } from '../../src/core/limits.js';

const KES = marketByCurrency('KES') as Market;
const UGX = marketByCurrency('UGX') as Market;

describe('defaultDailyCaps', () => {
  it('is ten times the per-recipient maximum, in minor units of each currency', () => {
    const caps = defaultDailyCaps();
    expect(caps.KES).toBe(10_000 * 100 * 10);
    expect(caps.UGX).toBe(280_000 * 10); // no minor units
    expect(Object.keys(caps)).toHaveLength(11);
  });
});

describe('checkRunTotals', () => {
  it.each([
    ['under the cap', new Map([[KES, 4_999]]), { KES: 5_000 }],
    ['exactly the cap', new Map([[KES, 5_000]]), { KES: 5_000 }],
    ['a currency without a cap', new Map([[UGX, 10_000_000]]), { KES: 5_000 }],
    ['no caps at all', new Map([[KES, 10_000_000]]), {}],
  ])('passes %s', (_name, totals, perRun) => {
    expect(() => checkRunTotals(totals, perRun)).not.toThrow();
  });

  it('refuses a currency over its cap with LIMIT_EXCEEDED, naming both amounts', () => {
    expect(() =>
      checkRunTotals(
        new Map([
          [UGX, 100],
          [KES, 5_001],
        ]),
        { KES: 5_000 },
      ),
    ).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: 'this run sends KES 50.01, over limits.perRun.KES (KES 50.00)' }));
  });
});

describe('checkDailyTotals', () => {
  const spent = (amounts: Record<string, number>) => {
    const asked: string[] = [];
    return { asked, spentOf: (currency: string) => (asked.push(currency), amounts[currency] ?? 0) };
  };

  it('passes up to the cap, counting what was already spent, and asks only about capped currencies', () => {
    const { asked, spentOf } = spent({ KES: 3_000 });
    expect(() =>
      checkDailyTotals(
        new Map([
          [KES, 2_000],
          [UGX, 1_000_000],
        ]),
        spentOf,
        { KES: 5_000 },
      ),
    ).not.toThrow();
    expect(asked).toEqual(['KES']);
  });

  it('refuses a run that would pass the cap with what was spent, naming all three amounts', () => {
    const { spentOf } = spent({ KES: 3_000 });
    expect(() => checkDailyTotals(new Map([[KES, 2_001]]), spentOf, { KES: 5_000 })).toThrow(
      expect.objectContaining({
        code: 'LIMIT_EXCEEDED',
        message: 'this run sends KES 20.01; with KES 30.00 in the last 24 hours that passes limits.daily.KES (KES 50.00)',
      }),
    );
  });
});
