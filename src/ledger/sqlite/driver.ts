// The SQLite driver: opening the file (creating, migrating and proving it writable, or reading one
// the process cannot write), write transactions that take the lock at once, kept statements, and
// errors that name the path and say what is wrong. Everything else of the SQLite store is SQL.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AirtimeError } from '../../core/errors.js';
import { MIGRATIONS } from './schema.js';

/**
 * `FULL`: a commit is on disk when it returns, so even a power cut cannot lose a `pending` row (and
 * with it the knowledge that money may have moved). `NORMAL` under WAL survives a killed process but
 * a power cut may undo the last commits. The ledger runs FULL, and relaxes only the settling commit
 * after an answer: losing that one to a power cut leaves the row `pending`, which a re-run treats as
 * `unknown` (never as unsent), so it costs an `airtime reconcile`, never a second payment. See the
 * docs/performance.md for the measurements.
 */
export type Synchronous = 'FULL' | 'NORMAL';

export interface OpenOptions {
  synchronous?: Synchronous;
  busyTimeoutMs?: number;
  /** `airtime ledger migrate` itself opens a ledger it already copied (to finish, or to check). */
  allowMoved?: boolean;
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
// this is set as its native part loads (at the first open). Only the read-only fallback uses a URI
// (`immutable=1`); the ledger's own paths are absolute, so never taken for one.
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

/** Thrown inside a write transaction to roll it back with an answer rather than an error. */
export class Rollback<T> extends Error {
  constructor(readonly answer: T) {
    super('rolled back');
  }
}

/** One open ledger file: its path, its connection, and write transactions with its error handling. */
export class SqliteDatabase {
  private constructor(
    readonly path: string,
    readonly db: Database.Database,
    readonly synchronous: Synchronous,
  ) {}

  /**
   * Opens (creating when missing) the ledger for writing: the folder 0700, the file 0600, WAL so
   * readers never block the writer, and a busy timeout so processes can share it. Any failure is
   * exit 4 LEDGER_ERROR naming the path, before any request is made.
   */
  static open(path: string, options: OpenOptions = {}): SqliteDatabase {
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
          if (!options.allowMoved) refuseMoved(db, path);
          // Prove the file can be written now, not after a request has left.
          prepare(db, 'UPDATE transactions SET id = id WHERE 0').run();
          db.exec('BEGIN IMMEDIATE; COMMIT;');
        } catch (error) {
          db.close();
          throw error;
        }
        return new SqliteDatabase(path, db, options.synchronous ?? 'FULL');
      },
      true,
    );
  }

  /** Opens an existing ledger to read it; a missing ledger is an empty one (null). */
  static openForReading(path: string): SqliteDatabase | null {
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
      return new SqliteDatabase(path, db, 'FULL');
    });
  }

  statement(sql: string): Database.Statement {
    return prepare(this.db, sql);
  }

  /** The schema version (PRAGMA user_version). */
  get version(): number {
    return userVersion(this.db);
  }

  /**
   * A write transaction that takes the write lock at once (BEGIN IMMEDIATE), so a second process
   * waits out the busy timeout instead of failing on a lock upgrade. A `Rollback` thrown inside
   * rolls back and passes through, for the caller to turn into an answer.
   */
  write<T>(fn: () => T): T {
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
      if (error instanceof AirtimeError || error instanceof Rollback) throw error;
      throw ledgerError(this.path, error);
    }
  }

  /** Reads, with the ledger's error handling. */
  read<T>(fn: () => T): T {
    return guard(this.path, fn);
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

/**
 * A ledger copied into a shared one (`airtime ledger migrate`) is not written again: a send through
 * it would pay what the shared ledger may already hold. Exit 4 naming where it went.
 */
function refuseMoved(db: Database.Database, path: string): void {
  const moved = prepare(db, "SELECT value FROM meta WHERE key = 'moved_to'").pluck().get() as string | undefined;
  if (moved === undefined) return;
  throw new AirtimeError('LEDGER_ERROR', `the ledger ${path} was moved to ${moved} by \`airtime ledger migrate\`: nothing was sent`, {
    hint: `point AIRTIME_LEDGER (or config ledger) at ${moved}; this file keeps its history for reading (status, export)`,
  });
}

/**
 * An online copy of the ledger to `target` (SQLite's backup API), consistent even while other
 * processes write: a plain copy of a WAL database can be torn. Resolves when the copy is complete.
 */
export async function backupTo(database: SqliteDatabase, target: string): Promise<void> {
  try {
    const done = database.db.backup(target);
    KEEP.push(done);
    await done;
  } catch (error) {
    throw ledgerError(target, error);
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
