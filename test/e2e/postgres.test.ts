// Several processes, as several hosts would be, sharing one PostgreSQL ledger through the built
// binary, against the emulator: every promise still exactly once. Runs where the suite has a
// PostgreSQL server (AIRTIME_TEST_POSTGRES_URL; CI always), each test on a schema of its own.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/server.js';
import {
  type CliResult,
  collect,
  FAST,
  makeSandbox,
  parseJson,
  runCli,
  type Sandbox,
  skewedClock,
  spawnCli,
  waitFor,
  writeUserConfig,
} from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { admin, describePostgres, freshSchema } from '../helpers/postgres.js';

const PHONE = '+254712345678';

/** A host: its own HOME and config, the shared ledger, the emulator. */
function host(url: string, emu: Emulator, config: Record<string, unknown> = {}): { sandbox: Sandbox; env: NodeJS.ProcessEnv } {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, ...config });
  return { sandbox, env: emulatorEnv(emu, { AIRTIME_LEDGER: url }) };
}

function run(args: string[], where: { sandbox: Sandbox; env: NodeJS.ProcessEnv }, extra: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runCli(args, { sandbox: where.sandbox, env: { ...where.env, ...extra } });
}

async function rows(url: string): Promise<Record<string, unknown>[]> {
  return admin(url, 'SELECT idempotency_key, state, attempts, request_id, error_code FROM transactions ORDER BY id');
}

