import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// What only the SQLite store does: its file, its pragmas, its migrations, its owners judged from
// /proc. What every store promises is in contract.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import { currentOwner, type Owner, ownerLiveness } from '../../src/ledger/owner.js';
import type { NewTransaction } from '../../src/ledger/records.js';
import { sqliteCreateProblem, sqliteWriteProblem } from '../../src/ledger/sqlite/access.js';
import { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import { MIGRATIONS } from '../../src/ledger/sqlite/schema.js';
import { claim, rawDatabase } from '../helpers/ledger.js';

let path: string;
let ledger: SqliteLedger;
const me = currentOwner();
const other: Owner = { ...me, pid: 999_999, startTicks: 1 };

function tx(overrides: Partial<NewTransaction> = {}): NewTransaction {
  return {
    account: 'sandbox',
    environment: 'sandbox',
    idempotencyKey: 'k1',
    phoneNumber: '+254712345678',
    country: 'KE',
    currency: 'KES',
    amountMinor: 5000,
    owner: me,
    osUser: 'tester',
    host: 'test-host',
    ...overrides,
  };
}

beforeEach(async () => {
  path = join(mkdtempSync(join(tmpdir(), 'ledger-')), 'sub', 'ledger.db');
  ledger = SqliteLedger.open(path);
  return () => ledger.close();
});

describe('the SQLite ledger', () => {
  it('creates its folder 0700 and file 0600, in WAL mode, at the latest schema', async () => {
    expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const db = rawDatabase(path, { readonly: true });
    expect(db.value('PRAGMA journal_mode')).toBe('wal');
    expect(db.value('PRAGMA user_version')).toBe(MIGRATIONS.length);
    db.close();
  });

  it('sets its own connection to synchronous FULL with foreign keys on, or NORMAL when asked', async () => {
    const settings = (l: SqliteLedger) => [
      l.database.statement('PRAGMA synchronous').pluck().get(),
      l.database.statement('PRAGMA foreign_keys').pluck().get(),
    ];
    expect(settings(ledger)).toEqual([2, 1]);
    const normal = SqliteLedger.open(join(path, '..', 'normal.db'), { synchronous: 'NORMAL' });
    expect(settings(normal)).toEqual([1, 1]);
    await normal.close();
  });

  it('backfills the daily totals when an older ledger is migrated', async () => {
    await ledger.close();
    const old = join(path, '..', 'old.db');
    const db = rawDatabase(old);
    db.exec(MIGRATIONS[0] ?? '');
    db.exec('PRAGMA user_version = 1');
    db.statement(
      "INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state, created_at, updated_at, os_user, host) VALUES ('sandbox', 'sandbox', ?, '+254712345678', 'KE', 'KES', ?, ?, ?, ?, 'u', 'h')",
    ).run('a', 500, 'sent', 1000, 1000);
    db.statement(
      "INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state, created_at, updated_at, os_user, host) VALUES ('sandbox', 'sandbox', ?, '+254712345678', 'KE', 'KES', ?, ?, ?, ?, 'u', 'h')",
    ).run('b', 700, 'failed', 2000, 2000);
    db.close();
    ledger = SqliteLedger.open(old);
    expect(await ledger.spentSince('sandbox', 'sandbox', 'KES', 0)).toBe(500);
  });

  it('reads a missing ledger as none, and refuses a file from a newer airtime', async () => {
    expect(SqliteLedger.openForReading(join(path, '..', 'nope.db'))).toBeNull();
    await ledger.close();
    const db = rawDatabase(path);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteLedger.open(path)).toThrowError(/newer airtime/);
  });
});

