// What `status`, `stats` and `export` read from the SQLite ledger. Each query reads one covering
// index in order (see the schema), which keeps a million-row ledger's stats well under a second.
import type { Environment } from '../../core/environment.js';
import { type Aggregate, type PeriodCounts, type StoredTransaction, type TransactionFilter, toTransaction } from '../records.js';
import { iterateRows, type SqliteDatabase } from './driver.js';
import type { Row } from './rows.js';

/** Transactions named by a requestId, an idempotency key or a batch id. */
export function lookup(ledger: SqliteDatabase, id: string, environment?: Environment): StoredTransaction[] {
  const rows = ledger
    .statement(
      `SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND request_id = @id
       UNION SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND idempotency_key = @id
       UNION SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND batch_id = @id
       ORDER BY row_number, created_at, id`,
    )
    .all({ env: environment ?? null, id }) as Row[];
  return rows.map(toTransaction);
}

/** The most recent transactions, newest first. */
export function recent(ledger: SqliteDatabase, filter: TransactionFilter): StoredTransaction[] {
  const { where, params } = whereClause(filter);
  const rows = ledger
    .statement(`SELECT * FROM transactions ${where} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .all(...params, filter.limit ?? 20) as Row[];
  return rows.map(toTransaction);
}

/** Every transaction of a period, oldest first, without holding them all in memory. */
export function* iterate(ledger: SqliteDatabase, filter: TransactionFilter): Generator<StoredTransaction> {
  const { where, params } = whereClause(filter);
  for (const row of iterateRows(ledger.db, `SELECT * FROM transactions ${where} ORDER BY created_at, id`, params)) {
    yield toTransaction(row as Row);
  }
}

/**
 * Totals for `airtime stats`, per state, currency and discount currency, and the top failure
 * reasons. With no environment given, each environment is read on its own and the results merged,
 * which keeps every query an index range.
 */
export function aggregate(ledger: SqliteDatabase, filter: TransactionFilter): Aggregate {
  const environments: Environment[] = filter.environment ? [filter.environment] : ['sandbox', 'live'];
  const totals: Aggregate['totals'] = [];
  const reasons = new Map<string, number>();
  let first: number | null = null;
  let last: number | null = null;
  for (const environment of environments) {
    const { where, params } = whereClause({ ...filter, environment });
    totals.push(
      ...(ledger
        .statement(
          `SELECT state, currency, discount_currency AS discountCurrency, COUNT(*) AS count, SUM(amount_minor) AS amountMinor,
             SUM(discount_units4) AS discountUnits4
           FROM transactions ${where} GROUP BY state, currency, discount_currency`,
        )
        .all(...params) as Aggregate['totals']),
    );
    const failures = ledger
      .statement(
        `SELECT COALESCE(error_message, 'unknown reason') AS reason, COUNT(*) AS count FROM transactions
         ${where} AND state = 'failed' GROUP BY reason`,
      )
      .all(...params) as { reason: string; count: number }[];
    for (const { reason, count } of failures) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
    const range = ledger
      .statement(
        `SELECT (SELECT created_at FROM transactions ${where} ORDER BY created_at LIMIT 1) AS first,
                (SELECT created_at FROM transactions ${where} ORDER BY created_at DESC LIMIT 1) AS last`,
      )
      .get(...params, ...params) as { first: number | null; last: number | null };
    if (range.first !== null) first = first === null ? range.first : Math.min(first, range.first);
    if (range.last !== null) last = last === null ? range.last : Math.max(last, range.last);
  }
  const failureReasons = [...reasons]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, 5);
  return { totals, failureReasons, first, last };
}

/** Counts of one period (a local day) for the per-day chart, by conditional sums: no sort. */
export function countPeriod(ledger: SqliteDatabase, filter: TransactionFilter): PeriodCounts {
  const { where, params } = whereClause(filter);
  return ledger
    .statement(
      `SELECT COUNT(*) AS attempts, COALESCE(SUM(state IN ('sent', 'delivered')), 0) AS sent,
         COALESCE(SUM(state = 'failed'), 0) AS failed, COALESCE(SUM(state IN ('unknown', 'pending')), 0) AS unknown
       FROM transactions ${where}`,
    )
    .get(...params) as PeriodCounts;
}

function whereClause(filter: TransactionFilter): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    conditions.push(condition);
    params.push(value);
  };
  // Always name the environment: every index leads with it, so even "both" is an index range.
  if (filter.environment) add('environment = ?', filter.environment);
  else conditions.push("environment IN ('sandbox', 'live')");
  if (filter.since !== undefined) add('created_at >= ?', filter.since);
  if (filter.until !== undefined) add('created_at < ?', filter.until);
  if (filter.state) add('state = ?', filter.state);
  if (filter.reference !== undefined) add('reference = ?', filter.reference);
  if (filter.currency) add('currency = ?', filter.currency);
  return { where: conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', params };
}
