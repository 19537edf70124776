// A fleet on one PostgreSQL ledger: one batch split over several workers (two of them killed), and
// two `serve` replicas behind one callback URL. Real processes, the built binary, the emulator.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { rowKey } from '../../src/core/batch.js';
import type { Emulator } from '../../src/emulator/server.js';
import {
  type CliResult,
  collect,
  FAST,
  makeSandbox,
  parseJson,
  runCli,
  type Sandbox,
  spawnCli,
  waitFor,
  writeUserConfig,
} from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { admin, describePostgres, freshSchema } from '../helpers/postgres.js';

function host(url: string, emu: Emulator, config: Record<string, unknown> = {}): { sandbox: Sandbox; env: NodeJS.ProcessEnv } {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, timeout: 10, ...config });
  return { sandbox, env: emulatorEnv(emu, { AIRTIME_LEDGER: url, AIRTIME_WEBHOOK_TOKEN: 'fleet-token-0123456789abcdef' }) };
}

/** Every row a worker's summary accounts for: its own, and those other processes had. */
function accounted(result: CliResult): number {
  const s = parseJson(result) as Record<string, number | undefined>;
  return (s.sent ?? 0) + (s.failed ?? 0) + (s.unknown ?? 0) + (s.skipped ?? 0) + (s.elsewhere ?? 0);
}

/** A `serve` on port 0, and the URL it printed. */
async function serve(where: { sandbox: Sandbox; env: NodeJS.ProcessEnv }): Promise<{ url: string; stop: () => Promise<CliResult> }> {
  const child = spawnCli(['serve', '--port', '0'], { sandbox: where.sandbox, env: where.env, timeoutMs: 120_000 });
  const done = collect(child, { timeoutMs: 120_000 });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  await waitFor(() => stdout.includes('AIRTIME_SERVE_URL='), 15_000, 'serve to listen');
  const url = /AIRTIME_SERVE_URL=(\S+)/.exec(stdout)?.[1] as string;
  return {
    url,
    stop: () => {
      child.kill('SIGTERM');
      return done;
    },
  };
}

