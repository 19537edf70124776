// `airtime ledger migrate` and `airtime ledger backup` through the built binary: a SQLite ledger
// holding every state copied into PostgreSQL and checked, refused while a send is in flight,
// finished after a kill, merged with another host's, retired; and online backups.
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import {
  type CliResult,
  collect,
  FAST,
  ledgerPath,
  makeSandbox,
  parseJson,
  runCli,
  type Sandbox,
  spawnCli,
  waitFor,
  writeUserConfig,
} from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { rawDatabase } from '../helpers/ledger.js';
import { admin, describePostgres, freshSchema } from '../helpers/postgres.js';

const PHONE = '+254712345678';

function sandboxWithConfig(): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  return sandbox;
}

/** Rows in every state, written as an older run would have left them (a pending one's process long gone). */
function seed(sandbox: Sandbox, host: string, extra: { key: string; phone: string; amount: number; state: string }[] = []): void {
  const db = rawDatabase(ledgerPath(sandbox));
  const now = Date.now();
  const insert = db.statement(
    `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
       request_id, attempts, first_attempt_at, created_at, updated_at, owner_pid, owner_host, owner_boot_id, os_user, host)
     VALUES ('sandbox', 'sandbox', ?, ?, 'KE', 'KES', ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, 'u', ?)`,
  );
  const rows = [
    { key: `${host}-sent`, phone: '+254712340001', amount: 1000, state: 'sent' },
    { key: `${host}-delivered`, phone: '+254712340002', amount: 2000, state: 'delivered' },
    { key: `${host}-failed`, phone: '+254712340003', amount: 3000, state: 'failed' },
    { key: `${host}-unknown`, phone: '+254712340004', amount: 4000, state: 'unknown' },
    { key: `${host}-pending`, phone: '+254712340005', amount: 5000, state: 'pending' },
    ...extra,
  ];
  for (const row of rows) {
    const pending = row.state === 'pending';
    insert.run(
      row.key,
      row.phone,
      row.amount,
      row.state,
      row.state === 'sent' || row.state === 'delivered' ? `ATQid_${row.key}` : null,
      now - 60_000,
      now - 60_000,
      now - 60_000,
      // A process of this machine's previous boot: gone.
      pending ? 4242 : null,
      pending ? hostname() : null,
      pending ? 'another-boot' : null,
      host,
    );
  }
  db.run("INSERT INTO events (transaction_id, kind, at, payload) SELECT id, 'answer', created_at, '{}' FROM transactions");
  db.run(
    "INSERT INTO events (transaction_id, kind, at, payload, account, environment) VALUES (NULL, 'orphan-callback', ?, '{\"requestId\":\"x\"}', 'sandbox', 'sandbox')",
    now,
  );
  db.close();
}

