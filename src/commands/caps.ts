// The caps a run checks before anything is sent, and a dry run checks too: it answers whether a
// send would go, and a cap can say no.
import type { Settings } from '../config/schema.js';
import type { Market } from '../core/countries.js';
import { checkDailyTotals, checkRunTotals, DAILY_WINDOW_MS } from '../core/limits.js';
import type { MoneyLimits } from '../core/recipient.js';
import type { LedgerScope } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import { type Context, environmentFor } from './context.js';

/** limits.daily for a whole run: what it would send plus what the ledger holds as spent in the last 24 hours. */
export async function checkDailyCaps(
  ledger: Pick<Ledger, 'spentSince'>,
  scope: LedgerScope,
  totals: ReadonlyMap<Market, number>,
  daily: MoneyLimits,
  now: number,
): Promise<void> {
  const spent = new Map<string, number>();
  for (const [market] of totals) {
    if (daily[market.currency] === undefined) continue;
    spent.set(market.currency, await ledger.spentSince(scope.account, scope.environment, market.currency, now - DAILY_WINDOW_MS));
  }
  checkDailyTotals(totals, (currency) => spent.get(currency) ?? 0, daily);
}

/** limits.perRun, and limits.daily against the ledger as it stands (read only; none yet is none spent). */
export async function checkCapsForDryRun(
  ctx: Pick<Context, 'readLedger' | 'clock'>,
  settings: Settings,
  totals: ReadonlyMap<Market, number>,
): Promise<void> {
  checkRunTotals(totals, settings.limits.perRun);
  const { username } = settings;
  const environment = environmentFor(settings);
  if (username === undefined || environment === undefined) return;
  const ledger = await ctx.readLedger(settings);
  if (!ledger) return;
  await checkDailyCaps(ledger, { account: username, environment }, totals, settings.limits.daily, ctx.clock.now());
}
