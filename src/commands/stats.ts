import { CURRENCY_CODES, isCurrencyCode } from '../core/countries.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { formatMinorOf, formatUnits4 } from '../core/money.js';
import { localDay, nextLocalDay, parseMoment, startOfLocalDay } from '../core/time.js';
import type { DayStats, StatsResult } from '../results/ledger.js';
import { type Context, environmentFor } from './context.js';

export interface StatsOptions {
  since?: string | undefined;
  until?: string | undefined;
  currency?: string | undefined;
  allEnvironments?: boolean | undefined;
}

/**
 * The contract's definitions: `attempts` counts ledger transactions; `sent` those AT accepted
 * (sent and delivered); `delivered` the confirmed subset; `failed` rejections and failed
 * deliveries; amounts and discounts sum accepted transactions only, in integer units.
 */
export async function stats(options: StatsOptions, ctx: Pick<Context, 'settings' | 'readLedger' | 'clock'>): Promise<StatsResult> {
  const settings = await ctx.settings();
  const now = ctx.clock.now();
  const currency = options.currency?.toUpperCase();
  if (currency !== undefined && !isCurrencyCode(currency)) {
    throw new AirtimeError(
      'USAGE',
      `--currency ${options.currency}: not a currency Africa's Talking sells airtime in: use one of ${CURRENCY_CODES.join(', ')}`,
    );
  }
  const filter = {
    environment: options.allEnvironments ? undefined : environmentFor(settings),
    since: options.since === undefined ? undefined : parseMoment(options.since, now),
    until: options.until === undefined ? undefined : parseMoment(options.until, now, '--until'),
    currency,
  };
  const ledger = await ctx.readLedger(settings);
  const rows = ledger ? await ledger.aggregate(filter) : { totals: [], failureReasons: [], first: null, last: null };

  const count = (states: string[]) => rows.totals.filter((r) => states.includes(r.state)).reduce((sum, r) => sum + r.count, 0);
  const sent = count(['sent', 'delivered']);
  const failed = count(['failed']);

  // Accepted transactions only. Amounts sum in their own currency; discounts in the currency AT
  // reported them in, which may be the account's rather than the recipient's.
  const amounts = new Map<string, { count: number; amountMinor: number }>();
  const discounts = new Map<string, number>();
  for (const row of rows.totals) {
    if (row.state !== 'sent' && row.state !== 'delivered') continue;
    const entry = amounts.get(row.currency) ?? { count: 0, amountMinor: 0 };
    entry.count += row.count;
    entry.amountMinor += row.amountMinor;
    amounts.set(row.currency, entry);
    if (row.discountCurrency !== null && row.discountUnits4 !== null) {
      discounts.set(row.discountCurrency, (discounts.get(row.discountCurrency) ?? 0) + row.discountUnits4);
    }
  }
  const byCurrency: StatsResult['byCurrency'] = {};
  for (const code of [...new Set([...amounts.keys(), ...discounts.keys()])].sort()) {
    const entry = amounts.get(code) ?? { count: 0, amountMinor: 0 };
    byCurrency[code] = {
      count: entry.count,
      amount: formatMinorOf(code, entry.amountMinor),
      discount: formatUnits4(discounts.get(code) ?? 0),
    };
  }

  // Local days, each counted by its own index range; the boundaries come from the calendar, so
  // a day with a daylight-saving change has its true length.
  const daily: DayStats[] = [];
  if (ledger && rows.first !== null && rows.last !== null) {
    for (let day = startOfLocalDay(rows.first); day <= rows.last; day = nextLocalDay(day)) {
      const counts = await ledger.countPeriod({
        ...filter,
        since: Math.max(day, filter.since ?? day),
        until: Math.min(nextLocalDay(day), filter.until ?? Number.MAX_SAFE_INTEGER),
      });
      if (counts.attempts > 0) daily.push({ date: localDay(day), ...counts });
    }
  }

  return {
    attempts: count(['pending', 'sent', 'delivered', 'failed', 'unknown']),
    sent,
    delivered: count(['delivered']),
    failed,
    unknown: count(['unknown']),
    successRate: sent + failed === 0 ? null : Math.round((sent / (sent + failed)) * 10_000) / 10_000,
    byCurrency,
    failureReasons: rows.failureReasons,
    daily,
    exitCode: EXIT.OK,
  };
}
