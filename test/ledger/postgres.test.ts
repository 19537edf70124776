// What only the shared (PostgreSQL) ledger does: leases instead of process ids, the database's
// clock, hosts migrating at once, caps decided across connections, and failures that name the host
// but never the password. What every store promises is in contract.test.ts.
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { AirtimeError } from '../../src/core/errors.js';
import { currentOwner } from '../../src/ledger/owner.js';
import { PostgresLedger } from '../../src/ledger/postgres/ledger.js';
import { MIGRATIONS } from '../../src/ledger/postgres/schema.js';
import { claim } from '../helpers/ledger.js';
import { admin, describePostgres, freshSchema, POSTGRES_URL } from '../helpers/postgres.js';
import { tx } from './stores.js';

const opened: PostgresLedger[] = [];
async function open(url: string, options: Parameters<typeof PostgresLedger.open>[1] = {}): Promise<PostgresLedger> {
  const ledger = await PostgresLedger.open(url, options);
  opened.push(ledger);
  return ledger;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
});

/** What a promise rejected with. */
async function failure(promise: Promise<unknown>): Promise<AirtimeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AirtimeError);
  return error as AirtimeError;
}

describePostgres('the shared ledger', () => {
  it('holds a pending row by a lease: alive while renewed, taken over only once it has run out', async () => {
    const url = await freshSchema();
    const holder = await open(url, { leaseMs: 400 });
    const other = await open(url);
    const { row } = (await claim(holder, tx(), other.now())) as {
      kind: 'created';
      row: import('../../src/ledger/records.js').StoredTransaction;
    };
    const seen = (await other.get(row.id))?.owner ?? null;
    expect(seen?.lease?.token).toBe(holder.token);
    expect(holder.liveness(seen as NonNullable<typeof seen>)).toBe('alive'); // its own
    expect(other.liveness(seen as NonNullable<typeof seen>)).toBe('alive');
    expect(await other.takeOver(row.id, seen, currentOwner(), other.now())).toBe(false);
    // Renewed while the holder runs: still held well past the first lease.
    await new Promise((resolve) => setTimeout(resolve, 900));
    const renewed = (await other.get(row.id))?.owner;
    expect(other.liveness(renewed as NonNullable<typeof renewed>)).toBe('alive');
    expect(await other.takeOver(row.id, renewed ?? null, currentOwner(), other.now())).toBe(false);
    // The holder dies: nobody renews, the lease runs out on the database's clock, one host takes over.
    await holder.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const stale = (await other.get(row.id))?.owner;
    expect(other.liveness(stale as NonNullable<typeof stale>)).toBe('dead');
    const third = await open(url);
    const [a, b] = await Promise.all([
      other.takeOver(row.id, stale ?? null, currentOwner(), other.now()),
      third.takeOver(row.id, stale ?? null, currentOwner(), third.now()),
    ]);
    expect([a, b].sort()).toEqual([false, true]);
    expect((await other.get(row.id))?.owner?.lease?.token).toBe(a ? other.token : third.token);
  });

  it('measures time on the database clock, whatever the host clock says', async () => {
    const url = await freshSchema();
    const ledger = await open(url);
    const [row] = await admin<{ ms: string }>(url, 'SELECT (extract(epoch from clock_timestamp()) * 1000)::bigint AS ms');
    const ms = Number(row?.ms);
    expect(Math.abs(ledger.now() - Number(ms))).toBeLessThan(1000);
    const realNow = Date.now;
    Date.now = () => realNow() + 5 * 3_600_000; // the host's clock five hours ahead
    try {
      expect(Math.abs(ledger.now() - Number(ms))).toBeLessThan(1000);
      const skewed = await PostgresLedger.open(url);
      expect(Math.abs(skewed.now() - Number(ms))).toBeLessThan(1000);
      await skewed.close();
    } finally {
      Date.now = realNow;
    }
  });

  it('lets hosts that start at once migrate one at a time, to the same schema', async () => {
    const url = await freshSchema();
    const ledgers = await Promise.all(Array.from({ length: 6 }, () => PostgresLedger.open(url)));
    await Promise.all(ledgers.map((ledger) => ledger.close()));
    expect(await admin(url, 'SELECT version FROM airtime_schema')).toEqual([{ version: MIGRATIONS.length }]);
  });

  it('reads a schema nobody wrote as an empty ledger, and refuses one from a newer airtime', async () => {
    const url = await freshSchema();
    expect(await PostgresLedger.openForReading(url)).toBeNull();
    await (await open(url)).close();
    opened.length = 0;
    await admin(url, 'UPDATE airtime_schema SET version = $1', [MIGRATIONS.length + 1]);
    expect((await failure(PostgresLedger.open(url))).message).toMatch(/written by a newer airtime \(schema \d+, this one knows \d+\)/);
    expect((await failure(PostgresLedger.openForReading(url))).code).toBe('LEDGER_ERROR');
  });

  it('decides a daily cap across connections: of six claims racing for a cap that fits two, two get in', async () => {
    const url = await freshSchema();
    const hosts = await Promise.all(Array.from({ length: 6 }, () => open(url)));
    const now = hosts[0]?.now() ?? 0;
    const outcomes = await Promise.all(hosts.map((host, i) => claim(host, tx({ idempotencyKey: `k${i}` }), now, { KES: 10_000 })));
    expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(2);
    expect(outcomes.filter((o) => o.kind === 'over-cap')).toHaveLength(4);
    expect(await admin(url, 'SELECT count(*)::int AS n FROM transactions')).toEqual([{ n: 2 }]);
  });

  it('decides a daily cap across connections for groups too: of six groups of three racing for a cap that fits seven rows, seven get in', async () => {
    const url = await freshSchema();
    const hosts = await Promise.all(Array.from({ length: 6 }, () => open(url)));
    const now = hosts[0]?.now() ?? 0;
    const group = (host: number) =>
      [0, 1, 2].map((i) => tx({ idempotencyKey: `h${host}-${i}`, phoneNumber: `+25471234${host}00${i}`, batchId: 'b', rowNumber: i + 1 }));
    const outcomes = (await Promise.all(hosts.map((host, i) => host.claimMany(group(i), now, { KES: 35_000 })))).flat();
    expect(outcomes.filter((o) => o.kind === 'created')).toHaveLength(7);
    expect(outcomes.filter((o) => o.kind === 'over-cap')).toHaveLength(11);
    expect(await admin(url, 'SELECT count(*)::int AS n FROM transactions')).toEqual([{ n: 7 }]);
  });

  it('gives up on a statement stuck behind a lock instead of hanging, with LEDGER_ERROR', async () => {
    const url = await freshSchema();
    const ledger = await open(url, { statementTimeoutMs: 300 });
    // Another session holds the cap's lock for this account, environment and currency.
    const pg = (await import('pg')).default;
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT pg_advisory_xact_lock(hashtextextended('airtime-claim:' || $1, 0))`, [
        JSON.stringify(['sandbox', 'sandbox', 'KES']),
      ]);
      const error = await failure(claim(ledger, tx(), ledger.now(), { KES: 10_000 }));
      expect(error.code).toBe('LEDGER_ERROR');
      expect(error.message).toMatch(/statement timeout/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Nothing was claimed; the ledger works again once the lock is gone.
    expect(await ledger.byKey('sandbox', 'sandbox', 'k1')).toBeUndefined();
    expect((await claim(ledger, tx(), ledger.now(), { KES: 10_000 })).kind).toBe('created');
  });

  it('a group claim stuck behind the lock gives up the same way, its transaction rolled back, and its connection is usable after', async () => {
    const url = await freshSchema();
    const ledger = await open(url, { statementTimeoutMs: 300 });
    const group = [1, 2, 3].map((i) => tx({ idempotencyKey: `g${i}`, phoneNumber: `+25471234500${i}` }));
    const pg = (await import('pg')).default;
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT pg_advisory_xact_lock(hashtextextended('airtime-claim:' || $1, 0))`, [
        JSON.stringify(['sandbox', 'sandbox', 'KES']),
      ]);
      // More failures than the pool has connections: none may be left inside a transaction.
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const error = await failure(ledger.claimMany(group, ledger.now(), { KES: 100_000 }));
        expect(error.code).toBe('LEDGER_ERROR');
        expect(error.message).toMatch(/statement timeout/);
      }
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await admin(url, 'SELECT count(*)::int AS n FROM transactions')).toEqual([{ n: 0 }]);
    const outcomes = await ledger.claimMany(group, ledger.now(), { KES: 100_000 });
    expect(outcomes.map((o) => o.kind)).toEqual(['created', 'created', 'created']);
    expect(
      await admin(
        url,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND application_name LIKE 'airtime/%'",
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('names the host, never the password, when the server refuses or is not there', async () => {
    // A port with nothing listening.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const refused = await failure(PostgresLedger.open(`postgres://ops:s3cret-pw@127.0.0.1:${port}/books`));
    expect(refused.code).toBe('LEDGER_ERROR');
    expect(refused.message).toContain(`postgres://ops:***@127.0.0.1:${port}/books`);
    expect(refused.message).toContain('connection refused');
    expect(`${refused.message} ${refused.hint}`).not.toContain('s3cret-pw');
    // A wrong database on a real server.
    const url = new URL(POSTGRES_URL as string);
    url.pathname = '/no_such_database_here';
    url.password = 'p4ss-word';
    const missing = await failure(PostgresLedger.open(url.toString()));
    expect(missing.message).toMatch(/does not exist/);
    expect(missing.message).not.toContain('p4ss-word');
  });

  it('loses a connection mid-statement: the work in hand fails, nothing half-recorded, and the next use reconnects', async () => {
    const url = await freshSchema();
    const ledger = await open(url);
    const pg = (await import('pg')).default;
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    const mine = `airtime/%/${process.pid}`;
    try {
      // The claim waits for the cap's lock; its connection is cut while it waits.
      await blocker.query('BEGIN');
      await blocker.query(`SELECT pg_advisory_xact_lock(hashtextextended('airtime-claim:' || $1, 0))`, [
        JSON.stringify(['sandbox', 'sandbox', 'KES']),
      ]);
      const claiming = failure(claim(ledger, tx(), ledger.now(), { KES: 10_000 }));
      const waiting = "SELECT pid FROM pg_stat_activity WHERE application_name LIKE $1 AND wait_event_type = 'Lock'";
      for (let i = 0; i < 200 && (await admin(url, waiting, [mine])).length === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const cut = await admin(url, `SELECT pg_terminate_backend(pid) AS cut FROM (${waiting}) w`, [mine]);
      expect(cut).toEqual([{ cut: true }]);
      const lost = await claiming;
      expect(lost.code).toBe('LEDGER_ERROR');
      expect(lost.message).toMatch(/ended the connection|terminated/);
      expect(lost.hint).toMatch(/did not leave/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    // Nothing was claimed; the next operation reconnects.
    expect(await ledger.byKey('sandbox', 'sandbox', 'k1')).toBeUndefined();
    expect((await claim(ledger, tx(), ledger.now(), { KES: 10_000 })).kind).toBe('created');
  });

  it('runs with only the grants docs/shared-ledger.md lists, once the schema is created; without one, says which', async () => {
    const url = await freshSchema();
    await (await open(url)).close(); // the owner creates (migrates) the schema
    opened.length = 0;
    const schema = new URL(url).searchParams.get('options')?.split('=')[1] as string;
    const role = `airtime_sender_${Math.random().toString(36).slice(2, 10)}`;
    await admin(POSTGRES_URL as string, `CREATE ROLE ${role} LOGIN`);
    try {
      await admin(
        POSTGRES_URL as string,
        `GRANT USAGE ON SCHEMA ${schema} TO ${role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};`,
      );
      const asRole = new URL(url);
      asRole.username = role;
      const ledger = await open(asRole.toString());
      const outcome = await claim(ledger, tx(), ledger.now(), { KES: 10_000 });
      expect(outcome.kind).toBe('created');
      if (outcome.kind === 'created') await ledger.release([outcome.row.id], currentOwner());
      await ledger.close();
      await admin(POSTGRES_URL as string, `REVOKE DELETE ON ALL TABLES IN SCHEMA ${schema} FROM ${role}`);
      const refused = await failure(PostgresLedger.open(asRole.toString()));
      expect(refused.message).toMatch(/permission denied/);
      expect(refused.hint).toMatch(/lacks a privilege/);
      // `airtime doctor` says so without writing: which tables, read from the grants.
      const reading = await PostgresLedger.openForReading(asRole.toString());
      expect(await reading?.writeProblem()).toMatch(
        /^the database user lacks a privilege on events, .*transactions: see "Grant each host only what it uses"/,
      );
      await reading?.close();
    } finally {
      await admin(POSTGRES_URL as string, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('says, before the first send, whether this user can create the tables', async () => {
    const url = await freshSchema();
    expect(await PostgresLedger.creationProblem(url)).toBeNull();
    const schema = new URL(url).searchParams.get('options')?.split('=')[1] as string;
    const role = `airtime_reader_${Math.random().toString(36).slice(2, 10)}`;
    await admin(POSTGRES_URL as string, `CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    try {
      const asRole = new URL(url);
      asRole.username = role;
      expect(await PostgresLedger.creationProblem(asRole.toString())).toBe(
        `the database user cannot create tables in schema ${schema}: run any airtime command once as its owner`,
      );
      const missing = new URL(url);
      missing.searchParams.set('options', '-c search_path=no_such_schema_here');
      expect(await PostgresLedger.creationProblem(missing.toString())).toMatch(/names no schema that exists/);
    } finally {
      await admin(POSTGRES_URL as string, `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});

describePostgres('key lookups on a table the planner knows nothing of', () => {
  it('take the unique index on (account, environment, key), never a scan of the account', async () => {
    const url = await freshSchema();
    const ledger = await open(url);
    // 3,000 rows and no statistics: a new ledger before autovacuum has been round, or a server without it.
    await admin(
      url,
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
         attempts, created_at, updated_at, os_user, host)
       SELECT 'sandbox', 'sandbox', 'k' || i, '+2547' || lpad(i::text, 8, '0'), 'KE', 'KES', 1000, 'sent', 1, i, i, 'u', 'h'
       FROM generate_series(1, 3000) AS i`,
    );
    expect(await admin(url, "SELECT reltuples FROM pg_class WHERE oid = 'transactions'::regclass")).toEqual([{ reltuples: -1 }]);
    const { keyedRow } = await import('../../src/ledger/postgres/rows.js');
    const plan = (sql: string) =>
      admin<{ 'QUERY PLAN': string }>(url, `EXPLAIN ${sql}`).then((rows) => rows.map((r) => r['QUERY PLAN']).join('\n'));
    const one = await plan(`SELECT * FROM ${keyedRow("'sandbox'", "'sandbox'", "'k17'")} t`);
    const many = await plan(
      `SELECT t.* FROM unnest(ARRAY['k1', 'k2']) AS k(key) CROSS JOIN LATERAL ${keyedRow("'sandbox'", "'sandbox'", 'k.key')} t`,
    );
    for (const text of [one, many]) {
      expect(text).toContain('transactions_account_environment_idempotency_key_key');
      expect(text).not.toContain('transactions_caps');
    }
    // And the answers are the keys' rows, nothing else.
    expect((await ledger.byKey('sandbox', 'sandbox', 'k17'))?.phoneNumber).toBe('+254700000017');
    expect(await ledger.byKey('sandbox', 'sandbox', 'k170000')).toBeUndefined();
    expect(await ledger.byKey('sandbox', 'sandbox', 'k')).toBeUndefined();
    const found = await ledger.byKeys('sandbox', 'sandbox', ['k2999', 'k1', 'nope', 'k10']);
    expect([...found.keys()].sort()).toEqual(['k1', 'k10', 'k2999']);
  });
});
