// The shared ledger against the embedded one, side by side in one run: (1) a 2,000-row bulk send at
// concurrency 8 against the emulator answering at once, PostgreSQL vs SQLite (target: at most 1.5x
// the SQLite time); (2) `airtime stats --json` on a 1,000,000-row ledger after VACUUM ANALYZE, the
// same data as the SQLite figure (targets: at most 1.5x SQLite, and under 1.5 s). Needs a
// PostgreSQL server: AIRTIME_BENCH_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test; the
// benchmark works in a schema of its own and drops it.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv, SERVER, sql, withSchema } from './shared-ledger.js';
import { generateLedger } from './stats-million.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function startEmulator(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--balance', 'KES 100000000', '--quiet'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: cleanEnv({}),
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function timed(args: string[], env: NodeJS.ProcessEnv, cwd: string): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, ...args], { env, cwd, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`airtime ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 500)}\n${result.stdout.slice(0, 4000)}`);
  return elapsed;
}

/** The 1,000,000 rows of bench/stats-million.ts, generated in PostgreSQL. */
function generatePostgres(rows: number, now: number): string {
  const spacing = Math.floor((30 * 24 * 3600 * 1000) / rows);
  return `
    INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
      state, at_status, request_id, discount_currency, discount_units4, error_code, error_message, attempts,
      first_attempt_at, created_at, updated_at, os_user, host)
    SELECT 'bench', CASE WHEN i % 10 = 3 THEN 'live' ELSE 'sandbox' END, 'key-' || i,
      '+2547' || lpad((i % 100000000)::text, 8, '0'), 'KE',
      CASE i % 3 WHEN 0 THEN 'KES' WHEN 1 THEN 'UGX' ELSE 'NGN' END,
      500 + (i % 5000) * 100,
      CASE WHEN i % 50 = 0 THEN 'failed' WHEN i % 97 = 0 THEN 'unknown' WHEN i % 2 = 0 THEN 'delivered' ELSE 'sent' END,
      'Sent', 'ATQid_' || i,
      CASE WHEN i % 50 = 0 OR i % 97 = 0 THEN NULL WHEN i % 7 = 0 THEN 'USD' ELSE 'KES' END,
      CASE WHEN i % 50 = 0 OR i % 97 = 0 THEN NULL ELSE 400 + i % 100 END,
      CASE WHEN i % 50 = 0 THEN 'REJECTED' END,
      CASE WHEN i % 50 = 0 THEN CASE i % 3 WHEN 0 THEN 'Insufficient Credit' WHEN 1 THEN 'Invalid Phone Number' ELSE 'Value Outside The Allowed Limits' END END,
      1, ${now} - i * ${spacing}, ${now} - i * ${spacing}, ${now} - i * ${spacing}, 'bench', 'bench'
    FROM generate_series(0::bigint, ${rows - 1}) AS i;`;
}

export async function postgresBench({ rounds = 5, statsRows = Number(process.env.BENCH_STATS_ROWS ?? 1_000_000), statsRuns = 7 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-pg-'));
  const schemas: string[] = [];
  const schema = async () => {
    const name = `airtime_bench_${randomBytes(5).toString('hex')}`;
    await sql(SERVER, `CREATE SCHEMA ${name}`);
    schemas.push(name);
    return withSchema(SERVER, name);
  };
  const emulator = await startEmulator();
  try {
    // (1) 2,000 rows, concurrency 8, alternating stores round by round.
    const file = join(dir, 'rows.csv');
    writeFileSync(
      file,
      `phone,amount\n${Array.from({ length: 2000 }, (_, i) => `+2547${String(10_000_000 + i).padStart(8, '0')},10`).join('\n')}\n`,
    );
    const times = { sqlite: [] as number[], postgres: [] as number[] };
    const base = { AIRTIME_API_URL: emulator.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'bench-key', HOME: dir };
    for (let round = 0; round < rounds; round += 1) {
      // A batch name per run: the emulator, like Africa's Talking, answers a key it saw as a duplicate.
      const args = (store: string) => [
        'send',
        '--file',
        file,
        '--batch',
        `bench-${store}-${round}`,
        '--yes',
        '--quiet',
        '--concurrency',
        '8',
      ];
      times.sqlite.push(timed(args('sqlite'), cleanEnv({ ...base, AIRTIME_LEDGER: join(dir, `ledger-${round}.db`) }), dir));
      times.postgres.push(timed(args('postgres'), cleanEnv({ ...base, AIRTIME_LEDGER: await schema() }), dir));
    }
    const bulk = {
      rows: 2000,
      concurrency: 8,
      rounds,
      sqliteMs: median(times.sqlite),
      postgresMs: median(times.postgres),
      sqliteRange: [Math.min(...times.sqlite), Math.max(...times.sqlite)],
      postgresRange: [Math.min(...times.postgres), Math.max(...times.postgres)],
      ratio: median(times.postgres) / median(times.sqlite),
      target: 1.5,
    };

    // (2) stats on a million rows, the same data in both stores.
    const now = Date.now();
    const sqlitePath = join(dir, 'stats.db');
    generateLedger(sqlitePath, statsRows, now);
    const statsUrl = await schema();
    // Created and migrated by airtime itself, then filled and analysed.
    timed(['status', '--limit', '1'], cleanEnv({ ...base, AIRTIME_LEDGER: statsUrl }), dir);
    timed(['send', '+254711000001', '10', '--key', 'migrate', '--yes'], cleanEnv({ ...base, AIRTIME_LEDGER: statsUrl }), dir);
    await sql(statsUrl, `DELETE FROM events; DELETE FROM transactions; ${generatePostgres(statsRows, now)}`);
    await sql(statsUrl, 'VACUUM ANALYZE transactions');
    const statsEnv = (ledger: string) => cleanEnv({ HOME: dir, AT_USERNAME: 'sandbox', AIRTIME_LEDGER: ledger });
    const statsTimes = { sqlite: [] as number[], postgres: [] as number[] };
    for (let run = 0; run <= statsRuns; run += 1) {
      const s = timed(['stats', '--json'], statsEnv(sqlitePath), dir);
      const p = timed(['stats', '--json'], statsEnv(statsUrl), dir);
      if (run === 0) continue; // the first run of each warms the caches
      statsTimes.sqlite.push(s);
      statsTimes.postgres.push(p);
    }
    const stats = {
      rows: statsRows,
      runs: statsRuns,
      sqliteMs: median(statsTimes.sqlite),
      postgresMs: median(statsTimes.postgres),
      ratio: median(statsTimes.postgres) / median(statsTimes.sqlite),
      target: 1.5,
      targetMs: 1500,
    };
    return { node: process.version, loadavg: loadavg(), bulk, stats };
  } finally {
    emulator.stop();
    if (schemas.length > 0) await sql(SERVER, `DROP SCHEMA ${schemas.join(', ')} CASCADE`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