describePostgres('a fleet on one PostgreSQL ledger', () => {
  it('3 workers on one 600-row batch, two killed: every row paid once, each summary accounts for the whole batch', async () => {
    const url = await freshSchema();
    const emu = await emulator({ latencyMs: 20 });
    const rows = 600;
    const workers = [host(url, emu), host(url, emu), host(url, emu)];
    const lines = Array.from({ length: rows }, (_, i) => `+2547${String(20_000_000 + i).padStart(8, '0')},10`);
    for (const w of workers) writeFileSync(join(w.sandbox.cwd, 'payroll.csv'), `phone,amount\n${lines.join('\n')}\n`);
    const args = (w: (typeof workers)[number]) => [
      'send',
      '--file',
      join(w.sandbox.cwd, 'payroll.csv'),
      '--batch',
      'fleet',
      '--yes',
      '--json',
      '--concurrency',
      '4',
    ];
    const children = workers.map((w) => spawnCli(args(w), { sandbox: w.sandbox, env: w.env, timeoutMs: 120_000 }));
    const results = children.map((child) => collect(child, { timeoutMs: 120_000 }));
    await waitFor(() => emu.state().accepted.length >= 100, 60_000, '100 rows paid');
    children[0]?.kill('SIGKILL');
    await waitFor(() => emu.state().accepted.length >= 250, 60_000, '250 rows paid');
    children[1]?.kill('SIGKILL');
    expect((await results[0])?.signal).toBe('SIGKILL');
    expect((await results[1])?.signal).toBe('SIGKILL');
    // The killed workers' leases run out (30 s; here at once): the survivor finishes their rows.
    await admin(url, `UPDATE transactions SET lease_expires_at = 0 WHERE state = 'pending' AND owner_pid = ANY($1::int[])`, [
      [children[0]?.pid, children[1]?.pid],
    ]);
    const survivor = (await results[2]) as CliResult;
    expect([0, 5]).toContain(survivor.code); // 5: a row killed mid-request, resent, answered "duplicate"
    expect(accounted(survivor)).toBe(rows);
    expect((parseJson(survivor) as { elsewhere: number }).elsewhere).toBeGreaterThan(0);
    // Nothing is left pending; a re-run replays the whole batch with its final result.
    expect(await admin(url, "SELECT count(*)::int AS n FROM transactions WHERE state = 'pending'")).toEqual([{ n: 0 }]);
    const again = await runCli(args(workers[2] as (typeof workers)[number]), workers[2] as { sandbox: Sandbox; env: NodeJS.ProcessEnv });
    expect(accounted(again)).toBe(rows);
    // Rows left unknown (a killed worker's request, resent and answered "duplicate") are tried again
    // inside their window; every other row is replayed.
    const summary = parseJson(again) as { total: number; elsewhere: number; replayed: number; unknown: number };
    expect(summary).toMatchObject({ total: rows, elsewhere: 0, failed: 0, skipped: 0 });
    expect(summary.replayed + summary.unknown).toBe(rows);
    // Each row paid exactly once.
    const paid = [...emu.acceptancesByKey()].filter(([key]) => key.startsWith('fleet:'));
    expect(paid).toHaveLength(rows);
    expect(paid.every(([, times]) => times === 1)).toBe(true);
    // `status fleet` shows the whole batch, whoever sent it.
    const status = parseJson(await runCli(['status', 'fleet', '--json'], workers[0] as { sandbox: Sandbox; env: NodeJS.ProcessEnv }));
    expect((status.transactions as unknown[]).length).toBe(rows);
  }, 150_000);

  it('a worker takes the rows nobody holds, in file order, 16 to a claim, and leaves the rows other workers took to them', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const worker = host(url, emu);
    expect((await runCli(['send', '+254712345678', '50', '--key', 'seed', '--yes'], worker)).code).toBe(0);
    const phone = (row: number) => `+2547${String(30_000_000 + row).padStart(8, '0')}`;
    const rows = Array.from({ length: 40 }, (_, i) => i + 1);
    writeFileSync(join(worker.sandbox.cwd, 'split.csv'), `phone,amount\n${rows.map((row) => `${phone(row)},10`).join('\n')}\n`);
    // Rows 1-8 and 20-30 were paid by other workers of the batch while this one ran (created after it began).
    const others = rows.filter((row) => row <= 8 || (row >= 20 && row <= 30));
    const key = (row: number) =>
      rowKey('split', { phoneNumber: phone(row), amountMinor: 1000, currency: 'KES', reference: null, occurrence: 1 });
    await admin(
      url,
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, batch_id,
         row_number, state, at_status, request_id, attempts, first_attempt_at, created_at, updated_at, os_user, host)
       SELECT 'sandbox', 'sandbox', k.key, k.phone, 'KE', 'KES', 1000, 'split', k.row, 'sent', 'Sent', 'ATQid_other_' || k.row, 1,
         $1, $1, $1, 'u', 'other-host'
       FROM unnest($2::text[], $3::text[], $4::int[]) AS k(key, phone, row)`,
      [Date.now() + 3_600_000, others.map(key), others.map(phone), others],
    );
    const result = await runCli(
      ['send', '--file', join(worker.sandbox.cwd, 'split.csv'), '--batch', 'split', '--yes', '--json', '--concurrency', '2'],
      worker,
    );
    expect(result.code).toBe(0);
    expect(parseJson(result)).toMatchObject({ total: 40, sent: 21, elsewhere: 19, replayed: 0 });
    // Its own rows, claimed in file order past the others', 16 rows to a claim (rows of one claim share its time).
    const mine = await admin<{ row_number: number; created_at: string }>(
      url,
      "SELECT row_number, created_at FROM transactions WHERE batch_id = 'split' AND host <> 'other-host' ORDER BY id",
    );
    expect(mine.map((r) => r.row_number)).toEqual(rows.filter((row) => !others.includes(row)));
    const claims = [...new Set(mine.map((r) => r.created_at))];
    expect(claims.length).toBeLessThanOrEqual(2);
    expect(mine.filter((r) => r.created_at === claims[0]).length).toBeGreaterThanOrEqual(16);
    // Nobody else's row was sent again; each of its own once.
    const paid = emu.acceptancesByKey();
    expect(others.filter((row) => paid.has(key(row)))).toEqual([]);
    expect(rows.filter((row) => !others.includes(row)).every((row) => paid.get(key(row)) === 1)).toBe(true);
  }, 60_000);

  it('two serve replicas behind one URL: 2,000 status callbacks at 50 at a time, none lost; 30 validations of one send, one Validated', async () => {
    const url = await freshSchema();
    const emu = await emulator();
    const a = host(url, emu);
    // The ledger, created by a send; then 2,000 sent rows written straight into it.
    expect((await runCli(['send', '+254712345678', '50', '--key', 'seed', '--yes'], a)).code).toBe(0);
    const now = Date.now();
    await admin(
      url,
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
         at_status, request_id, attempts, first_attempt_at, created_at, updated_at, os_user, host)
       SELECT 'sandbox', 'sandbox', 'cb-' || i, '+2547' || lpad(i::text, 8, '0'), 'KE', 'KES', 1000, 'sent', 'Sent',
         'ATQid_cb_' || i, 1, $1, $1, $1, 'u', 'h' FROM generate_series(1, 2000) AS i`,
      [now],
    );
    const replicas = await Promise.all([serve(host(url, emu)), serve(host(url, emu))]);
    try {
      const post = (replica: number, path: string, body: Record<string, string>) =>
        fetch(`${replicas[replica]?.url}${path}?token=fleet-token-0123456789abcdef`, { method: 'POST', body: new URLSearchParams(body) });
      let next = 1;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          for (let i = next++; i <= 2000; i = next++) {
            const answer = await post(i % 2, '/callbacks/status', { requestId: `ATQid_cb_${i}`, status: 'Success' });
            statuses.push(answer.status);
          }
        }),
      );
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(
        await admin(url, "SELECT count(*)::int AS n FROM transactions WHERE idempotency_key LIKE 'cb-%' AND state = 'delivered'"),
      ).toEqual([{ n: 2000 }]);
      // One pending send of KES 50 to one number; 30 validation callbacks for it, each with its own
      // transactionId (a leaked key sending the same), spread over both replicas: one is approved.
      await admin(
        url,
        `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
           attempts, first_attempt_at, created_at, updated_at, os_user, host)
         VALUES ('sandbox', 'sandbox', 'v-1', '+254700000001', 'KE', 'KES', 5000, 'pending', 1, $1, $1, $1, 'u', 'h')`,
        [Date.now()],
      );
      const answers = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const response = await post(i % 2, '/callbacks/validation', {
            transactionId: `AT-V-${i}`,
            phoneNumber: '+254700000001',
            currencyCode: 'KES',
            amount: '50.00',
          });
          return ((await response.json()) as { status: string }).status;
        }),
      );
      expect(answers.filter((s) => s === 'Validated')).toHaveLength(1);
      expect(answers.filter((s) => s === 'Failed')).toHaveLength(29);
    } finally {
      const stopped = await Promise.all(replicas.map((r) => r.stop()));
      expect(stopped.map((r) => r.code)).toEqual([0, 0]);
    }
  }, 120_000);
});
