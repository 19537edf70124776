// The transaction ledger: an embedded SQLite database, the only code that touches it. Every send
// is claimed here (a committed `pending` row) before its request leaves the machine, and settled
// here from the answer, a callback, a query or a person.

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { marketByCurrency } from '../core/countries.js';
import { AirtimeError, type ErrorCode, EXIT } from '../core/errors.js';
import { DAILY_WINDOW_MS } from '../core/limits.js';
import { minorToUnits4, parseReportedMoney } from '../core/money.js';
import type { MoneyLimits } from '../core/recipient.js';
import { type RepeatGuard, repeatCutoffs } from '../core/repeat.js';
import type { Owner } from './owner.js';
import { MIGRATIONS } from './schema.js';

export type Environment = 'sandbox' | 'live';
export type TransactionState = 'pending' | 'sent' | 'delivered' | 'failed' | 'unknown';
export const FINAL_STATES: readonly TransactionState[] = ['sent', 'delivered', 'failed'];

/**
 * `FULL`: a commit is on disk when it returns, so even a power cut cannot lose a `pending` row (and
 * with it the knowledge that money may have moved). `NORMAL` under WAL survives a killed process but
 * a power cut may undo the last commits. The ledger runs FULL, and relaxes only the settling commit
 * after an answer: losing that one to a power cut leaves the row `pending`, which a re-run treats as
 * `unknown` (never as unsent), so it costs an `airtime reconcile`, never a second payment. See the
 * README for the measurements.
 */
export type Synchronous = 'FULL' | 'NORMAL';

export interface StoredTransaction {
  id: number;
  account: string;
  environment: Environment;
  idempotencyKey: string;
  phoneNumber: string;
  country: string;
  currency: string;
  amountMinor: number;
  batchId: string | null;
  reference: string | null;
  rowNumber: number | null;
  state: TransactionState;
  /** Africa's Talking's word: Sent, Failed, Success. */
  atStatus: string | null;
  requestId: string | null;
  discountCurrency: string | null;
  /** The discount in ten-thousandths of its own currency. */
  discountUnits4: number | null;
  errorCode: ErrorCode | null;
  errorMessage: string | null;
  /** The exit code of the run that settled it, so a replay exits the same way. */
  exitCode: number | null;
  attempts: number;
  maxNumRetry: number | null;
  firstAttemptAt: number | null;
  createdAt: number;
  updatedAt: number;
  settledAt: number | null;
  owner: Owner | null;
  osUser: string;
  host: string;
  validatedTransactionId: string | null;
  settledBy: string | null;
  note: string | null;
}

export interface NewTransaction {
  account: string;
  environment: Environment;
  idempotencyKey: string;
  phoneNumber: string;
  country: string;
  currency: string;
  amountMinor: number;
  batchId?: string | null | undefined;
  reference?: string | null | undefined;
  rowNumber?: number | null | undefined;
  maxNumRetry?: number | null | undefined;
  owner: Owner;
  osUser: string;
  host: string;
  /** A single send without --key: refused when it repeats a recent payment (src/core/repeat.ts). */
  repeatGuard?: RepeatGuard | undefined;
}

export type ClaimOutcome =
  | { kind: 'created'; row: StoredTransaction }
  | { kind: 'existing'; row: StoredTransaction }
  /** The daily cap refused it; nothing was recorded. */
  | { kind: 'over-cap'; spentMinor: number; capMinor: number }
  /** The repeat guard refused it: `match` pays the same number, amount and currency; nothing was recorded. */
  | { kind: 'repeat'; match: StoredTransaction };

/** Thrown inside the claim's transaction to roll the insert back. */
class OverCap extends Error {
  constructor(
    readonly spentMinor: number,
    readonly capMinor: number,
  ) {
    super('over the daily cap');
  }
}

/** Thrown inside the claim's transaction to roll the insert back. */
class RepeatFound extends Error {
  constructor(readonly match: StoredTransaction) {
    super('repeats a recent payment');
  }
}

/** How a transaction ended (or stands): the fields an answer, a callback or a person settles. */
export type Settlement = Pick<
  StoredTransaction,
  'state' | 'atStatus' | 'requestId' | 'discountCurrency' | 'discountUnits4' | 'errorCode' | 'errorMessage'
> & { exitCode: number };

export interface TransactionFilter {
  environment?: Environment | undefined;
  since?: number | undefined;
  until?: number | undefined;
  state?: TransactionState | undefined;
  reference?: string | undefined;
  currency?: string | undefined;
  limit?: number | undefined;
}

/**
 * Every Database, Statement and row iterator this process makes, kept until it exits.
 * better-sqlite3 12 (the last to support Node 20) wraps them in node::ObjectWrap, whose destructor
 * on Node 24.19+ aborts the process when V8 collects one outside a JavaScript context (an idle GC,
 * or the final teardown): WiseLibs/better-sqlite3#1515, fixed only in 13, which needs Node 22.
 * Never letting them become garbage avoids it. There are a few dozen: statements are cached by
 * their SQL, and only the one-shot `send --file` and `export` iterate, once or twice a run.
 */
const KEEP: object[] = [];
const STATEMENTS = new Map<Database.Database, Map<string, Database.Statement>>();