describe('owners recorded in the ledger', () => {
  it('keep every part of their identity, and take-over compares all of it', async () => {
    const claimed = await claim(ledger, tx(), 1000);
    if (claimed.kind !== 'created') throw new Error('claim');
    expect(claimed.row.owner).toEqual(me);
    expect(me).toMatchObject({
      bootId: expect.any(String),
      pidNamespace: expect.any(Number),
      startTicks: expect.any(Number),
      legacyStartedAt: null,
    });
    // Seen with another start tick (or boot, or namespace): someone else's, so the take-over fails.
    for (const seen of [
      { ...me, startTicks: (me.startTicks ?? 0) + 1 },
      { ...me, bootId: 'another-boot' },
      { ...me, pidNamespace: 1 },
    ]) {
      expect(await ledger.takeOver(claimed.row.id, seen, other, 2000)).toBe(false);
    }
    expect(await ledger.takeOver(claimed.row.id, me, other, 2000)).toBe(true);
    expect((await ledger.get(claimed.row.id))?.owner).toEqual(other);
  });

  it('from an older airtime (schema 3: pid, host and a start time in ms) are migrated, judged without that time, and taken over by compare-and-set', async () => {
    const oldPath = join(mkdtempSync(join(tmpdir(), 'schema3-')), 'ledger.db');
    const db = rawDatabase(oldPath);
    db.exec(MIGRATIONS.slice(0, 3).join(';\n'));
    db.exec('PRAGMA user_version = 3');
    const insert = `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
      state, attempts, first_attempt_at, created_at, updated_at, owner_pid, owner_host, owner_started_at, os_user, host)
      VALUES ('sandbox', 'sandbox', ?, '+254712345678', 'KE', 'KES', 5000, 'pending', 1, 1000, 1000, 1000, ?, ?, 1700000000000, 'u', 'h')`;
    db.run(insert, 'running', process.pid, me.host);
    db.run(insert, 'gone', 999_999, me.host);
    db.close();
    const upgraded = SqliteLedger.open(oldPath);
    const running = await upgraded.byKey('sandbox', 'sandbox', 'running');
    const gone = await upgraded.byKey('sandbox', 'sandbox', 'gone');
    expect(running?.owner).toEqual({
      pid: process.pid,
      host: me.host,
      bootId: null,
      pidNamespace: null,
      startTicks: null,
      legacyStartedAt: 1700000000000,
    });
    // A pid that runs may be the old owner or a reused pid: not known, so waited for, never resent at once.
    expect(ownerLiveness(running?.owner as Owner)).toBe('unknown');
    expect(ownerLiveness(gone?.owner as Owner)).toBe('dead');
    expect(await upgraded.takeOver(Number(gone?.id), { ...(gone?.owner as Owner), legacyStartedAt: 1 }, me, 2000)).toBe(false);
    expect(await upgraded.takeOver(Number(gone?.id), gone?.owner ?? null, me, 2000)).toBe(true);
    expect((await upgraded.get(Number(gone?.id)))?.owner).toEqual(me);
    await upgraded.close();
  });
});

describe('closing the ledger', () => {
  const statistics = (file: string) => {
    const db = rawDatabase(file, { readonly: true, fileMustExist: true });
    try {
      return db.all("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").length === 1;
    } finally {
      db.close();
    }
  };

  it('runs PRAGMA optimize on a writing connection, so the planner has statistics for what it queried', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'optimize-')), 'ledger.db');
    const writer = SqliteLedger.open(file);
    await claim(writer, tx({ idempotencyKey: 'a' }), 1000);
    await claim(writer, tx({ idempotencyKey: 'b' }), 1000);
    expect(await writer.lookup('a')).toHaveLength(1);
    expect(statistics(file)).toBe(false);
    await writer.close();
    expect(statistics(file)).toBe(true);
  });

  it('leaves the file alone from a reading connection', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'optimize-')), 'ledger.db');
    const writer = SqliteLedger.open(file);
    await claim(writer, tx({ idempotencyKey: 'a' }), 1000);
    const reader = SqliteLedger.openForReading(file);
    expect(await reader?.lookup('a')).toHaveLength(1);
    await reader?.close();
    expect(statistics(file)).toBe(false);
    await writer.close();
  });
});

describe('whether the ledger could be written, asked without writing (airtime doctor)', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'airtime-access-'));

  it.each([
    ['a new folder under a writable one', (d: string) => join(d, 'books', 'ledger.db'), null],
    [
      'a file in the way of its folder',
      (d: string) => (writeFileSync(join(d, 'books'), 'x'), join(d, 'books', 'ledger.db')),
      'is not a folder',
    ],
    ['under /proc', () => '/proc/self/airtime/ledger.db', 'under /proc or /sys'],
  ] as const)('a missing ledger in %s: %s', (_where, place, problem) => {
    const found = sqliteCreateProblem(place(dir()));
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it('a ledger it created can be written', async () => {
    const path = join(dir(), 'ledger.db');
    const ledger = SqliteLedger.open(path);
    await ledger.close();
    expect(sqliteWriteProblem(path)).toBeNull();
  });

  // root ignores file modes: only a normal user can be refused by them.
  it.skipIf(process.getuid?.() === 0)('a read-only file, or a folder that cannot be written, cannot', async () => {
    const folder = dir();
    const path = join(folder, 'ledger.db');
    const ledger = SqliteLedger.open(path);
    await ledger.close();
    chmodSync(path, 0o400);
    expect(sqliteWriteProblem(path)).toBe('the file cannot be written (EACCES)');
    chmodSync(path, 0o600);
    chmodSync(folder, 0o500);
    try {
      expect(sqliteWriteProblem(path)).toBe(`its folder ${folder} cannot be written (EACCES)`);
      expect(sqliteCreateProblem(join(folder, 'other.db'))).toBe(`its folder ${folder} cannot be written (EACCES)`);
    } finally {
      chmodSync(folder, 0o700);
    }
  });
});
