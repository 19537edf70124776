import type { CurrencyCode, Market } from './countries.js';
import { MARKETS } from './countries.js';
import { AirtimeError } from './errors.js';
import { formatMoney } from './money.js';
import { defaultMaxMinor, type MoneyLimits } from './recipient.js';

/**
 * `limits.daily` counts a rolling 24 hours, not a calendar day: runs at 23:59 and 00:01 share one
 * day's cap.
 */
export const DAILY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Default `limits.daily`: ten times the per-recipient default, about USD 750 a day per currency.
 * A cap exists by default so that a runaway loop of single sends (a cron job gone wrong) cannot
 * empty the account; anyone paying more sets their own.
 */
export function defaultDailyCaps(): MoneyLimits {
  return Object.fromEntries(MARKETS.map((m) => [m.currency, defaultMaxMinor(m) * 10])) as MoneyLimits;
}

/** `limits.perRun`: the total of one run (a single send, or a whole file) per currency. */
export function checkRunTotals(totals: ReadonlyMap<Market, number>, perRun: MoneyLimits): void {
  for (const [market, total] of totals) {
    const cap = perRun[market.currency as CurrencyCode];
    if (cap !== undefined && total > cap) {
      throw new AirtimeError(
        'LIMIT_EXCEEDED',
        `this run sends ${formatMoney(total, market)}, over limits.perRun.${market.currency} (${formatMoney(cap, market)})`,
        { hint: `nothing was sent; raise limits.perRun.${market.currency} in your config if this is intended` },
      );
    }
  }
}

/**
 * `limits.daily` for a whole run: what it would send plus what was spent in the last 24 hours, per
 * currency. `spentOf` is asked only for a currency that has a cap.
 */
export function checkDailyTotals(
  totals: ReadonlyMap<Market, number>,
  spentOf: (currency: CurrencyCode) => number,
  daily: MoneyLimits,
): void {
  for (const [market, total] of totals) {
    const currency = market.currency as CurrencyCode;
    const cap = daily[currency];
    if (cap === undefined) continue;
    const spent = spentOf(currency);
    if (spent + total > cap) {
      throw new AirtimeError(
        'LIMIT_EXCEEDED',
        `this run sends ${formatMoney(total, market)}; with ${formatMoney(spent, market)} in the last 24 hours that passes limits.daily.${currency} (${formatMoney(cap, market)})`,
        { hint: `nothing was sent; raise limits.daily.${currency} in your config if this is intended` },
      );
    }
  }
}
