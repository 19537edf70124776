// Each row's idempotency key, and what running a batch again would send: a re-run of the same file
// finds the same keys, so it resumes instead of paying again.
import { retryKey, rowKey } from '../core/batch.js';
import type { Market } from '../core/countries.js';
import { marketByCurrency } from '../core/countries.js';
import type { MoneyLimits } from '../core/recipient.js';
import { deliveryRetriesUntil } from '../core/retry.js';
import type { LedgerScope, StoredTransaction } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { RepeatMatch } from '../results/bulk.js';
import { checkFile, type ValidRow } from './check.js';
import type { Input } from './input.js';
import { repeatMatch } from './refusals.js';

/**
 * The row's key: its `key` column, else derived from the batch and its content. With
 * --retry-failed a failed row gets the next fresh key (its old one is spent: AT would answer
 * "duplicate" within the window, and pay it again after, unannounced). Without it, the row's
 * latest key: a row resent by an earlier --retry-failed is that resend.
 */
export async function keyForRow(
  row: ValidRow,
  batchId: string,
  ledger: Pick<Ledger, 'byKey'>,
  scope: LedgerScope,
  retryFailed: boolean,
  now: number,
  onHeld?: (failed: StoredTransaction, until: number) => void,
): Promise<string> {
  const base = baseKey(row, batchId);
  for (let attempt = 0, previous = base; ; attempt += 1) {
    const key = attempt === 0 ? base : retryKey(base, attempt);
    const existing = await ledger.byKey(scope.account, scope.environment, key);
    if (!existing) return retryFailed ? key : previous;
    if (existing.state !== 'failed') return key;
    const until = deliveryRetriesUntil(existing);
    if (retryFailed && until !== undefined && now < until) {
      onHeld?.(existing, until);
      return key;
    }
    previous = key;
  }
}

/** The row's first key: its `key` column, else derived from the batch and its content. */
export function baseKey(row: ValidRow, batchId: string): string {
  return (
    row.key ??
    rowKey(batchId, {
      phoneNumber: row.recipient.phoneNumber,
      amountMinor: row.recipient.amountMinor,
      currency: row.recipient.market.currency,
      reference: row.reference,
      occurrence: row.occurrence,
    })
  );
}

/**
 * The ledger as keyForRow reads it for a group of rows: their first keys looked up in one query
 * (a shared ledger answers over the network), any other key as usual.
 */
export async function prefetchedKeys(
  ledger: Pick<Ledger, 'byKey' | 'byKeys'>,
  scope: LedgerScope,
  keys: readonly string[],
): Promise<Pick<Ledger, 'byKey'> & { found: ReadonlyMap<string, StoredTransaction> }> {
  const found = await ledger.byKeys(scope.account, scope.environment, keys);
  const asked = new Set(keys);
  return {
    found,
    byKey: (account, environment, key) =>
      account === scope.account && environment === scope.environment && asked.has(key)
        ? Promise.resolve(found.get(key))
        : ledger.byKey(account, environment, key),
  };
}

/** What the ledger holds under a key in this account and environment (the validation pass asks). */
export function recordedKeys(ledger: Pick<Ledger, 'byKey'>, scope: LedgerScope) {
  return (key: string) => ledger.byKey(scope.account, scope.environment, key);
}

/** Rows a re-run's plan keys together. */
const PLAN_ROWS = 500;

/**
 * Running a batch again: reads the file once more, each row under the key it would be sent with,
 * to find what the ledger has not recorded (what this run sends) and which of those rows repeat a
 * recent payment that is not this file's own.
 */
export async function planRun(args: {
  ledger: Ledger;
  scope: LedgerScope;
  batchId: string;
  input: Input;
  country: string | undefined;
  perRecipient: MoneyLimits;
  retryFailed: boolean;
  since: number;
  now: number;
}): Promise<{ unsent: Map<Market, number>; repeatCount: number; repeats: RepeatMatch[] }> {
  const { ledger, scope, batchId, input } = args;
  const planner = ledger.runPlanner(scope, args.since);
  // Rows are keyed PLAN_ROWS at a time, their first keys looked up in one query (a shared ledger
  // answers over the network: one round trip a row would be most of a re-run's planning).
  let waiting: ValidRow[] = [];
  const plan = async () => {
    const rows = waiting;
    waiting = [];
    if (rows.length === 0) return;
    const known = await prefetchedKeys(
      ledger,
      scope,
      rows.map((row) => baseKey(row, batchId)),
    );
    for (const row of rows) {
      await planner.add({
        row: row.row,
        key: await keyForRow(row, batchId, known, scope, args.retryFailed, args.now),
        phoneNumber: row.recipient.phoneNumber,
        currency: row.recipient.market.currency,
        amountMinor: row.recipient.amountMinor,
      });
    }
  };
  await checkFile(input.source, input.format, {
    name: input.name,
    country: args.country,
    perRecipient: args.perRecipient,
    recordedKey: recordedKeys(ledger, scope),
    onValidRow: async (row) => {
      waiting.push(row);
      if (waiting.length >= PLAN_ROWS) await plan();
    },
  });
  await plan();
  const result = await planner.finish();
  const unsent = new Map<Market, number>();
  for (const [currency, minor] of result.unsent) {
    const market = marketByCurrency(currency);
    if (market) unsent.set(market, minor);
  }
  const repeats = result.repeats.map(({ row, match }) => repeatMatch(row, match));
  return { unsent, repeatCount: result.repeatCount, repeats };
}