/** A prepared statement for this SQL on this database, made once and kept (see KEEP). */
export function prepare(db: Database.Database, sql: string): Database.Statement {
  let cache = STATEMENTS.get(db);
  if (!cache) {
    cache = new Map();
    STATEMENTS.set(db, cache);
  }
  let statement = cache.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** Rows of a query one at a time, without holding them all (the iterator is kept, see KEEP). */
export function iterateRows(db: Database.Database, sql: string, params: unknown[]): IterableIterator<unknown> {
  const rows = prepare(db, sql).iterate(...params);
  KEEP.push(rows);
  return rows;
}

// SQLite reads a name starting with `file:` as a URI only when asked, and better-sqlite3 asks when
// this is set as its native part loads (at the first open). Only Ledger.openForReading's fallback
// uses a URI (`immutable=1`); the ledger's own paths are absolute, so never taken for one.
process.env.SQLITE_USE_URI = '1';

function openDatabase(path: string, options: Database.Options): Database.Database {
  const db = new Database(path, options);
  KEEP.push(db);
  return db;
}

/** PRAGMA user_version, read without making a Statement the caller would let go of. */
function userVersion(db: Database.Database): number {
  return Number(prepare(db, 'PRAGMA user_version').pluck().get());
}

/** Money that has left, or may have: the daily cap counts these states, REPEAT_PAYMENT matches them. */
export const SPENT_STATES = "('pending', 'sent', 'delivered', 'unknown')";

/** One account in one environment: the ledger keeps each one's keys and payments apart. */
export interface LedgerScope {
  account: string;
  environment: Environment;
}

/**
 * How far back a status callback may settle an `unknown` row by number and value (from either
 * side: `airtime serve` receiving it, or a send ending unknown adopting an orphan). AT's own
 * retries (maxNumRetry) can deliver hours after the send; a day is as far as the daily cap looks,
 * and further back the chance of matching someone else's send of the same value only grows.
 */
export const UNKNOWN_MATCH_MAX_AGE_MS = 24 * 60 * 60 * 1000;

interface Row {
  [column: string]: unknown;
}

/** The columns that name a pending row's owner (schema 4), in the order ownerValues gives them. */
const OWNER_COLUMNS = ['owner_pid', 'owner_host', 'owner_boot_id', 'owner_pid_ns', 'owner_start_ticks', 'owner_started_at'];
const SET_OWNER = OWNER_COLUMNS.map((column) => `${column} = ?`).join(', ');
/** Compare-and-set on every column of the owner seen, NULLs included. */
const OWNER_IS = OWNER_COLUMNS.map((column) => `${column} IS ?`).join(' AND ');
const NO_OWNER = OWNER_COLUMNS.map((column) => `${column} = NULL`).join(', ');

function ownerValues(owner: Owner | null): unknown[] {
  if (!owner) return OWNER_COLUMNS.map(() => null);
  return [owner.pid, owner.host, owner.bootId, owner.pidNamespace, owner.startTicks, owner.legacyStartedAt];
}

export interface OpenOptions {
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
}

export class Ledger {
  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
    private readonly synchronous: Synchronous = 'FULL',
  ) {}

  /**
   * Opens (creating when missing) the ledger for writing: the folder 0700, the file 0600, WAL so
   * readers never block the writer, and a busy timeout so processes can share it. Any failure is
   * exit 4 LEDGER_ERROR naming the path, before any request is made.
   */
  static open(path: string, options: OpenOptions = {}): Ledger {
    return guard(
      path,
      () => {
        makeFolders(dirname(path));
        if (!existsSync(path)) {
          closeSync(openSync(path, 'a', 0o600));
          chmodSync(path, 0o600);
        }
        const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
        const db = openDatabase(path, { timeout: busyTimeoutMs });
        try {
          useWal(db, busyTimeoutMs);
          db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}; PRAGMA foreign_keys = ON;`);
          migrate(db);
          // Prove the file can be written now, not after a request has left.
          prepare(db, 'UPDATE transactions SET id = id WHERE 0').run();
          db.exec('BEGIN IMMEDIATE; COMMIT;');
        } catch (error) {
          db.close();
          throw error;
        }
        return new Ledger(path, db, options.synchronous ?? 'FULL');
      },
      true,
    );
  }

  /** Opens an existing ledger to read it; a missing ledger is an empty one (null). */
  static openForReading(path: string): Ledger | null {
    if (!existsSync(path)) return null;
    return guard(path, () => {
      const db = openReadOnly(path);
      try {
        const version = userVersion(db);
        if (version === 0) {
          db.close();
          return null;
        }
        if (version > MIGRATIONS.length) {
          throw new Error(`it was written by a newer airtime (schema ${version}, this one knows ${MIGRATIONS.length})`);
        }
      } catch (error) {
        if (db.open) db.close();
        throw error;
      }
      return new Ledger(path, db);
    });
  }

  /**
   * A connection that wrote runs `PRAGMA optimize` before it closes, as SQLite advises: it analyses
   * the tables whose statistics the queries of this connection would have used, so the planner keeps
   * choosing the indexes as the ledger grows. Bounded (analysis_limit, a short busy wait) and never
   * an error: statistics missed now are gathered by the next writer.
   */
  close(): void {
    if (!this.db.open) return;
    if (!this.db.readonly) {
      try {
        this.db.exec('PRAGMA busy_timeout = 200; PRAGMA analysis_limit = 400; PRAGMA optimize;');
      } catch {
        // A ledger locked by another writer, or unwritable now: the next writer does it.
      }
    }
    this.db.close();
  }

  /**
   * Claims a key: inserts a `pending` row, or finds the row that already holds the key. The unique
   * constraint decides (two processes cannot both insert), and the daily cap is checked in the same
   * write transaction, so two processes cannot both squeeze under it. A new row already counts its
   * first attempt: the request follows at once, and one commit fewer per send matters (README).
   */
  claim(input: NewTransaction, now: number, dailyCaps: MoneyLimits = {}): ClaimOutcome {
    try {
      return this.write(() => this.insertClaim(input, now, dailyCaps));
    } catch (error) {
      if (error instanceof OverCap) return { kind: 'over-cap', spentMinor: error.spentMinor, capMinor: error.capMinor };
      if (error instanceof RepeatFound) return { kind: 'repeat', match: error.match };
      throw error;
    }
  }

  /**
   * Claims several keys in one commit. If the group as a whole would pass a daily cap, it is rolled
   * back and the keys are claimed one by one, so exactly the rows that fit get in.
   */
  claimMany(inputs: readonly NewTransaction[], now: number, dailyCaps: MoneyLimits = {}): ClaimOutcome[] {
    if (inputs.length === 1) return [this.claim(inputs[0] as NewTransaction, now, dailyCaps)];
    try {
      return this.write(() => inputs.map((input) => this.insertClaim(input, now, dailyCaps)));
    } catch (error) {
      if (!(error instanceof OverCap) && !(error instanceof RepeatFound)) throw error;
      return inputs.map((input) => this.claim(input, now, dailyCaps));
    }
  }

  /** Inside a write transaction: one key's insert (or its existing row) and the daily cap check. */
  private insertClaim(input: NewTransaction, now: number, dailyCaps: MoneyLimits): ClaimOutcome {
    const inserted = this.statement(
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency,
         amount_minor, batch_id, reference, row_number, state, max_num_retry, attempts, first_attempt_at,
         created_at, updated_at, ${OWNER_COLUMNS.join(', ')}, os_user, host)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, 1, ?, ?, ?, ${OWNER_COLUMNS.map(() => '?').join(', ')}, ?, ?)
       ON CONFLICT (account, environment, idempotency_key) DO NOTHING
       RETURNING *`,
    ).get(
      input.account,
      input.environment,
      input.idempotencyKey,
      input.phoneNumber,
      input.country,
      input.currency,
      input.amountMinor,
      input.batchId ?? null,
      input.reference ?? null,
      input.rowNumber ?? null,
      input.maxNumRetry ?? null,
      now,
      now,
      now,
      ...ownerValues(input.owner),
      input.osUser,
      input.host,
    ) as Row | undefined;
    if (!inserted) {
      const existing = this.byKey(input.account, input.environment, input.idempotencyKey);
      if (!existing) throw new Error('a claimed key has no row');
      return { kind: 'existing', row: existing };
    }
    if (input.repeatGuard) {
      // Under the write lock, with this row already in: of two processes racing the same send, the
      // second finds the first's row here, whichever inserted first.
      const match = this.findRepeat(input, input.repeatGuard, now, inserted.id as number);
      if (match) throw new RepeatFound(match);
    }
    const cap = dailyCaps[input.currency as keyof MoneyLimits];
    if (cap !== undefined) {
      const spent = this.spentSince(input.account, input.environment, input.currency, now - DAILY_WINDOW_MS);
      // Throwing rolls the insert back: a refused send leaves no row behind.
      if (spent > cap) throw new OverCap(spent, cap);
    }
    return { kind: 'created', row: toTransaction(inserted) };
  }

  /**
   * The most recent transaction of this account and environment paying this number this amount in
   * this currency that a new send without a key would repeat (src/core/repeat.ts), if any.
   */
  findRepeat(
    payment: Pick<NewTransaction, 'account' | 'environment' | 'phoneNumber' | 'currency' | 'amountMinor'>,
    guard: RepeatGuard,
    now: number,
    excludeId = -1,
  ): StoredTransaction | undefined {
    const cutoffs = repeatCutoffs(now, guard);
    const row = this.statement(
      `SELECT * FROM transactions
       WHERE phone_number = @phone AND currency = @currency AND amount_minor = @amount
         AND account = @account AND environment = @environment AND id <> @exclude
         AND ((state IN ('sent', 'delivered') AND @accepted IS NOT NULL AND created_at > @accepted)
           OR (state IN ('pending', 'unknown') AND created_at > @unsettled))
       ORDER BY created_at DESC, id DESC LIMIT 1`,
    ).get({
      phone: payment.phoneNumber,
      currency: payment.currency,
      amount: payment.amountMinor,
      account: payment.account,
      environment: payment.environment,
      exclude: excludeId,
      accepted: cutoffs.accepted,
      unsettled: cutoffs.unsettled,
    }) as Row | undefined;
    return row && toTransaction(row);
  }

  /**
   * Gives back claims whose requests never left (a bulk send stopped by Ctrl-C while rows were
   * claimed ahead): only rows still pending under this owner, on their first attempt.
   */
  release(ids: readonly number[], owner: Owner): void {
    if (ids.length === 0) return;
    this.write(() => {
      for (const id of ids) {
        this.statement(`DELETE FROM transactions WHERE id = ? AND state = 'pending' AND attempts = 1 AND ${OWNER_IS}`).run(
          id,
          ...ownerValues(owner),
        );
      }
    });
  }

  /** Recorded and committed before each further request leaves: one more attempt, and who makes it. */
  beginAttempt(id: number, owner: Owner, now: number): StoredTransaction {
    this.write(() =>
      this.statement(
        `UPDATE transactions SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, ?),
           state = 'pending', ${SET_OWNER}, updated_at = ?
         WHERE id = ?`,
      ).run(now, ...ownerValues(owner), now, id),
    );
    return this.mustGet(id);
  }

  /**
   * Takes over a `pending` row whose owner is gone, or an `unknown` one, for a resend. A compare-
   * and-set on the owner seen: of two processes recovering one row, only one gets it.
   */
  takeOver(id: number, seen: Owner | null, owner: Owner, now: number, resetWindow = false): boolean {
    const result = this.write(() =>
      this.statement(
        `UPDATE transactions SET ${SET_OWNER}, state = 'pending',
           first_attempt_at = CASE WHEN ? THEN NULL ELSE first_attempt_at END, updated_at = ?
         WHERE id = ? AND state IN ('pending', 'unknown') AND ${OWNER_IS}`,
      ).run(...ownerValues(owner), resetWindow ? 1 : 0, now, id, ...ownerValues(seen)),
    );
    return result.changes === 1;
  }

  /**
   * Records the outcome, and the answers it came from, in one commit: the one commit that need not
   * wait for the disk (see Synchronous).
   */
  settle(id: number, settlement: Settlement, now: number, events: { kind: string; payload: unknown }[] = []): void {
    this.settleMany([{ id, settlement, now, events }]);
  }

  /** Several settlements in one commit (a bulk send's answers that arrived together). */
  settleMany(items: readonly { id: number; settlement: Settlement; now: number; events?: { kind: string; payload: unknown }[] }[]): void {
    if (items.length === 0) return;
    if (this.synchronous === 'FULL') this.statement('PRAGMA synchronous = NORMAL').run();
    try {
      this.write(() => {
        for (const item of items) this.settleNow(item.id, item.settlement, item.now, item.events ?? []);
      });
    } finally {
      if (this.synchronous === 'FULL') this.statement('PRAGMA synchronous = FULL').run();
    }
  }

  private settleNow(id: number, settlement: Settlement, now: number, events: { kind: string; payload: unknown }[]): void {
    this.write(() => {
      for (const event of events) this.insertEvent(id, event.kind, event.payload, now);
      // A row Africa's Talking accepted stays accepted: a later settlement can only be a second
      // sender's answer for the same key ("duplicate", at best), which knows less. Its events stay.
      const settled = this.statement(
        `UPDATE transactions SET state = ?, at_status = ?, request_id = ?, discount_currency = ?, discount_units4 = ?,
           error_code = ?, error_message = ?, exit_code = ?, updated_at = ?, settled_at = ?,
           ${NO_OWNER}
         WHERE id = ? AND state NOT IN ('sent', 'delivered')`,
      ).run(
        settlement.state,
        settlement.atStatus,
        settlement.requestId,
        settlement.discountCurrency,
        settlement.discountUnits4,
        settlement.errorCode,
        settlement.errorMessage,
        settlement.exitCode,
        now,
        settlement.state === 'pending' ? null : now,
        id,
      );
      if (settled.changes === 0) return;
      if (settlement.state === 'sent' && settlement.requestId !== null) this.adoptEarlyCallbacks(id, settlement.requestId, now);
      if (settlement.state === 'unknown') this.adoptLostCallback(id, now);
    });
  }

  /**
   * Status callbacks that arrived for this requestId before the send's own answer did (kept as
   * orphans) are attached to the transaction and applied by the usual rule. Runs inside the
   * settlement's transaction.
   */
  private adoptEarlyCallbacks(id: number, requestId: string, now: number): void {
    const row = this.mustGet(id);
    // An orphan kept for another account or environment is not this send's, whatever its requestId.
    const orphans = this.statement(
      `SELECT id, payload FROM events
       WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND json_extract(payload, '$.requestId') = ?
         AND (environment IS NULL OR (account = ? AND environment = ?))
       ORDER BY id`,
    ).all(requestId, row.account, row.environment) as { id: number; payload: string }[];
    for (const orphan of orphans) {
      const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
      this.statement('UPDATE events SET transaction_id = ? WHERE id = ?').run(id, orphan.id);
      this.recordDelivery(
        id,
        {
          status: String(fields.status ?? ''),
          description: typeof fields.description === 'string' ? fields.description : null,
          requestId,
          source: 'callback, before the answer',
          payload: fields,
        },
        now,
      );
    }
  }

  /**
   * A send that ends `unknown` (its answer lost: a duplicate, a timeout) may already have had its
   * status callback, kept as an orphan because no row bore its requestId yet: one of the same
   * number and value from the last 24 hours settles it, as `airtime serve` does the other way round.
   * Only one kept for this row's account and environment: matched by value alone, a sandbox
   * callback could otherwise settle a live payment (or the reverse), and one kept without them (by
   * a serve with no username, or before schema 5) could be either.
   */
  private adoptLostCallback(id: number, now: number): void {
    const row = this.mustGet(id);
    const market = marketByCurrency(row.currency);
    if (!market || row.requestId !== null) return;
    const orphans = this.statement(
      `SELECT id, payload FROM events
       WHERE transaction_id IS NULL AND kind = 'orphan-callback' AND at >= ? AND json_extract(payload, '$.phoneNumber') = ?
         AND account = ? AND environment = ?
       ORDER BY id DESC`,
    ).all(Math.max(now - UNKNOWN_MATCH_MAX_AGE_MS, row.createdAt), row.phoneNumber, row.account, row.environment) as {
      id: number;
      payload: string;
    }[];
    for (const orphan of orphans) {
      const fields = JSON.parse(orphan.payload) as Record<string, unknown>;
      const value = parseReportedMoney(fields.value);
      const status = String(fields.status ?? '');
      if (!value || value.currency !== row.currency || value.units4 !== minorToUnits4(row.amountMinor, market)) continue;
      if ((status !== 'Success' && status !== 'Failed') || typeof fields.requestId !== 'string') continue;
      this.statement('UPDATE events SET transaction_id = ? WHERE id = ?').run(id, orphan.id);
      this.recordDelivery(
        id,
        {
          status,
          description: typeof fields.description === 'string' ? fields.description : null,
          requestId: fields.requestId,
          source: 'callback, for a lost answer',
          payload: fields,
        },
        now,
      );
      this.statement('UPDATE transactions SET exit_code = ? WHERE id = ?').run(status === 'Success' ? EXIT.OK : EXIT.FAILED, id);
      return;
    }
  }

  /**
   * Appends to a transaction's history (or, with no transaction, an orphan event, with the account
   * and environment it arrived for when they are known).
   */
  recordEvent(transactionId: number | null, kind: string, payload: unknown, now: number, scope: LedgerScope | null = null): void {
    this.write(() => this.insertEvent(transactionId, kind, payload, now, scope));
  }

  private insertEvent(transactionId: number | null, kind: string, payload: unknown, now: number, scope: LedgerScope | null = null): void {
    this.statement('INSERT INTO events (transaction_id, kind, at, payload, account, environment) VALUES (?, ?, ?, ?, ?, ?)').run(
      transactionId,
      kind,
      now,
      typeof payload === 'string' ? payload : JSON.stringify(payload),
      scope?.account ?? null,
      scope?.environment ?? null,
    );
  }

  events(transactionId: number): { kind: string; at: number; payload: string }[] {
    return this.statement('SELECT kind, at, payload FROM events WHERE transaction_id = ? ORDER BY id').all(transactionId) as {
      kind: string;
      at: number;
      payload: string;
    }[];
  }

  get(id: number): StoredTransaction | undefined {
    const row = this.statement('SELECT * FROM transactions WHERE id = ?').get(id) as Row | undefined;
    return row && toTransaction(row);
  }

  byKey(account: string, environment: Environment, key: string): StoredTransaction | undefined {
    const row = this.statement('SELECT * FROM transactions WHERE account = ? AND environment = ? AND idempotency_key = ?').get(
      account,
      environment,
      key,
    ) as Row | undefined;
    return row && toTransaction(row);
  }

  /** Transactions named by a requestId, an idempotency key or a batch id. */
  lookup(id: string, environment?: Environment): StoredTransaction[] {
    const rows = this.statement(
      `SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND request_id = @id
       UNION SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND idempotency_key = @id
       UNION SELECT * FROM transactions WHERE (@env IS NULL OR environment = @env) AND batch_id = @id
       ORDER BY row_number, created_at, id`,
    ).all({ env: environment ?? null, id }) as Row[];
    return rows.map(toTransaction);
  }

  /** The most recent transactions, newest first. */
  recent(filter: TransactionFilter): StoredTransaction[] {
    const { where, params } = whereClause(filter);
    const rows = prepare(this.db, `SELECT * FROM transactions ${where} ORDER BY created_at DESC, id DESC LIMIT ?`).all(
      ...params,
      filter.limit ?? 20,
    ) as Row[];
    return rows.map(toTransaction);
  }

  /** Every transaction of a period, oldest first, without holding them all in memory. */
  *iterate(filter: TransactionFilter): Generator<StoredTransaction> {
    const { where, params } = whereClause(filter);
    for (const row of iterateRows(this.db, `SELECT * FROM transactions ${where} ORDER BY created_at, id`, params)) {
      yield toTransaction(row as Row);
    }
  }

  /**
   * Minor units of a currency pending, sent, delivered or unknown since a moment: the per-minute
   * totals (schema 2) of whole minutes after it, plus the rows of the minute it falls in.
   */
  spentSince(account: string, environment: Environment, currency: string, since: number): number {
    const minute = Math.floor(since / 60_000);
    const row = this.statement(
      `SELECT
         (SELECT COALESCE(SUM(amount_minor), 0) FROM spend_by_minute
           WHERE account = @account AND environment = @environment AND currency = @currency AND minute > @minute)
       + (SELECT COALESCE(SUM(amount_minor), 0) FROM transactions
           WHERE account = @account AND environment = @environment AND currency = @currency
             AND created_at > @since AND created_at < (@minute + 1) * 60000 AND state IN ${SPENT_STATES}) AS total`,
    ).get({ account, environment, currency, minute, since }) as { total: number };
    return row.total;
  }

  /**
   * A delivery result from a status callback or a status query. The rule: `Success` wins. Airtime
   * that reached a phone cannot be taken back, so a late `Failed` after `Success` changes nothing
   * (it is kept as an event); a `Success` after `Failed` (AT's own maxNumRetry retries can do
   * this) marks it delivered. The same result twice changes nothing and records nothing.
   */
  recordDelivery(
    id: number,
    delivery: { status: string; description: string | null; requestId: string | null; source: string; payload: unknown },
    now: number,
  ): { changed: boolean; row: StoredTransaction } {
    return this.write(() => {
      const row = this.mustGet(id);
      const target: TransactionState | null = delivery.status === 'Success' ? 'delivered' : delivery.status === 'Failed' ? 'failed' : null;
      const event = { source: delivery.source, status: delivery.status, description: delivery.description, payload: delivery.payload };
      if (target === null || row.state === target || (row.state === 'delivered' && target === 'failed')) {
        // Only a contradicting result is worth keeping; in-flight words (Queued, Sent) are not.
        if (target !== null && row.state !== target) {
          this.insertEvent(id, 'delivery-ignored', event, now);
        }
        return { changed: false, row };
      }
      this.statement(
        `UPDATE transactions SET state = ?, at_status = ?, request_id = COALESCE(request_id, ?), error_code = ?,
           error_message = ?, updated_at = ?, settled_at = ?, ${NO_OWNER}
         WHERE id = ?`,
      ).run(
        target,
        delivery.status,
        delivery.requestId,
        target === 'failed' ? 'REJECTED' : null,
        target === 'failed' ? (delivery.description ?? 'delivery failed') : null,
        now,
        now,
        id,
      );
      this.insertEvent(id, 'delivery', event, now);
      return { changed: true, row: this.mustGet(id) };
    });
  }

  /** Settles a transaction by hand (`airtime reconcile`), recording who and when. */
  reconcile(
    id: number,
    settlement: Omit<Settlement, 'discountCurrency' | 'discountUnits4'>,
    by: string,
    note: string | null,
    now: number,
  ): StoredTransaction {
    this.write(() => {
      const updated = this.statement(
        `UPDATE transactions SET state = ?, at_status = ?, request_id = COALESCE(?, request_id), error_code = ?,
           error_message = ?, exit_code = ?, updated_at = ?, settled_at = ?, settled_by = ?, note = ?,
           ${NO_OWNER}
         WHERE id = ? AND state IN ('pending', 'unknown')`,
      ).run(
        settlement.state,
        settlement.atStatus,
        settlement.requestId,
        settlement.errorCode,
        settlement.errorMessage,
        settlement.exitCode,
        now,
        now,
        by,
        note,
        id,
      );
      // Settled by someone else since it was read (an answer, a callback): that word stands.
      if (updated.changes === 0)
        throw new AirtimeError(
          'USAGE',
          `the transaction was settled (${this.mustGet(id).state}) while reconcile was deciding; nothing was changed`,
        );
      this.insertEvent(id, 'reconcile', { as: settlement.state, requestId: settlement.requestId, by, note }, now);
    });
    return this.mustGet(id);
  }

  /**
   * Totals for `airtime stats`, per state, currency and discount currency, and the top failure
   * reasons. Each query reads one covering index in order (see the schema), never the table; with
   * no environment given, each environment is read on its own and the results merged, which keeps
   * that property.
   */
  aggregate(filter: TransactionFilter): {
    totals: {
      state: TransactionState;
      currency: string;
      discountCurrency: string | null;
      count: number;
      amountMinor: number;
      discountUnits4: number | null;
    }[];
    failureReasons: { reason: string; count: number }[];
    first: number | null;
    last: number | null;
  } {
    const environments: Environment[] = filter.environment ? [filter.environment] : ['sandbox', 'live'];
    const totals: ReturnType<Ledger['aggregate']>['totals'] = [];
    const reasons = new Map<string, number>();
    let first: number | null = null;
    let last: number | null = null;
    for (const environment of environments) {
      const { where, params } = whereClause({ ...filter, environment });
      totals.push(
        ...(prepare(
          this.db,
          `SELECT state, currency, discount_currency AS discountCurrency, COUNT(*) AS count, SUM(amount_minor) AS amountMinor,
             SUM(discount_units4) AS discountUnits4
           FROM transactions ${where} GROUP BY state, currency, discount_currency`,
        ).all(...params) as ReturnType<Ledger['aggregate']>['totals']),
      );
      const failures = prepare(
        this.db,
        `SELECT COALESCE(error_message, 'unknown reason') AS reason, COUNT(*) AS count FROM transactions
         ${where} AND state = 'failed' GROUP BY reason`,
      ).all(...params) as { reason: string; count: number }[];
      for (const { reason, count } of failures) reasons.set(reason, (reasons.get(reason) ?? 0) + count);
      const range = prepare(
        this.db,
        `SELECT (SELECT created_at FROM transactions ${where} ORDER BY created_at LIMIT 1) AS first,
                (SELECT created_at FROM transactions ${where} ORDER BY created_at DESC LIMIT 1) AS last`,
      ).get(...params, ...params) as { first: number | null; last: number | null };
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
  countPeriod(filter: TransactionFilter): { attempts: number; sent: number; failed: number; unknown: number } {
    const { where, params } = whereClause(filter);
    const row = prepare(
      this.db,
      `SELECT COUNT(*) AS attempts, COALESCE(SUM(state IN ('sent', 'delivered')), 0) AS sent,
         COALESCE(SUM(state = 'failed'), 0) AS failed, COALESCE(SUM(state IN ('unknown', 'pending')), 0) AS unknown
       FROM transactions ${where}`,
    ).get(...params) as { attempts: number; sent: number; failed: number; unknown: number };
    return row;
  }

  /** For benchmarks and tests: runs statements on the raw database. */
  unsafeExec(sql: string): void {
    this.db.exec(sql);
  }

  /**
   * For the other modules of src/ledger (callbacks, batches): `fn` runs inside one write
   * transaction on the raw database, with the ledger's error handling.
   */
  withWrite<T>(fn: (db: Database.Database) => T): T {
    return this.write(() => fn(this.db));
  }

  /** For the other modules of src/ledger: reads on the raw database. */
  withRead<T>(fn: (db: Database.Database) => T): T {
    return guard(this.path, () => fn(this.db));
  }

  private mustGet(id: number): StoredTransaction {
    const row = this.get(id);
    if (!row) throw new Error(`transaction ${id} vanished`);
    return row;
  }

  private statement(sql: string): Database.Statement {
    return prepare(this.db, sql);
  }

  /**
   * A write transaction that takes the write lock at once (BEGIN IMMEDIATE), so a second process
   * waits out the busy timeout instead of failing on a lock upgrade.
   */
  private write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    try {
      this.statement('BEGIN IMMEDIATE').run();
      try {
        const result = fn();
        this.statement('COMMIT').run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.statement('ROLLBACK').run();
        throw error;
      }
    } catch (error) {
      if (error instanceof AirtimeError || error instanceof OverCap || error instanceof RepeatFound) throw error;
      throw ledgerError(this.path, error);
    }
  }
}

/**
 * Switches the ledger to WAL, waiting as long as the busy timeout for other processes. SQLite's own
 * busy timeout does not cover this step: changing a new file's mode reads its header, then asks
 * for the write lock, and if another connection holds that lock SQLite answers SQLITE_BUSY at once
 * (waiting could deadlock two readers that both want to write). Two cron jobs creating the ledger
 * at the same instant hit exactly that, so the switch is tried again here until the timeout.
 */
function useWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waitMs = 2; ; waitMs = Math.min(waitMs * 2, 50)) {
    try {
      db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() + waitMs > deadline) throw error;
      // A synchronous pause, as SQLite's busy handler does: opening the ledger is synchronous.
      Atomics.wait(pause, 0, 0, waitMs);
    }
  }
}

