// Connections to the shared PostgreSQL ledger: a small pool, each piece of work (a statement, or a
// transaction: BEGIN … COMMIT on one connection) on a connection of its own. A connection lost
// mid-statement fails the work in hand (LEDGER_ERROR, exit 4: the request it was about to record
// does not leave) and later work gets a new connection, so `serve` outlives a database restart.
// Errors name the host and database, never the password. `pg` is loaded only when a postgres://
// ledger is used: SQLite users pay nothing for it at start-up.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { AirtimeError } from '../../core/errors.js';
import { locationPassword, redactLocation } from '../../core/ledger-location.js';

/** What a statement may run for: a stuck server or a lock never released must not hang a cron job. */
export const STATEMENT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

export interface Query {
  /** Rows of one statement; `$1`, `$2`… are its parameters. */
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  row<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** How many rows a statement changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface TransactionOptions {
  /** Advisory transaction locks to take with BEGIN (sorted, so every host takes them in one order). */
  locks?: readonly string[];
  /**
   * false: COMMIT returns before the server has flushed the commit to disk (synchronous_commit
   * off for this transaction only). A server crash may then lose it, never corrupt anything.
   */
  durable?: boolean;
}

/** Thrown inside a transaction to roll it back with an answer for the caller (a refused claim). */
export class Rollback<T> extends Error {
  constructor(readonly answer: T) {
    super('rolled back');
  }
}

/** Connections one process keeps open: a bulk send's lookups, claims and settlements overlap. */
const POOL_SIZE = 8;
/** And those for settlements, which commit without waiting for the server's disk. */
const FAST_POOL_SIZE = 4;

export class PostgresConnection {
  /** The location as it may be shown: the password redacted. */
  readonly shown: string;
  private pool: Promise<Pool> | undefined;
  /** Connections whose commits do not wait for the server's disk (settlements: see TransactionOptions). */
  private fastPool: Promise<Pool> | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly statementTimeoutMs = STATEMENT_TIMEOUT_MS,
  ) {
    this.shown = redactLocation(url);
  }