describePostgres('one PostgreSQL ledger, several processes', () => {
  it('5 processes sending one key: one request, and all five report it', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 400 });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => run(['send', PHONE, '50', '--key', 'order-1', '--yes', '--json'], host(url, emu))),
    );
    expect(emu.state().sends).toHaveLength(1);
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    const ids = new Set(results.map((r) => parseJson(r).requestId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => parseJson(r).replayed === true)).toHaveLength(4);
  });

  it('6 parallel sends against a daily cap that fits 2: exactly 2 sent', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 50 });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        run(['send', PHONE, '50', '--key', `cap-${i}`, '--yes', '--json'], host(url, emu, { limits: { daily: { KES: 100 } } })),
      ),
    );
    expect(results.filter((r) => r.code === 0)).toHaveLength(2);
    const refused = results.filter((r) => r.code === 2);
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(r.stderr).toContain('limits.daily.KES');
    expect(emu.state().sends).toHaveLength(2);
    expect((await rows(url)).map((r) => r.state)).toEqual(['sent', 'sent']);
  });

  it('two identical sends without a key, racing from two hosts: one request, one REPEAT_PAYMENT', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 200 });
    const results = await Promise.all([
      run(['send', PHONE, '50', '--yes', '--json'], host(url, emu)),
      run(['send', PHONE, '50', '--yes', '--json'], host(url, emu)),
    ]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    const refused = results.find((r) => r.code === 2) as CliResult;
    expect(parseJson(refused)).toMatchObject({ ok: false, error: { code: 'REPEAT_PAYMENT' } });
    expect(emu.state().sends).toHaveLength(1);
  });

  it('a host killed after its request left: a re-run inside the window resends under the key (no second payment); after it, the row stays unknown', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const a = host(url, emu, { timeout: 30 });
    emu.script(['hang']); // accepted, never answered
    const child = spawnCli(['send', PHONE, '50', '--key', 'k-kill', '--yes', '--json'], { sandbox: a.sandbox, env: a.env });
    const done = collect(child);
    await waitFor(() => emu.state().accepted.length === 1, 10_000, 'the request to arrive');
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect((await rows(url))[0]).toMatchObject({ state: 'pending', attempts: 1 });
    // Its lease runs out (it is not renewed by a dead process); another host finishes the row.
    await admin(url, 'UPDATE transactions SET lease_expires_at = 0');
    const b = await run(['send', PHONE, '50', '--key', 'k-kill', '--yes', '--json'], host(url, emu));
    expect(emu.state().sends).toHaveLength(2); // resent under the same key, inside the window
    expect(emu.acceptancesByKey().get('k-kill')).toBe(1); // and paid once
    expect([0, 5]).toContain(b.code);
    // Past the window: nothing is sent, the row is left unknown for a person to settle.
    emu.script(['hang']);
    const c = host(url, emu, { timeout: 30 });
    const second = spawnCli(['send', PHONE, '60', '--key', 'k-late', '--yes', '--json'], { sandbox: c.sandbox, env: c.env });
    const secondDone = collect(second);
    await waitFor(() => emu.state().accepted.length === 2, 10_000, 'the second request to arrive');
    second.kill('SIGKILL');
    await secondDone;
    await admin(
      url,
      "UPDATE transactions SET lease_expires_at = 0, first_attempt_at = first_attempt_at - 600000 WHERE idempotency_key = 'k-late'",
    );
    const late = await run(['send', PHONE, '60', '--key', 'k-late', '--yes', '--json'], host(url, emu));
    expect(late.code).toBe(5);
    expect(parseJson(late)).toMatchObject({ ok: false, error: { code: 'OUTCOME_UNKNOWN' } });
    expect(emu.state().sends).toHaveLength(3);
    expect((await rows(url)).find((r) => r.idempotency_key === 'k-late')).toMatchObject({ state: 'unknown' });
  });

  it('a database connection terminated mid-send: no second payment, and a re-run finishes the row', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 1500 });
    const a = host(url, emu);
    const child = spawnCli(['send', PHONE, '50', '--key', 'k-cut', '--yes', '--json', '--timeout', '10'], {
      sandbox: a.sandbox,
      env: a.env,
    });
    const done = collect(child);
    // The emulator answers 1.5 s after a request arrives: the claim is committed and the request is out.
    let pending = false;
    for (let i = 0; i < 500 && !pending; i += 1) {
      pending = (await rows(url).catch(() => [])).some((r) => r.state === 'pending'); // (no table until it migrates)
      if (!pending) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(pending).toBe(true);
    const cut = await admin(url, 'SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity WHERE application_name LIKE $1', [
      `airtime/%/${child.pid}`,
    ]);
    expect(cut).toEqual([{ cut: true }]);
    const first = await done;
    // Either the answer was recorded over a new connection (0), or the record failed and the run
    // said so with the key that resumes it (4).
    expect([0, 4]).toContain(first.code);
    if (first.code === 4) expect(first.stderr).toContain('--key k-cut');
    const again = await run(['send', PHONE, '50', '--key', 'k-cut', '--yes', '--json'], host(url, emu));
    expect([0, 5]).toContain(again.code);
    expect(emu.acceptancesByKey().get('k-cut')).toBe(1);
    expect((await rows(url))[0]?.state).toMatch(/^(sent|unknown)$/);
  });

  it('a ledger that fails mid-batch stops the run with exit 4 and the command that resumes it; the re-run pays each row once', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 20 });
    await run(['send', PHONE, '50', '--key', 'create', '--yes'], host(url, emu)); // the owner creates the schema
    const schema = new URL(url).searchParams.get('options')?.split('=')[1] as string;
    const role = `airtime_e2e_${Math.random().toString(36).slice(2, 10)}`;
    const server = new URL(url);
    server.search = '';
    await admin(server.toString(), `CREATE ROLE ${role} LOGIN`);
    try {
      await admin(
        server.toString(),
        `GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
         GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};`,
      );
      const asRole = new URL(url);
      asRole.username = role;
      const where = host(asRole.toString(), emu);
      const file = join(where.sandbox.cwd, 'rows.csv');
      writeFileSync(file, `phone,amount\n${Array.from({ length: 40 }, (_, i) => `+2547123${String(50000 + i)},10`).join('\n')}\n`);
      const args = ['send', '--file', file, '--batch', 'midrun', '--yes', '--json', '--concurrency', '2'];
      const child = spawnCli(args, { sandbox: where.sandbox, env: where.env });
      const done = collect(child);
      await waitFor(() => emu.state().accepted.length >= 10, 10_000, 'ten rows to be paid');
      // The database stops taking claims from this host (a revoked grant, as a failover or a full disk would).
      await admin(server.toString(), `REVOKE INSERT ON ${schema}.transactions FROM ${role}`);
      const stopped = await done;
      expect(stopped.code).toBe(4);
      expect(stopped.stderr).toContain('permission denied');
      expect(stopped.stderr).toContain(`to finish the batch: airtime send --file ${file} --batch midrun --yes`);
      const paidBefore = emu.state().accepted.length;
      expect(paidBefore).toBeLessThan(41);
      await admin(server.toString(), `GRANT INSERT ON ${schema}.transactions TO ${role}`);
      const resumed = await run(args, where);
      expect(resumed.code).toBe(0);
      expect(parseJson(resumed)).toMatchObject({ total: 40, failed: 0, unknown: 0 });
      const midrun = [...emu.acceptancesByKey()].filter(([key]) => key.startsWith('midrun:'));
      expect(midrun).toHaveLength(40);
      expect(midrun.every(([, times]) => times === 1)).toBe(true);
    } finally {
      await admin(server.toString(), `DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });

  it('a host clock hours off changes no window: each is measured on the database clock', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    // A send whose host died after its request left, one minute ago (database time).
    const a = host(url, emu, { timeout: 30 });
    emu.script(['hang']);
    const child = spawnCli(['send', PHONE, '50', '--key', 'k-clock', '--yes'], { sandbox: a.sandbox, env: a.env });
    const done = collect(child);
    await waitFor(() => emu.state().accepted.length === 1, 10_000, 'the request to arrive');
    child.kill('SIGKILL');
    await done;
    await admin(
      url,
      'UPDATE transactions SET lease_expires_at = 0, first_attempt_at = first_attempt_at - 60000, created_at = created_at - 60000',
    );
    // A host five hours ahead would think the 5-minute window long closed, and give up: it resends.
    const ahead = host(url, emu);
    const resumed = await run(
      ['send', PHONE, '50', '--key', 'k-clock', '--yes', '--json'],
      ahead,
      skewedClock(ahead.sandbox, 5 * 3_600_000),
    );
    expect([0, 5]).toContain(resumed.code);
    expect(emu.state().sends).toHaveLength(2);
    // Ten minutes later (database time) the window has closed. A host five hours behind would think
    // it open and resend, which Africa's Talking could pay a second time: it does not.
    await admin(url, "UPDATE transactions SET state = 'pending', lease_expires_at = 0, first_attempt_at = first_attempt_at - 600000");
    const behind = host(url, emu);
    const refused = await run(
      ['send', PHONE, '50', '--key', 'k-clock', '--yes', '--json'],
      behind,
      skewedClock(behind.sandbox, -5 * 3_600_000),
    );
    expect(refused.code).toBe(5);
    expect(emu.state().sends).toHaveLength(2);
    // The repeat guard, on the same clock: a key-less send of the same payment, from a host an hour
    // ahead (which would think the 15-minute repeat window long past), is refused.
    await admin(url, "UPDATE transactions SET state = 'sent', created_at = (extract(epoch from now()) * 1000)::bigint - 60000");
    const repeat = await run(['send', PHONE, '50', '--yes', '--json'], ahead, skewedClock(ahead.sandbox, 3_600_000));
    expect(repeat.code).toBe(2);
    expect(parseJson(repeat)).toMatchObject({ error: { code: 'REPEAT_PAYMENT' } });
    expect(emu.state().sends).toHaveLength(2);
  });

  it('status, stats, export, reconcile and serve callbacks read and settle the shared ledger', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const a = host(url, emu);
    expect((await run(['send', PHONE, '50', '--key', 'k-1', '--yes'], a)).code).toBe(0);
    emu.script(['hang']);
    const b = host(url, emu, { timeout: 0.5, retries: 0 });
    expect((await run(['send', PHONE, '70', '--key', 'k-2', '--yes'], b)).code).toBe(5);
    const other = host(url, emu); // another host sees both
    const status = parseJson(await run(['status', '--json'], other));
    expect((status.transactions as { idempotencyKey: string; state: string }[]).map((t) => [t.idempotencyKey, t.state])).toEqual([
      ['k-2', 'unknown'],
      ['k-1', 'sent'],
    ]);
    expect(parseJson(await run(['stats', '--json'], other))).toMatchObject({ attempts: 2, sent: 1, unknown: 1 });
    const exported = await run(['export', '--format', 'jsonl'], other);
    expect(exported.stdout.trim().split('\n')).toHaveLength(2);
    const reconciled = await run(['reconcile', 'k-2', '--as', 'failed', '--note', 'not in the dashboard', '--json'], other);
    expect(reconciled.code).toBe(0);
    expect((await rows(url)).map((r) => r.state)).toEqual(['sent', 'failed']);
    // A status callback, received by `serve` on a third host, settles k-1 as delivered.
    const requestId = (await rows(url))[0]?.request_id as string;
    const serveHost = host(url, emu);
    const serve = spawnCli(['serve', '--port', '0', '--insecure-no-token'], { sandbox: serveHost.sandbox, env: serveHost.env });
    const serving = collect(serve);
    let stdout = '';
    serve.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(() => stdout.includes('AIRTIME_SERVE_URL='), 10_000, 'serve to listen');
    const serveUrl = /AIRTIME_SERVE_URL=(\S+)/.exec(stdout)?.[1] as string;
    const answer = await fetch(`${serveUrl}/callbacks/status`, {
      method: 'POST',
      body: new URLSearchParams({ requestId, status: 'Success' }),
    });
    expect(answer.status).toBe(200);
    serve.kill('SIGTERM');
    await serving;
    expect((await rows(url))[0]?.state).toBe('delivered');
  });

  it('an unreachable server: exit 4 naming the host, never the password, before any request', async () => {
    const emu = await emulator();
    const where = host('postgres://ops:s3cret-pw@127.0.0.1:9/books', emu);
    const result = await run(['send', PHONE, '50', '--key', 'k', '--yes', '--json'], where);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('postgres://ops:***@127.0.0.1:9/books');
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
    expect(parseJson(result)).toMatchObject({ error: { code: 'LEDGER_ERROR' } });
    expect(emu.state().sends).toHaveLength(0);
  });
});

// Needs no server: a mistyped URL is never a file.
it('a ledger setting that looks like a URL but is not postgres:// is refused, and no file is made of it', async () => {
  const emu = await emulator();
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  for (const location of ['postgres:/db.example/books', 'pg://db.example/books', 'postgresql:db']) {
    const result = await runCli(['send', PHONE, '50', '--key', 'k', '--yes'], {
      sandbox,
      env: emulatorEnv(emu, { AIRTIME_LEDGER: location }),
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('neither a file path nor a postgres:// URL');
  }
  expect(readdirSync(sandbox.cwd)).toEqual([]);
  expect(existsSync(join(sandbox.cwd, 'postgres:'))).toBe(false);
  expect(emu.state().sends).toHaveLength(0);
});