/**
 * A WAL ledger opened read-only still needs its -shm file, and creates it when missing: in a folder
 * it cannot write (a read-only mount, another user's folder) that fails, and `status`, `stats` and
 * `export` could not read a ledger they only need to read. Then it is opened `immutable`, which
 * needs no -shm and takes no locks, as long as no -wal file holds commits the database file lacks
 * (a ledger closed cleanly has none: the last connection folds the WAL in and removes it).
 */
function openReadOnly(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true, timeout: 10_000 });
    // The -shm file is opened at the first read, not at open: read now, to know.
    userVersion(db);
    return db;
  } catch (error) {
    if (db?.open) db.close();
    const code = String((error as { code?: unknown }).code);
    if (!code.startsWith('SQLITE_READONLY') && !code.startsWith('SQLITE_CANTOPEN')) throw error;
    if ((statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0) > 0) {
      throw new Error(
        'its folder cannot be written, and its -wal file holds recent commits that only a writable copy can read: copy ledger.db and its -wal file to a writable folder and point AIRTIME_LEDGER there',
        { cause: error },
      );
    }
    return openDatabase(`file:${encodeURI(path).replace(/[?#]/g, encodeURIComponent)}?immutable=1`, {
      readonly: true,
      fileMustExist: true,
    });
  }
}