  /**
   * Runs `work` on a connection of its own (opened when needed), outside a transaction. `durable:
   * false`: on a connection whose commits return before the server's disk has them.
   */
  async use<T>(work: (query: Query) => Promise<T>, options: { durable?: boolean } = {}): Promise<T> {
    const pool = await this.open(options.durable ?? true);
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.failure(error);
    }
    let broken: Error | undefined;
    // A connection lost while in use is reported here as well as by the statement that fails on
    // it: heard, so it cannot end the process as an unhandled 'error' event.
    const lost = (error: Error) => {
      broken ??= error;
    };
    client.on('error', lost);
    try {
      return await work(queryOf(client));
    } catch (error) {
      // A connection that failed is not given back for another piece of work to fail on.
      if (isConnectionLoss(error)) broken ??= error instanceof Error ? error : new Error(String(error));
      throw this.failure(error);
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  /**
   * A transaction: committed when `work` returns, rolled back when it throws (a `Rollback` passes
   * through for the caller to turn into an answer). Under READ COMMITTED; decisions that must see
   * every other host's commits take an advisory transaction lock first (see claims).
   */
  transaction<T>(work: (query: Query) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const { locks = [], durable = true } = options;
    return this.use(
      async (query) => {
        try {
          await query.run(beginWith(locks, durable));
          const result = await work(query);
          await query.run('COMMIT');
          return result;
        } catch (error) {
          // Never give a connection back inside a transaction, whatever failed (a lock that timed
          // out, a statement); a lost connection has none left, and the server discards it.
          await query.run('ROLLBACK').catch(() => undefined);
          throw error;
        }
      },
      { durable },
    );
  }

  /**
   * One statement in a transaction of its own, in one round trip: BEGIN with its advisory locks,
   * the statement and COMMIT are written to the server together (node-postgres's pipeline mode),
   * so a lock is held for the time the server takes, never while an answer travels to this
   * process and the next statement travels back. The statement decides everything itself: COMMIT
   * follows whatever it returns, and a statement that fails leaves its transaction aborted, which
   * that COMMIT rolls back. Durable: the rows come back once the commit is on the server's disk.
   */
  statement<T = Record<string, unknown>>(
    sql: string,
    params: readonly unknown[],
    options: { locks?: readonly string[] } = {},
  ): Promise<T[]> {
    return this.use(async (query) => {
      // All three are sent before the first answer is read; each is awaited, so a failure of one
      // is never left unheard, and the first is the one reported.
      const answers = await Promise.allSettled([
        query.run(beginWith(options.locks ?? [], true)),
        query.rows<T>(sql, params),
        query.run('COMMIT'),
      ]);
      const failed = answers.find((answer) => answer.status === 'rejected');
      if (failed) {
        // Whatever failed, nothing of the transaction is left open on the connection.
        await query.run('ROLLBACK').catch(() => undefined);
        throw failed.reason;
      }
      return (answers[1] as PromiseFulfilledResult<T[]>).value;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of [this.pool, this.fastPool]) {
      const pool = await pending?.catch(() => undefined);
      await pool?.end().catch(() => undefined);
    }
    this.pool = undefined;
    this.fastPool = undefined;
  }

  private open(durable: boolean): Promise<Pool> {
    if (this.closed) return Promise.reject(new Error('the ledger is closed'));
    const make = (max: number, onConnect?: string) =>
      import('pg').then(({ default: pg }) => {
        // 64-bit integers (times in ms, sums of amounts) come back as strings: every reader converts.
        // Pipeline mode: a query is written as soon as it is made, so statement() sends its three
        // at once; work that awaits each query in turn runs exactly as without it.
        const pool = new pg.Pool({ ...this.config(), max, pipeline: true });
        // A connection lost while idle (a restart, pg_terminate_backend) is dropped by the pool; the
        // next piece of work gets a new one.
        pool.on('error', () => undefined);
        // Queued before the connection is handed out, so it runs before any work on it.
        if (onConnect) pool.on('connect', (client) => void client.query(onConnect).catch(() => undefined));
        return pool;
      });
    if (durable) {
      this.pool ??= make(POOL_SIZE);
      return this.pool;
    }
    this.fastPool ??= make(FAST_POOL_SIZE, 'SET synchronous_commit = off');
    return this.fastPool;
  }

  private config(): PoolConfig {
    return {
      connectionString: this.url,
      // Which host and process holds a connection (a lock, a long statement), for whoever runs the database.
      application_name: `airtime/${hostname()}/${process.pid}`.slice(0, 63),
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: this.statementTimeoutMs,
      // A process stopped inside a transaction must not hold its locks (a cap's, a row's) for long.
      idle_in_transaction_session_timeout: this.statementTimeoutMs,
      keepAlive: true,
    };
  }

  /** Any failure as LEDGER_ERROR naming the ledger (its password redacted, in the text too). */
  private failure(error: unknown): unknown {
    if (error instanceof AirtimeError || error instanceof Rollback) return error;
    const lost = isConnectionLoss(error);
    const password = locationPassword(this.url);
    let reason = describe(error);
    if (password) reason = reason.split(password).join('***');
    const code = (error as { code?: string } | undefined)?.code;
    return new AirtimeError('LEDGER_ERROR', `the ledger ${this.shown} cannot be used: ${reason}`, {
      hint: lost
        ? 'the connection to PostgreSQL was lost; a request whose claim was not recorded did not leave: run the same command again when the database is back'
        : code === '42501'
          ? `the database user lacks a privilege it needs: see "Grant each host only what it uses" in airtime's docs/shared-ledger.md`
          : 'check that PostgreSQL is running and reachable, and the URL, user and database in AIRTIME_LEDGER (or config ledger)',
      cause: error,
    });
  }
}

/**
 * BEGIN, and the transaction's advisory locks, in one round trip (the simple query protocol runs
 * several statements; the names are quoted literals, never raw text), sorted so that every host
 * takes them in one order.
 */
function beginWith(locks: readonly string[], durable: boolean): string {
  const lock = (name: string) => `SELECT pg_advisory_xact_lock(hashtextextended(${quoteLiteral(name)}, 0))`;
  return ['BEGIN', ...(durable ? [] : ['SET LOCAL synchronous_commit = off']), ...[...locks].sort().map(lock)].join('; ');
}

/** A string as an SQL literal (E'…' when it holds a backslash), as libpq's PQescapeLiteral quotes it. */
function quoteLiteral(text: string): string {
  const quoted = `'${text.replace(/'/g, "''").replace(/\\/g, '\\\\')}'`;
  return text.includes('\\') ? `E${quoted}` : quoted;
}

function queryOf(client: PoolClient): Query {
  return {
    async rows<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows as T[];
    },
    async row<T>(sql: string, params: readonly unknown[] = []) {
      return (await client.query(sql, params as unknown[])).rows[0] as T | undefined;
    },
    async run(sql: string, params: readonly unknown[] = []) {
      // Without parameters, the simple protocol: one statement or several (BEGIN with its locks).
      const result = params.length === 0 ? await client.query(sql) : await client.query(sql, params as unknown[]);
      return (Array.isArray(result) ? result.at(-1) : result)?.rowCount ?? 0;
    },
  };
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

function isConnectionLoss(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03'))
    return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(message ?? '');
}

/** What went wrong, in words a person can act on; the server's own message otherwise. */
function describe(error: unknown): string {
  const { code, message = String(error) } = (error ?? {}) as { code?: string; message?: string };
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is PostgreSQL running there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case '28P01':
    case '28000':
      return `authentication failed (${message})`;
    case '42501':
      return `permission denied (${message})`;
    case '3D000':
      return `the database does not exist (${message})`;
    case '57014':
      return 'a statement ran past the statement timeout and was cancelled (a lock held elsewhere, or a stuck server)';
    case '57P01':
      return 'the server ended the connection (terminated by an administrator, or shutting down)';
    case '25P03':
      return 'a transaction was left idle too long and was ended by the server';
    default:
      return /timeout/i.test(message) ? `no answer from the server (${message})` : message;
  }
}

/** The database's clock in ms since the epoch, as a query reads it now. */
export const DB_NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/**
 * The database's clock, read once and carried forward by this process's monotonic clock, so no
 * step of the host's wall clock moves it: every age and window a shared ledger decides is on the
 * database's clock, whichever host decides it. Read again whenever the ledger renews its leases.
 */
export class DatabaseClock {
  private base = Date.now();
  private at = performance.now();

  now(): number {
    return Math.round(this.base + (performance.now() - this.at));
  }

  async sync(connection: PostgresConnection): Promise<void> {
    const before = performance.now();
    const row = await connection.use((q) => q.row<{ ms: string }>(`SELECT ${DB_NOW_MS} AS ms`));
    const after = performance.now();
    this.base = Number(row?.ms);
    // The server read its clock somewhere in the round trip: the middle is the best guess.
    this.at = (before + after) / 2;
  }
}
