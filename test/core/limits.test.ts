import { describe, expect, it } from 'vitest';
import { marketByCurrency, type Market } from '../../src/core/countries.js';
import { checkRunTotals, defaultDailyCaps } from '../../src/core/limits.js';

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
    expect(() => checkRunTotals(new Map([[UGX, 100], [KES, 5_001]]), { KES: 5_000 })).toThrow(
      expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: 'this run sends KES 50.01, over limits.perRun.KES (KES 50.00)' }),
    );
  });
});