/**
 * Creates the ledger's folder and any missing parents (0700), one at a time. Node's recursive
 * mkdir spins for ever under /proc, where mkdir answers ENOENT for a parent that exists and Node
 * takes that as "make the parent first"; here the nearest existing parent must be a folder, and a
 * missing folder that cannot be made is the answer at once.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  for (let folder = dir; ; folder = dirname(folder)) {
    const stats = statSync(folder, { throwIfNoEntry: false });
    if (stats) {
      if (!stats.isDirectory()) throw Object.assign(new Error(`${folder} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(folder);
    if (dirname(folder) === folder) break;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process made it meanwhile (two cron jobs creating the ledger at once).
      if (code === 'EEXIST' && statSync(folder).isDirectory()) continue;
      throw new Error(`its folder ${folder} cannot be created (${code ?? String(error)})`, { cause: error });
    }
  }
}

function migrate(db: Database.Database): void {
  for (;;) {
    const version = userVersion(db);
    if (version > MIGRATIONS.length) {
      throw new Error(`it was written by a newer airtime (schema ${version}, this one knows ${MIGRATIONS.length})`);
    }
    if (version === MIGRATIONS.length) return;
    // Two processes may open a new ledger at once (two cron jobs): the version is read again under
    // the write lock, so only one of them runs each migration.
    db.transaction(() => {
      const locked = userVersion(db);
      if (locked !== version) return;
      db.exec(MIGRATIONS[version] ?? '');
      db.exec(`PRAGMA user_version = ${version + 1}`);
    }).immediate();
  }
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

/** Maps a `transactions` row (SELECT *) to a StoredTransaction. */
export function toTransaction(row: Record<string, unknown>): StoredTransaction {
  const ownerPid = row.owner_pid as number | null;
  return {
    id: row.id as number,
    account: row.account as string,
    environment: row.environment as Environment,
    idempotencyKey: row.idempotency_key as string,
    phoneNumber: row.phone_number as string,
    country: row.country as string,
    currency: row.currency as string,
    amountMinor: row.amount_minor as number,
    batchId: row.batch_id as string | null,
    reference: row.reference as string | null,
    rowNumber: row.row_number as number | null,
    state: row.state as TransactionState,
    atStatus: row.at_status as string | null,
    requestId: row.request_id as string | null,
    discountCurrency: row.discount_currency as string | null,
    discountUnits4: row.discount_units4 as number | null,
    errorCode: row.error_code as ErrorCode | null,
    errorMessage: row.error_message as string | null,
    exitCode: row.exit_code as number | null,
    attempts: row.attempts as number,
    maxNumRetry: row.max_num_retry as number | null,
    firstAttemptAt: row.first_attempt_at as number | null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
    settledAt: row.settled_at as number | null,
    owner:
      ownerPid === null
        ? null
        : {
            pid: ownerPid,
            host: row.owner_host as string,
            bootId: row.owner_boot_id as string | null,
            pidNamespace: row.owner_pid_ns as number | null,
            startTicks: row.owner_start_ticks as number | null,
            legacyStartedAt: row.owner_started_at as number | null,
          },
    osUser: row.os_user as string,
    host: row.host as string,
    validatedTransactionId: row.validated_transaction_id as string | null,
    settledBy: row.settled_by as string | null,
    note: row.note as string | null,
  };
}

