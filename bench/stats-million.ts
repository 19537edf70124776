// `airtime stats` on a generated 1,000,000-row ledger: the whole command, as a user runs it.
// Target: under 1 s. Rows span 30 days, three currencies and every state.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../src/ledger/sqlite/driver.js';

const ROWS = Number(process.env.BENCH_STATS_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_STATS_RUNS ?? 5);
// This file runs bundled into bench/tmp/ (see bench/build.mjs).
const BIN = new URL('../../bin/airtime.cjs', import.meta.url).pathname;

export function generateLedger(path: string, rows: number, now = Date.now()): void {
  const ledger = SqliteDatabase.open(path, { synchronous: 'NORMAL' });
  const spacing = Math.floor((30 * 24 * 3600 * 1000) / rows);
  ledger.db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows - 1})
    INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
      state, at_status, request_id, discount_currency, discount_units4, error_code, error_message, attempts,
      first_attempt_at, created_at, updated_at, os_user, host)
    SELECT 'bench', CASE WHEN i % 10 = 3 THEN 'live' ELSE 'sandbox' END, 'key-' || i,
      '+2547' || printf('%08d', i % 100000000), 'KE',
      CASE i % 3 WHEN 0 THEN 'KES' WHEN 1 THEN 'UGX' ELSE 'NGN' END,
      500 + (i % 5000) * 100,
      CASE WHEN i % 50 = 0 THEN 'failed' WHEN i % 97 = 0 THEN 'unknown' WHEN i % 2 = 0 THEN 'delivered' ELSE 'sent' END,
      'Sent', 'ATQid_' || i,
      CASE WHEN i % 50 = 0 OR i % 97 = 0 THEN NULL WHEN i % 7 = 0 THEN 'USD' ELSE 'KES' END,
      CASE WHEN i % 50 = 0 OR i % 97 = 0 THEN NULL ELSE 400 + i % 100 END,
      CASE WHEN i % 50 = 0 THEN 'REJECTED' END,
      CASE WHEN i % 50 = 0 THEN CASE i % 3 WHEN 0 THEN 'Insufficient Credit' WHEN 1 THEN 'Invalid Phone Number' ELSE 'Value Outside The Allowed Limits' END END,
      1, ${now} - i * ${spacing}, ${now} - i * ${spacing}, ${now} - i * ${spacing}, 'bench', 'bench'
    FROM n;
    ANALYZE;
  `);
  ledger.close();
}

export function statsMillion() {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-stats-'));
  try {
    const path = join(dir, 'ledger.db');
    const started = performance.now();
    generateLedger(path, ROWS);
    const generatedMs = performance.now() - started;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, AIRTIME_LEDGER: path, AT_USERNAME: 'sandbox' };
    const times: number[] = [];
    let output = '';
    for (let run = 0; run < RUNS + 1; run += 1) {
      const t = performance.now();
      const result = spawnSync(process.execPath, [BIN, 'stats', '--json'], { env, encoding: 'utf8', cwd: dir });
      const elapsed = performance.now() - t;
      if (result.status !== 0) throw new Error(`stats failed: ${result.stderr}`);
      output = result.stdout;
      if (run > 0) times.push(elapsed); // the first run warms the file cache
    }
    const doc = JSON.parse(output) as { attempts: number };
    times.sort((a, b) => a - b);
    return { rows: ROWS, rowsInEnvironment: doc.attempts, generatedMs, medianMs: times[Math.floor(times.length / 2)] ?? 0, targetMs: 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
