// SQLite ledger queries for bulk sends: whether a batch exists, its rows, and recent payments a new
// file would repeat.
import { type LedgerScope, SPENT_STATES, type StoredTransaction, toTransaction } from '../records.js';
import type { PlannedRow, RunPlan, RunPlanner, RunRows } from '../store.js';
import { iterateRows, prepare, type SqliteDatabase } from './driver.js';

export function batchExists(ledger: SqliteDatabase, scope: LedgerScope, batchId: string): boolean {
  return ledger.read(() =>
    Boolean(
      ledger
        .statement('SELECT 1 FROM transactions WHERE batch_id = ? AND account = ? AND environment = ? LIMIT 1')
        .get(batchId, scope.account, scope.environment),
    ),
  );
}

/**
 * The most recent transaction of this account and environment, since `since`, paying this phone
 * this amount in this currency and accepted or possibly accepted (sent, delivered, pending,
 * unknown): what a new file must not pay again by mistake.
 */
export function recentPayment(
  ledger: SqliteDatabase,
  scope: LedgerScope,
  payment: { phoneNumber: string; currency: string; amountMinor: number },
  since: number,
): StoredTransaction | undefined {
  const sql = `SELECT * FROM transactions
    WHERE phone_number = ? AND currency = ? AND amount_minor = ? AND created_at > ?
      AND account = ? AND environment = ? AND state IN ${SPENT_STATES}
    ORDER BY created_at DESC LIMIT 1`;
  const row = ledger.read(() =>
    ledger.statement(sql).get(payment.phoneNumber, payment.currency, payment.amountMinor, since, scope.account, scope.environment),
  );
  return row === undefined ? undefined : toTransaction(row as Record<string, unknown>);
}

/**
 * What running an existing batch again with a file would do. A row whose key the ledger holds is
 * the batch's own (replayed, or recovered); the rest are new, and only they count against the caps.
 * A new row repeats a payment when a payment of the window with its phone, amount and currency has
 * a key that no row of this file has: an edited or re-exported file under the same batch name pays
 * the same people under new keys. The file's keys are held in a temporary table (in SQLite's temp
 * store, never in the ledger file), so memory does not grow with the file.
 */
export class SqliteRunPlanner implements RunPlanner {
  private readonly rows: TemporaryTable;

  constructor(
    private readonly ledger: SqliteDatabase,
    private readonly scope: LedgerScope,
    private readonly since: number,
  ) {
    this.rows = new TemporaryTable(
      ledger,
      `CREATE TEMP TABLE IF NOT EXISTS planned_rows (row INTEGER, key TEXT, phone TEXT, currency TEXT, amount INTEGER);
       CREATE INDEX IF NOT EXISTS temp.planned_rows_key ON planned_rows (key);
       DELETE FROM temp.planned_rows;`,
      'INSERT INTO temp.planned_rows (row, key, phone, currency, amount) VALUES (?, ?, ?, ?, ?)',
    );
  }

  async add(row: PlannedRow): Promise<void> {
    this.rows.add([row.row, row.key, row.phoneNumber, row.currency, row.amountMinor]);
  }

  async finish(): Promise<RunPlan> {
    this.rows.flush();
    const { account, environment } = this.scope;
    const db = this.ledger.db;
    return this.ledger.read(() => {
      const unsent = new Map<string, number>();
      const totals = prepare(
        db,
        `SELECT f.currency AS currency, SUM(f.amount) AS amount FROM temp.planned_rows f
          WHERE NOT EXISTS (SELECT 1 FROM transactions t WHERE t.account = ? AND t.environment = ? AND t.idempotency_key = f.key)
          GROUP BY f.currency`,
      ).all(account, environment) as { currency: string; amount: number }[];
      for (const { currency, amount } of totals) unsent.set(currency, amount);
      const repeatsSql = `SELECT f.row AS planned_row, MAX(t.created_at) AS newest, t.* FROM temp.planned_rows f
          JOIN transactions t ON t.phone_number = f.phone AND t.currency = f.currency AND t.amount_minor = f.amount
         WHERE t.account = ? AND t.environment = ? AND t.created_at > ? AND t.state IN ${SPENT_STATES}
           AND NOT EXISTS (SELECT 1 FROM transactions x WHERE x.account = ? AND x.environment = ? AND x.idempotency_key = f.key)
           AND NOT EXISTS (SELECT 1 FROM temp.planned_rows g WHERE g.key = t.idempotency_key)
         GROUP BY f.row`;
      const params = [account, environment, this.since, account, environment];
      const repeatCount = Number(
        prepare(db, `SELECT COUNT(*) FROM (${repeatsSql})`)
          .pluck()
          .get(...params),
      );
      const listed = prepare(db, `${repeatsSql} ORDER BY f.row LIMIT 50`).all(...params) as Record<string, unknown>[];
      db.exec('DELETE FROM temp.planned_rows');
      return { unsent, repeatCount, repeats: listed.map((row) => ({ row: Number(row.planned_row), match: toTransaction(row) })) };
    });
  }
}

/**
 * The rows of one bulk run, each with the key it was sent or replayed under, so its report lists
 * exactly the file's rows, numbered as in this file, whatever earlier runs of the batch recorded.
 * Kept in a temporary table, as RunPlanner's, so memory does not grow with the file.
 */
export class SqliteRunRows implements RunRows {
  private readonly rows: TemporaryTable;

  constructor(private readonly ledger: SqliteDatabase) {
    this.rows = new TemporaryTable(
      ledger,
      'CREATE TEMP TABLE IF NOT EXISTS run_rows (row INTEGER, key TEXT); DELETE FROM temp.run_rows;',
      'INSERT INTO temp.run_rows (row, key) VALUES (?, ?)',
    );
  }

  async add(row: number, key: string): Promise<void> {
    this.rows.add([row, key]);
  }

  /** This run's rows in row order, each with its transaction as the ledger holds it now. */
  async *transactions(scope: LedgerScope): AsyncGenerator<{ row: number; transaction: StoredTransaction }> {
    this.rows.flush();
    const rows = this.ledger.read(() =>
      iterateRows(
        this.ledger.db,
        `SELECT r.row AS run_row, t.* FROM temp.run_rows r
           JOIN transactions t ON t.account = ? AND t.environment = ? AND t.idempotency_key = r.key
          ORDER BY r.row`,
        [scope.account, scope.environment],
      ),
    );
    for (const row of rows) {
      const record = row as Record<string, unknown>;
      yield { row: Number(record.run_row), transaction: toTransaction(record) };
    }
  }
}

/**
 * A temporary table filled a thousand rows per transaction. It lives in SQLite's temp store, never
 * in the ledger file, so writing it takes no lock other senders wait for.
 */
class TemporaryTable {
  private pending: unknown[][] = [];

  constructor(
    private readonly ledger: SqliteDatabase,
    schema: string,
    private readonly insertSql: string,
  ) {
    ledger.read(() => ledger.db.exec(schema));
  }

  add(values: unknown[]): void {
    this.pending.push(values);
    if (this.pending.length >= 1000) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const db = this.ledger.db;
    this.ledger.read(() => {
      const own = !db.inTransaction;
      if (own) prepare(db, 'BEGIN').run();
      try {
        const insert = prepare(db, this.insertSql);
        for (const row of rows) insert.run(...row);
        if (own) prepare(db, 'COMMIT').run();
      } catch (error) {
        if (own && db.inTransaction) prepare(db, 'ROLLBACK').run();
        throw error;
      }
    });
  }
}