describePostgres('airtime ledger migrate', () => {
  it('copies every state, checks the counts, retires the file, and copies nothing twice', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    const env = emulatorEnv(emu);
    expect((await runCli(['send', PHONE, '50', '--key', 'live-one', '--yes'], { sandbox, env })).code).toBe(0);
    seed(sandbox, 'host-a');
    const migrated = await runCli(['ledger', 'migrate', '--to', url, '--json'], { sandbox, env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const report = parseJson(migrated) as {
      copied: number;
      events: number;
      totals: { state: string; source: { count: number }; copied: { count: number } }[];
    };
    expect(report).toMatchObject({ ok: true, copied: 6, events: 8, alreadyCopied: false, conflicts: [] }); // an answer per row, and an orphan
    expect(report.totals.map((t) => [t.state, t.source.count, t.copied.count])).toEqual([
      ['delivered', 1, 1],
      ['failed', 1, 1],
      ['pending', 1, 1],
      ['sent', 2, 2],
      ['unknown', 1, 1],
    ]);
    expect(
      await admin(url, "SELECT idempotency_key, state, owner_token, lease_expires_at FROM transactions WHERE state = 'pending'"),
    ).toEqual([{ idempotency_key: 'host-a-pending', state: 'pending', owner_token: 'migrated', lease_expires_at: '0' }]);
    // The file is retired: a send through it is refused naming the shared ledger; reading it works.
    const refused = await runCli(['send', PHONE, '60', '--key', 'after', '--yes'], { sandbox, env });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('was moved to postgres://');
    expect((await runCli(['status', 'live-one'], { sandbox, env })).code).toBe(0);
    // Through the shared ledger, the copied pending row is finished under its key, once.
    const shared = { ...env, AIRTIME_LEDGER: url };
    const resumed = await runCli(['send', '+254712340005', '50', '--key', 'host-a-pending', '--yes', '--json'], { sandbox, env: shared });
    expect([0, 5]).toContain(resumed.code);
    // A second run checks again and copies nothing.
    const again = await runCli(['ledger', 'migrate', '--to', url, '--json'], { sandbox, env });
    expect(again.code).toBe(0);
    expect(parseJson(again)).toMatchObject({ copied: 0, alreadyCopied: true });
    expect(await admin(url, 'SELECT count(*)::int AS n FROM transactions')).toEqual([{ n: 6 }]);
  });

  it('refuses while a send of this host is in flight, and copies nothing', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    writeUserConfig(sandbox, { ...FAST, timeout: 30 });
    const env = emulatorEnv(emu);
    emu.script(['hang']);
    const sender = spawnCli(['send', PHONE, '50', '--key', 'in-flight', '--yes'], { sandbox, env });
    const sending = collect(sender);
    await waitFor(() => emu.state().accepted.length === 1, 10_000, 'the request to arrive');
    const refused = await runCli(['ledger', 'migrate', '--to', url], { sandbox, env });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('being sent right now (key in-flight');
    expect(await admin(url, "SELECT to_regclass('imported_ledgers')::text AS t").then((r) => r[0]?.t ?? null)).toBeNull();
    sender.kill('SIGKILL');
    await sending;
  });

  it('killed mid-copy leaves nothing half-copied; the same command then finishes', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    const env = emulatorEnv(emu);
    expect((await runCli(['send', PHONE, '50', '--key', 'first', '--yes'], { sandbox, env })).code).toBe(0);
    const db = rawDatabase(ledgerPath(sandbox));
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
      INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
        created_at, updated_at, os_user, host)
      SELECT 'sandbox', 'sandbox', 'bulk-' || i, '+2547' || printf('%08d', i), 'KE', 'KES', 1000, 'sent', i, i, 'u', 'h' FROM n;`);
    db.close();
    const child = spawnCli(['ledger', 'migrate', '--to', url], { sandbox, env, timeoutMs: 60_000 });
    const done = collect(child, { timeoutMs: 60_000 });
    // Killed once rows are being written into the shared ledger's (uncommitted) copy.
    for (let i = 0; i < 500; i += 1) {
      const busy = await admin(url, "SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1 AND state = 'active'", [
        `airtime/%/${child.pid}`,
      ]);
      if (busy.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const copiedAfterKill = await admin(url, 'SELECT count(*)::int AS n FROM transactions WHERE imported_from IS NOT NULL').catch(() => [
      { n: 0 },
    ]);
    expect(copiedAfterKill).toEqual([{ n: 0 }]);
    const finished = await runCli(['ledger', 'migrate', '--to', url, '--json'], { sandbox, env, timeoutMs: 60_000 });
    expect(finished.code, finished.stderr).toBe(0);
    expect(parseJson(finished)).toMatchObject({ copied: 20_001, alreadyCopied: false });
    expect(await admin(url, 'SELECT count(*)::int AS n FROM transactions')).toEqual([{ n: 20_001 }]);
  }, 90_000);

  it("merges another host's ledger: a key both paid, and one number and amount paid on both the same day, are reported", async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const a = sandboxWithConfig();
    const b = sandboxWithConfig();
    const env = emulatorEnv(emu);
    for (const sandbox of [a, b])
      expect((await runCli(['send', PHONE, '50', '--key', `start-${sandbox === a ? 'a' : 'b'}`, '--yes'], { sandbox, env })).code).toBe(0);
    seed(a, 'host-a', [{ key: 'both-paid', phone: '+254712349999', amount: 7000, state: 'sent' }]);
    seed(b, 'host-b', [
      { key: 'both-paid', phone: '+254712349999', amount: 7000, state: 'sent' },
      { key: 'b-same-day', phone: '+254712340001', amount: 1000, state: 'sent' }, // host-a-sent paid this
    ]);
    expect((await runCli(['ledger', 'migrate', '--to', url], { sandbox: a, env })).code).toBe(0);
    // Host B's file, brought over and merged from host A.
    const merged = await runCli(['ledger', 'migrate', '--from', ledgerPath(b), '--to', url, '--json'], { sandbox: a, env });
    expect(merged.code, merged.stderr).toBe(0);
    const report = parseJson(merged) as { conflicts: { key: string }[]; repeats: { phoneNumber: string; hosts: string[] }[] };
    expect(report.conflicts.map((c) => c.key)).toEqual(['both-paid']);
    expect(report.repeats).toEqual(
      expect.arrayContaining([expect.objectContaining({ phoneNumber: '+254712340001', hosts: ['host-a', 'host-b'] })]),
    );
    const human = await runCli(['ledger', 'migrate', '--from', ledgerPath(b), '--to', url], { sandbox: a, env });
    expect(human.stderr).toContain('both-paid (sandbox): sent here, sent there (from host-a)');
  });
});

it('ledger backup: an online copy while a batch writes, checked, 0600; never over a file without --force', async () => {
  const emu = await emulator({ latencyMs: 5 });
  const sandbox = sandboxWithConfig();
  const env = emulatorEnv(emu);
  const file = join(sandbox.cwd, 'rows.csv');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, `phone,amount\n${Array.from({ length: 300 }, (_, i) => `+2547${String(30_000_000 + i)},10`).join('\n')}\n`);
  const batch = spawnCli(['send', '--file', file, '--yes', '--quiet'], { sandbox, env });
  const sending = collect(batch, { timeoutMs: 60_000 });
  await waitFor(() => emu.state().accepted.length >= 50, 20_000, 'the batch to be under way');
  const target = join(sandbox.home, 'backup.db');
  const backup = await runCli(['ledger', 'backup', target, '--json'], { sandbox, env });
  expect(backup.code, backup.stderr).toBe(0);
  const report = parseJson(backup) as { transactions: number };
  expect(report.transactions).toBeGreaterThanOrEqual(50);
  expect(statSync(target).mode & 0o777).toBe(0o600);
  expect(((await sending) as CliResult).code).toBe(0);
  const again = await runCli(['ledger', 'backup', target], { sandbox, env });
  expect(again.code).toBe(2);
  expect(again.stderr).toContain('--force');
  expect((await runCli(['ledger', 'backup', target, '--force'], { sandbox, env })).code).toBe(0);
  // A shared ledger is backed up with pg_dump.
  const shared = await runCli(['ledger', 'backup', target, '--force'], {
    sandbox,
    env: { ...env, AIRTIME_LEDGER: 'postgres://u:pw@db.invalid/x' },
  });
  expect(shared.code).toBe(2);
  expect(shared.stderr).toContain('pg_dump');
  expect(shared.stderr).not.toContain(':pw@');
});
