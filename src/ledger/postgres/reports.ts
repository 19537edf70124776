// What `status`, `stats`, `export` and bulk runs read from the shared ledger: the same answers as
// the SQLite ledger's reports, as SQL aggregates over the indexes in the schema.
import { randomUUID } from 'node:crypto';
import type { Environment } from '../../core/environment.js';
import {
  type Aggregate,
  type LedgerScope,
  type PeriodCounts,
  SPENT_STATES,
  type StoredTransaction,
  type TransactionFilter,
  toTransaction,
} from '../records.js';
import type { PlannedRow, RunPlan, RunPlanner, RunRows } from '../store.js';
import type { PostgresConnection, Query } from './connection.js';
import { keyedRow } from './rows.js';

export async function lookup(q: Query, id: string, environment?: Environment): Promise<StoredTransaction[]> {
  const rows = await q.rows(
    `SELECT * FROM transactions WHERE ($2::text IS NULL OR environment = $2) AND (request_id = $1 OR idempotency_key = $1 OR batch_id = $1)
     ORDER BY row_number NULLS FIRST, created_at, id`,
    [id, environment ?? null],
  );
  return rows.map(toTransaction);
}

export async function recent(q: Query, filter: TransactionFilter): Promise<StoredTransaction[]> {
  const { where, params } = whereClause(filter);
  const rows = await q.rows(`SELECT * FROM transactions ${where} ORDER BY created_at DESC, id DESC LIMIT $${params.length + 1}`, [
    ...params,
    filter.limit ?? 20,
  ]);
  return rows.map(toTransaction);
}

