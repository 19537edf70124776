// `airtime ledger migrate --to postgres://…`: a host's SQLite ledger copied into the shared one,
// without losing a key or paying a row twice. The SQLite write lock is held for the whole copy (no
// send on this host can claim meanwhile); a live `pending` row refuses it; the copy is one
// PostgreSQL transaction (a kill leaves nothing half-copied), recorded by the ledger's id so a
// second run copies nothing twice; the counts and sums per state and currency are compared; and
// the file is marked as moved last, so a later send through it is refused (exit 4) naming the
// shared ledger. Several hosts' ledgers may be merged: a key the shared ledger already holds is
// reported, not copied, and so are payments of one number and value on one day from two hosts.
import { chmodSync, statSync } from 'node:fs';
import { AirtimeError } from '../core/errors.js';
import { redactLocation } from '../core/ledger-location.js';
import { ownerLiveness } from './owner.js';
// Through the stores' own modules, each its own file loaded on demand (scripts/build.mjs LAZY).
import { PostgresConnection, PostgresLedger, type Query } from './postgres/ledger.js';
import { SPENT_STATES, type StoredTransaction, toTransaction } from './records.js';
import { backupTo, SqliteDatabase } from './sqlite/ledger.js';

/** Every column of a transaction but its id, in the order both stores name them. */
const COLUMNS = [
  ['account', 'text'],
  ['environment', 'text'],
  ['idempotency_key', 'text'],
  ['phone_number', 'text'],
  ['country', 'text'],
  ['currency', 'text'],
  ['amount_minor', 'bigint'],
  ['batch_id', 'text'],
  ['reference', 'text'],
  ['row_number', 'int'],
  ['state', 'text'],
  ['at_status', 'text'],
  ['request_id', 'text'],
  ['discount_currency', 'text'],
  ['discount_units4', 'bigint'],
  ['error_code', 'text'],
  ['error_message', 'text'],
  ['exit_code', 'int'],
  ['attempts', 'int'],
  ['max_num_retry', 'int'],
  ['first_attempt_at', 'bigint'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['settled_at', 'bigint'],
  ['owner_pid', 'int'],
  ['owner_host', 'text'],
  ['owner_started_at', 'bigint'],
  ['owner_boot_id', 'text'],
  ['owner_pid_ns', 'bigint'],
  ['owner_start_ticks', 'bigint'],
  ['os_user', 'text'],
  ['host', 'text'],
  ['validated_transaction_id', 'text'],
  ['validated_at', 'bigint'],
  ['settled_by', 'text'],
  ['note', 'text'],
] as const;

const CHUNK = 500;

export interface MigrationConflict {
  key: string;
  account: string;
  environment: string;
  /** The row in this ledger, and the one the shared ledger holds under the same key. */
  state: string;
  theirs: { state: string; host: string };
}

export interface MigrationRepeat {
  phoneNumber: string;
  currency: string;
  amountMinor: number;
  /** The day (UTC) both were made. */
  day: string;
  hosts: string[];
  count: number;
}

export interface MigrationTotals {
  /** 'any' when checked again after an earlier copy (rows there may have been settled since). */
  state: string;
  currency: string;
  source: { count: number; amountMinor: number };
  copied: { count: number; amountMinor: number };
}

export interface MigrationReport {
  from: string;
  /** The shared ledger, its password redacted. */
  to: string;
  ledgerId: string;
  /** Rows copied by this run: 0 when an earlier run copied the ledger. */
  copied: number;
  alreadyCopied: boolean;
  events: number;
  conflicts: MigrationConflict[];
  repeats: MigrationRepeat[];
  repeatCount: number;
  totals: MigrationTotals[];
}

export async function migrateLedger(args: { from: string; to: string; host: string; now: number }): Promise<MigrationReport> {
  const shown = redactLocation(args.to);
  const sqlite = SqliteDatabase.open(args.from, { allowMoved: true });
  let connection: PostgresConnection | undefined;
  let locked = false;
  try {
    // Held to the end: no process of this host claims a key in this file while it is copied.
    sqlite.statement('BEGIN IMMEDIATE').run();
    locked = true;
    const meta = (key: string) => sqlite.statement('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
    const moved = meta('moved_to');
    if (moved !== undefined && moved !== shown) {
      throw new AirtimeError('LEDGER_ERROR', `the ledger ${args.from} was already moved to ${moved}, not ${shown}`);
    }
    refuseLivePending(sqlite, args.from);
    const ledgerId = meta('ledger_id') as string;

    // The shared ledger at this airtime's schema (created if new), then the copy.
    await (await PostgresLedger.open(args.to)).close();
    connection = new PostgresConnection(args.to);
    const copy = connection;
    const earlier = await copy.use((q) =>
      q.row<{ conflicts: string }>('SELECT conflicts FROM imported_ledgers WHERE source = $1', [ledgerId]),
    );
    let copied = 0;
    let events = 0;
    let conflicts: MigrationConflict[];
    if (earlier) {
      conflicts = JSON.parse(earlier.conflicts) as MigrationConflict[];
    } else {
      const result = await copy.transaction((q) => copyAll(q, sqlite, ledgerId, args));
      ({ copied, events, conflicts } = result);
    }

    // Checked again after an earlier copy, the shared ledger's rows may have moved on (settled,
    // delivered): then each currency's rows and amounts are compared, whatever their state.
    const totals = await compare(copy, sqlite, ledgerId, conflicts, !earlier);
    const mismatched = totals.filter((t) => t.source.count !== t.copied.count || t.source.amountMinor !== t.copied.amountMinor);
    if (mismatched.length > 0) {
      const what = mismatched.map((t) => `${t.state} ${t.currency}: ${t.source.count} here, ${t.copied.count} there`).join('; ');
      throw new AirtimeError('LEDGER_ERROR', `the copy in ${shown} does not match ${args.from}: ${what}`, {
        hint: 'nothing was marked as moved: this file stays the ledger; report this with `airtime --debug ledger migrate …`',
      });
    }
    const { repeats, repeatCount } = await acrossHosts(copy, ledgerId);

    // Last: the file is marked, and a send through it is refused from now on.
    sqlite
      .statement("INSERT OR REPLACE INTO meta (key, value) VALUES ('moved_to', ?), ('moved_at', ?)")
      .run(shown, new Date(args.now).toISOString());
    sqlite.statement('COMMIT').run();
    locked = false;
    return {
      from: args.from,
      to: shown,
      ledgerId,
      copied,
      alreadyCopied: Boolean(earlier),
      events,
      conflicts,
      repeats,
      repeatCount,
      totals,
    };
  } finally {
    if (locked) sqlite.statement('ROLLBACK').run();
    await connection?.close();
    sqlite.close();
  }
}

/** A row another process on this host is sending now cannot be copied mid-flight: refused, named. */
function refuseLivePending(sqlite: SqliteDatabase, path: string): void {
  const pending = (sqlite.statement("SELECT * FROM transactions WHERE state = 'pending'").all() as Record<string, unknown>[]).map(
    toTransaction,
  );
  const live = pending.filter((row: StoredTransaction) => row.owner !== null && ownerLiveness(row.owner) !== 'dead');
  if (live.length === 0) return;
  const first = live[0] as StoredTransaction;
  throw new AirtimeError(
    'LEDGER_ERROR',
    `the ledger ${path} has ${live.length} transaction(s) being sent right now (key ${first.idempotencyKey}, by process ${first.owner?.pid} on ${first.owner?.host}): nothing was copied`,
    { hint: 'let them finish (`airtime status --state pending`), stop the senders of this host, then run the same command again' },
  );
}

async function copyAll(
  q: Query,
  sqlite: SqliteDatabase,
  ledgerId: string,
  args: { from: string; host: string; now: number },
): Promise<{ copied: number; events: number; conflicts: MigrationConflict[] }> {
  const ids = new Map<number, number>();
  const conflicts: MigrationConflict[] = [];
  let copied = 0;
  const columns = COLUMNS.map(([name]) => name);
  for (let after = 0; ; ) {
    const rows = sqlite.statement('SELECT * FROM transactions WHERE id > ? ORDER BY id LIMIT ?').all(after, CHUNK) as Record<
      string,
      unknown
    >[];
    if (rows.length === 0) break;
    after = Number(rows.at(-1)?.id);
    const arrays = COLUMNS.map(([name]) => rows.map((row) => row[name] ?? null));
    const pending = rows.map((row) => row.state === 'pending');
    // A pending row's process is gone (live ones were refused): its lease has run out, so any host
    // may finish it under the single-send rules.
    const inserted = await q.rows<{ id: string; account: string; environment: string; idempotency_key: string }>(
      `INSERT INTO transactions (${columns.join(', ')}, owner_token, lease_expires_at, imported_from)
       SELECT ${columns.map((name) => `v.${name}`).join(', ')}, CASE WHEN v.p THEN 'migrated' END, CASE WHEN v.p THEN 0 END,
         $${COLUMNS.length + 2}
       FROM unnest(${COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${COLUMNS.length + 1}::boolean[])
         AS v(${columns.join(', ')}, p)
       ON CONFLICT DO NOTHING
       RETURNING id, account, environment, idempotency_key`,
      [...arrays, pending, ledgerId],
    );
    const made = new Map(inserted.map((row) => [JSON.stringify([row.account, row.environment, row.idempotency_key]), Number(row.id)]));
    for (const row of rows) {
      const key = JSON.stringify([row.account, row.environment, row.idempotency_key]);
      const id = made.get(key);
      if (id !== undefined) {
        ids.set(Number(row.id), id);
        copied += 1;
        continue;
      }
      const theirs = await q.row<{ state: string; host: string }>(
        'SELECT state, host FROM transactions WHERE account = $1 AND environment = $2 AND idempotency_key = $3',
        [row.account, row.environment, row.idempotency_key],
      );
      conflicts.push({
        key: String(row.idempotency_key),
        account: String(row.account),
        environment: String(row.environment),
        state: String(row.state),
        theirs: theirs ?? { state: 'unknown', host: 'unknown' },
      });
    }
  }
  let events = 0;
  for (let after = 0; ; ) {
    const rows = sqlite.statement('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(after, CHUNK * 2) as Record<
      string,
      unknown
    >[];
    if (rows.length === 0) break;
    after = Number(rows.at(-1)?.id);
    // The history of a row not copied (its key was already there) stays with this file.
    const kept = rows.filter((row) => row.transaction_id === null || ids.has(Number(row.transaction_id)));
    if (kept.length === 0) continue;
    await q.run(
      `INSERT INTO events (transaction_id, kind, at, payload, account, environment)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[])`,
      [
        kept.map((row) => (row.transaction_id === null ? null : ids.get(Number(row.transaction_id)))),
        kept.map((row) => row.kind),
        kept.map((row) => row.at),
        kept.map((row) => row.payload),
        kept.map((row) => row.account ?? null),
        kept.map((row) => row.environment ?? null),
      ],
    );
    events += kept.length;
  }
  await q.run('INSERT INTO imported_ledgers (source, host, path, at, copied, conflicts) VALUES ($1, $2, $3, $4, $5, $6)', [
    ledgerId,
    args.host,
    args.from,
    args.now,
    copied,
    JSON.stringify(conflicts),
  ]);
  return { copied, events, conflicts };
}

/** Counts and sums per state and currency, here and in the copy (rows not copied left out of both). */
async function compare(
  connection: PostgresConnection,
  sqlite: SqliteDatabase,
  ledgerId: string,
  conflicts: MigrationConflict[],
  byState: boolean,
): Promise<MigrationTotals[]> {
  const left = new Set(conflicts.map((c) => JSON.stringify([c.account, c.environment, c.key])));
  const totals = new Map<string, MigrationTotals>();
  const entry = (rowState: string, currency: string) => {
    const state = byState ? rowState : 'any';
    const name = `${state}/${currency}`;
    let found = totals.get(name);
    if (!found) {
      found = { state, currency, source: { count: 0, amountMinor: 0 }, copied: { count: 0, amountMinor: 0 } };
      totals.set(name, found);
    }
    return found;
  };
  const grouped = sqlite
    .statement('SELECT state, currency, COUNT(*) AS count, SUM(amount_minor) AS amount FROM transactions GROUP BY state, currency')
    .all() as { state: string; currency: string; count: number; amount: number }[];
  for (const row of grouped) {
    const t = entry(row.state, row.currency);
    t.source.count += row.count;
    t.source.amountMinor += row.amount;
  }
  for (const key of left) {
    const [account, environment, idempotencyKey] = JSON.parse(key) as string[];
    const row = sqlite
      .statement('SELECT state, currency, amount_minor FROM transactions WHERE account = ? AND environment = ? AND idempotency_key = ?')
      .get(account, environment, idempotencyKey) as { state: string; currency: string; amount_minor: number } | undefined;
    if (!row) continue;
    const t = entry(row.state, row.currency);
    t.source.count -= 1;
    t.source.amountMinor -= row.amount_minor;
  }
  const there = await connection.use((q) =>
    q.rows<{ state: string; currency: string; count: string; amount: string }>(
      `SELECT state, currency, COUNT(*) AS count, SUM(amount_minor) AS amount FROM transactions
       WHERE imported_from = $1 GROUP BY state, currency`,
      [ledgerId],
    ),
  );
  for (const row of there) {
    const t = entry(row.state, row.currency);
    t.copied.count += Number(row.count);
    t.copied.amountMinor += Number(row.amount);
  }
  return [...totals.values()]
    .filter((t) => t.source.count > 0 || t.copied.count > 0)
    .sort((a, b) => a.currency.localeCompare(b.currency) || a.state.localeCompare(b.state));
}

/** Payments of this ledger whose number, amount and day another host's ledger also has (UTC days). */
async function acrossHosts(connection: PostgresConnection, ledgerId: string): Promise<{ repeats: MigrationRepeat[]; repeatCount: number }> {
  return connection.use(async (q) => {
    const pairs = `SELECT t.phone_number, t.currency, t.amount_minor, t.created_at / 86400000 AS day,
         count(*) AS n, array_agg(DISTINCT t.host ORDER BY t.host) AS hosts
       FROM transactions t
       WHERE t.state IN ${SPENT_STATES}
         AND (t.phone_number, t.currency, t.amount_minor, t.created_at / 86400000) IN (
           SELECT phone_number, currency, amount_minor, created_at / 86400000 FROM transactions
           WHERE imported_from = $1 AND state IN ${SPENT_STATES})
       GROUP BY 1, 2, 3, 4
       HAVING count(DISTINCT COALESCE(t.imported_from, 'shared')) > 1`;
    const count = await q.row<{ n: string }>(`SELECT count(*) AS n FROM (${pairs}) p`, [ledgerId]);
    const rows = await q.rows<{ phone_number: string; currency: string; amount_minor: string; day: string; n: string; hosts: string[] }>(
      `${pairs} ORDER BY 4, 1 LIMIT 50`,
      [ledgerId],
    );
    return {
      repeatCount: Number(count?.n ?? 0),
      repeats: rows.map((row) => ({
        phoneNumber: row.phone_number,
        currency: row.currency,
        amountMinor: Number(row.amount_minor),
        day: new Date(Number(row.day) * 86_400_000).toISOString().slice(0, 10),
        hosts: row.hosts,
        count: Number(row.n),
      })),
    };
  });
}

/** `airtime ledger backup FILE`: an online copy of the SQLite ledger, checked and counted. */
export async function backupLedger(from: string, to: string): Promise<{ from: string; to: string; transactions: number; bytes: number }> {
  const sqlite = SqliteDatabase.open(from, { allowMoved: true });
  try {
    await backupTo(sqlite, to);
  } finally {
    sqlite.close();
  }
  // Phone numbers and amounts: readable by its owner only, as the ledger is.
  chmodSync(to, 0o600);
  const copy = SqliteDatabase.openForReading(to);
  if (!copy) throw new AirtimeError('LEDGER_ERROR', `the backup ${to} is empty`);
  try {
    const check = copy.statement('PRAGMA integrity_check').pluck().get();
    if (check !== 'ok') throw new AirtimeError('LEDGER_ERROR', `the backup ${to} does not pass SQLite's integrity check: ${String(check)}`);
    const transactions = Number(copy.statement('SELECT count(*) FROM transactions').pluck().get());
    return { from, to, transactions, bytes: statSync(to).size };
  } finally {
    copy.close();
  }
}