function guard<T>(path: string, fn: () => T, opening = false): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof AirtimeError) throw error;
    throw ledgerError(path, error, opening);
  }
}

/**
 * "The disk is full", with what is left, when it is: SQLITE_FULL or ENOSPC say so, and so does an
 * I/O error (a -shm file that cannot grow, a write that fails) on a file system with no room left,
 * which SQLite reports only as "disk I/O error".
 */
function diskFull(path: string, code: string | undefined): string | undefined {
  if (code !== 'SQLITE_FULL' && code !== 'ENOSPC' && !code?.startsWith('SQLITE_IOERR')) return undefined;
  let free: number | undefined;
  try {
    const fs = statfsSync(dirname(path));
    free = fs.bavail * fs.bsize;
  } catch {
    free = undefined;
  }
  // An I/O error with room to spare is something else (a failing disk, a vanished mount).
  if (code.startsWith('SQLITE_IOERR') && (free === undefined || free >= 1024 * 1024)) return undefined;
  return `the disk is full${free === undefined ? '' : ` (${Math.floor(free / 1024)} KiB free on its file system)`}`;
}

/** `opening`: raised before any request could leave, so the hint may say nothing was sent. */
function ledgerError(path: string, error: unknown, opening = false): AirtimeError {
  const err = error as { code?: string; message?: string };
  const reasons: Record<string, string> = {
    SQLITE_NOTADB: 'it is not an SQLite database (corrupt, or another file)',
    SQLITE_CORRUPT: 'it is corrupt',
    SQLITE_READONLY: 'it is read-only',
    SQLITE_CANTOPEN: 'it cannot be opened',
    SQLITE_BUSY: 'another process held it locked for too long',
    ENOSPC: 'the disk is full',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a file is in the way of its folder',
    EEXIST: 'a file is in the way of its folder',
    EISDIR: 'it is a folder',
    EROFS: 'the file system is read-only',
  };
  // SQLite's extended codes (SQLITE_READONLY_DIRECTORY, SQLITE_IOERR_WRITE…) read as their family.
  const family =
    err.code === undefined ? undefined : Object.keys(reasons).find((code) => err.code === code || err.code?.startsWith(`${code}_`));
  const reason = diskFull(path, err.code) ?? (family && reasons[family]) ?? err.message ?? String(error);
  return new AirtimeError('LEDGER_ERROR', `the ledger ${path} cannot be used: ${reason}`, {
    hint: opening
      ? 'fix the file or point AIRTIME_LEDGER (config `ledger`) elsewhere; nothing was sent'
      : 'fix the file or point AIRTIME_LEDGER (config `ledger`) elsewhere',
    cause: error,
  });
}