/** Every transaction of a period, oldest first, a page at a time (keyset on created_at and id). */
export async function* iterate(connection: PostgresConnection, filter: TransactionFilter): AsyncGenerator<StoredTransaction> {
  const { where, params } = whereClause(filter);
  let after: { createdAt: number; id: number } | null = null;
  for (;;) {
    const page: StoredTransaction[] = await connection.use(async (q) => {
      const n = params.length;
      const keyset = after === null ? '' : `${where ? 'AND' : 'WHERE'} (created_at, id) > ($${n + 1}, $${n + 2})`;
      const rows = await q.rows(`SELECT * FROM transactions ${where} ${keyset} ORDER BY created_at, id LIMIT 1000`, [
        ...params,
        ...(after === null ? [] : [after.createdAt, after.id]),
      ]);
      return rows.map(toTransaction);
    });
    yield* page;
    const last = page.at(-1);
    if (page.length < 1000 || !last) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

export async function aggregate(q: Query, filter: TransactionFilter): Promise<Aggregate> {
  const { where, params } = whereClause(filter);
  const totals = await q.rows<{
    state: Aggregate['totals'][number]['state'];
    currency: string;
    discountCurrency: string | null;
    count: string;
    amountMinor: string;
    discountUnits4: string | null;
  }>(
    `SELECT state, currency, discount_currency AS "discountCurrency", COUNT(*) AS count, SUM(amount_minor) AS "amountMinor",
       SUM(discount_units4) AS "discountUnits4"
     FROM transactions ${where} GROUP BY state, currency, discount_currency`,
    params,
  );
  const failures = await q.rows<{ reason: string; count: string }>(
    `SELECT COALESCE(error_message, 'unknown reason') AS reason, COUNT(*) AS count FROM transactions
     ${where} AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`,
    params,
  );
  const range = await q.row<{ first: string | null; last: string | null }>(
    `SELECT MIN(created_at) AS first, MAX(created_at) AS last FROM transactions ${where}`,
    params,
  );
  const int = (value: string | null | undefined) => (value === null || value === undefined ? null : Number(value));
  return {
    totals: totals.map((row) => ({
      ...row,
      count: Number(row.count),
      amountMinor: Number(row.amountMinor),
      discountUnits4: int(row.discountUnits4),
    })),
    failureReasons: failures.map((row) => ({ reason: row.reason, count: Number(row.count) })),
    first: int(range?.first),
    last: int(range?.last),
  };
}

export async function countPeriod(q: Query, filter: TransactionFilter): Promise<PeriodCounts> {
  const { where, params } = whereClause(filter);
  const row = await q.row<Record<keyof PeriodCounts, string>>(
    `SELECT COUNT(*) AS attempts, COUNT(*) FILTER (WHERE state IN ('sent', 'delivered')) AS sent,
       COUNT(*) FILTER (WHERE state = 'failed') AS failed, COUNT(*) FILTER (WHERE state IN ('unknown', 'pending')) AS unknown
     FROM transactions ${where}`,
    params,
  );
  return { attempts: Number(row?.attempts), sent: Number(row?.sent), failed: Number(row?.failed), unknown: Number(row?.unknown) };
}

function whereClause(filter: TransactionFilter): { where: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    params.push(value);
    conditions.push(condition.replace('?', `$${params.length}`));
  };
  if (filter.environment) add('environment = ?', filter.environment);
  else conditions.push("environment IN ('sandbox', 'live')");
  if (filter.since !== undefined) add('created_at >= ?', filter.since);
  if (filter.until !== undefined) add('created_at < ?', filter.until);
  if (filter.state) add('state = ?', filter.state);
  if (filter.reference !== undefined) add('reference = ?', filter.reference);
  if (filter.currency) add('currency = ?', filter.currency);
  return { where: `WHERE ${conditions.join(' AND ')}`, params };
}

/** Rows written a thousand at a time, as arrays: one statement per thousand rows. */
class RunTable<T> {
  private pending: T[] = [];

  constructor(
    private readonly connection: PostgresConnection,
    private readonly write: (q: Query, rows: T[]) => Promise<unknown>,
  ) {}

  async add(row: T): Promise<void> {
    this.pending.push(row);
    if (this.pending.length >= 1000) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    await this.connection.use((q) => this.write(q, rows));
  }
}

/** What running an existing batch again with a file would do (see the SQLite ledger's RunPlanner). */
export class PostgresRunPlanner implements RunPlanner {
  private readonly run = randomUUID();
  private readonly rows: RunTable<PlannedRow>;

  constructor(
    private readonly connection: PostgresConnection,
    private readonly scope: LedgerScope,
    private readonly since: number,
    now: () => number,
  ) {
    this.rows = new RunTable(connection, (q, rows) =>
      q.run(
        `INSERT INTO planned_rows (run, at, row, key, phone, currency, amount)
         SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::bigint[])`,
        [
          this.run,
          now(),
          rows.map((r) => r.row),
          rows.map((r) => r.key),
          rows.map((r) => r.phoneNumber),
          rows.map((r) => r.currency),
          rows.map((r) => r.amountMinor),
        ],
      ),
    );
  }

  add(row: PlannedRow): Promise<void> {
    return this.rows.add(row);
  }

  async finish(): Promise<RunPlan> {
    await this.rows.flush();
    const { account, environment } = this.scope;
    return this.connection.use(async (q) => {
      const unsent = new Map<string, number>();
      const totals = await q.rows<{ currency: string; amount: string }>(
        `SELECT f.currency, SUM(f.amount) AS amount FROM planned_rows f
         WHERE f.run = $1 AND NOT EXISTS (SELECT 1 FROM ${keyedRow('$2', '$3', 'f.key')} t)
         GROUP BY f.currency`,
        [this.run, account, environment],
      );
      for (const { currency, amount } of totals) unsent.set(currency, Number(amount));
      // LATERAL, so each planned row is one index lookup (see RunRows).
      const repeats = `SELECT f.row AS planned_row, t.* FROM planned_rows f
         CROSS JOIN LATERAL (
           SELECT * FROM transactions t
           WHERE t.phone_number = f.phone AND t.currency = f.currency AND t.amount_minor = f.amount
             AND t.account = $2 AND t.environment = $3 AND t.created_at > $4 AND t.state IN ${SPENT_STATES}
             AND NOT EXISTS (SELECT 1 FROM planned_rows g WHERE g.run = $1 AND g.key = t.idempotency_key)
           ORDER BY t.created_at DESC LIMIT 1) t
         WHERE f.run = $1
           AND NOT EXISTS (SELECT 1 FROM ${keyedRow('$2', '$3', 'f.key')} x)
         ORDER BY f.row`;
      const params = [this.run, account, environment, this.since];
      const count = await q.row<{ count: string }>(`SELECT COUNT(*) AS count FROM (${repeats}) r`, params);
      const listed = await q.rows(`${repeats} LIMIT 50`, params);
      await q.run('DELETE FROM planned_rows WHERE run = $1', [this.run]);
      return {
        unsent,
        repeatCount: Number(count?.count ?? 0),
        repeats: listed.map((row) => ({ row: Number(row.planned_row), match: toTransaction(row) })),
      };
    });
  }
}

/** The rows of one bulk run, each with the key it was sent or replayed under (see the SQLite ledger's RunRows). */
export class PostgresRunRows implements RunRows {
  /** Its rows in run_rows; the ledger removes them when it closes (a report may list them twice). */
  readonly run = randomUUID();
  private readonly rows: RunTable<{ row: number; key: string }>;

  constructor(
    private readonly connection: PostgresConnection,
    now: () => number,
  ) {
    this.rows = new RunTable(connection, (q, rows) =>
      q.run('INSERT INTO run_rows (run, at, row, key) SELECT $1, $2, * FROM unnest($3::int[], $4::text[])', [
        this.run,
        now(),
        rows.map((r) => r.row),
        rows.map((r) => r.key),
      ]),
    );
  }

  add(row: number, key: string): Promise<void> {
    return this.rows.add({ row, key });
  }

  async *transactions(scope: LedgerScope): AsyncGenerator<{ row: number; transaction: StoredTransaction }> {
    await this.rows.flush();
    let after = -1;
    for (;;) {
      const page = await this.connection.use((q) =>
        q.rows(
          // Each row's transaction by its key (LATERAL: one index lookup a row, whatever the planner
          // believes of a ledger that grew since its statistics were taken, see keyedRow).
          `SELECT r.row AS run_row, t.* FROM (
             SELECT row, key FROM run_rows WHERE run = $1 AND row > $4 ORDER BY row LIMIT 1000) r
           CROSS JOIN LATERAL ${keyedRow('$2', '$3', 'r.key')} t
           ORDER BY r.row`,
          [this.run, scope.account, scope.environment, after],
        ),
      );
      for (const record of page) yield { row: Number(record.run_row), transaction: toTransaction(record) };
      if (page.length < 1000) break;
      after = Number(page.at(-1)?.run_row);
    }
  }
}
