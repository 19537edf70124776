// The caps a dry run checks: it answers whether a send would go, and a cap can say no.
import type { Settings } from '../config/schema.js';
import { type Context, environmentFor } from '../context.js';
import type { Market } from '../core/countries.js';
import { checkDailyTotals, checkRunTotals, DAILY_WINDOW_MS } from '../core/limits.js';

/** limits.perRun, and limits.daily against the ledger as it stands (read only; none yet is none spent). */
export async function checkCapsForDryRun(ctx: Context, settings: Settings, totals: ReadonlyMap<Market, number>): Promise<void> {
  checkRunTotals(totals, settings.limits.perRun);
  const { username } = settings;
  const environment = environmentFor(settings);
  if (username === undefined || environment === undefined) return;
  const ledger = await ctx.readLedger(settings);
  if (!ledger) return;
  const since = ctx.clock.now() - DAILY_WINDOW_MS;
  checkDailyTotals(totals, (currency) => ledger.spentSince(username, environment, currency, since), settings.limits.daily);
}
