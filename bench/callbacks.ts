// Load check of `airtime serve` (issue 7): 2,000 status callbacks, 50 in flight at a time, posted
// from a second process on loopback to a real serve process over a generated ledger. Every one
// must land in the ledger (none lost) with a 200 (no error responses). A check with figures for
// docs/performance.md, not a timed test: the machines are shared and noisy.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDatabase } from '../src/ledger/sqlite/driver.js';

// This file runs bundled into bench/tmp/ (see bench/build.mjs).
const BIN = new URL('../../bin/airtime.cjs', import.meta.url).pathname;
const REQUEST_ID = 'ATQid_bench_';

export interface CallbacksLoad {
  requests: number;
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers other than 200, and requests that got no answer. */
  errors: number;
  /** Callbacks answered or not, whose transaction the ledger does not show as delivered. */
  lost: number;
}

/** The environment of the child processes: none of the developer's airtime or proxy settings. */
function childEnv(home: string, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(AT_|AIRTIME_|XDG_)|_PROXY$|_proxy$|^NODE_EXTRA_CA_CERTS$/.test(name)) env[name] = value;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, 'data'), ...extra };
}

/** `count` sent transactions, each with the requestId its callback will name. */
function generateLedger(path: string, count: number): void {
  const ledger = SqliteDatabase.open(path, { synchronous: 'NORMAL' });
  const now = Date.now();
  try {
    ledger.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
      INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
        state, at_status, request_id, discount_currency, discount_units4, exit_code, attempts, first_attempt_at,
        created_at, updated_at, settled_at, os_user, host)
      SELECT 'sandbox', 'sandbox', 'bench-' || i, '+2547' || printf('%08d', i), 'KE', 'KES', 5000,
        'sent', 'Sent', '${REQUEST_ID}' || i, 'KES', 20000, 0, 1, ${now}, ${now}, ${now}, ${now}, 'bench', 'bench'
      FROM n;`);
  } finally {
    ledger.close();
  }
}

async function startServe(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderrTail = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]?.replace('AIRTIME_SERVE_URL=', '') ?? ''));
    void exited.then((code) => reject(new Error(`airtime serve exited (${code}) before printing its address: ${stderrTail}`)));
  });
  return { url, child, exited };
}

/**
 * The second process: `concurrency` workers over one counter, each posting the next callback
 * (odd ones as JSON, even ones as a form, as Africa's Talking has sent both) and timing it.
 */
const CLIENT = `
const { SERVE_URL, TOKEN, REQUESTS, CONCURRENCY, REQUEST_ID } = process.env;
const url = SERVE_URL + '/callbacks/status?token=' + encodeURIComponent(TOKEN);
const total = Number(REQUESTS);
const latencies = [];
const statuses = {};
let next = 0;
let failures = 0;
async function worker() {
  for (;;) {
    const i = ++next;
    if (i > total) return;
    const fields = { phoneNumber: '+2547' + String(i).padStart(8, '0'), description: 'Airtime Delivered Successfully',
      status: 'Success', requestId: REQUEST_ID + i, discount: 'KES 2.0000', value: 'KES 50.0000' };
    const json = i % 2 === 1;
    const started = performance.now();
    try {
      const response = await fetch(url, { method: 'POST',
        headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
        body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString() });
      await response.arrayBuffer();
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    } catch (error) {
      failures += 1;
    }
    latencies.push(performance.now() - started);
  }
}
const started = performance.now();
await Promise.all(Array.from({ length: Number(CONCURRENCY) }, worker));
process.stdout.write(JSON.stringify({ elapsedMs: performance.now() - started, latencies, statuses, failures }));
`;

interface ClientReport {
  elapsedMs: number;
  latencies: number[];
  statuses: Record<string, number>;
  failures: number;
}

function runClient(env: NodeJS.ProcessEnv): Promise<ClientReport> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CLIENT], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the callback client exited ${code}`));
      else resolve(JSON.parse(out) as ClientReport);
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

export async function callbacksLoad({ requests = 2000, concurrency = 50 } = {}): Promise<CallbacksLoad> {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-callbacks-'));
  const ledgerPath = join(dir, 'ledger.db');
  const token = randomBytes(24).toString('hex');
  generateLedger(ledgerPath, requests);
  const serve = await startServe(childEnv(dir, { AIRTIME_LEDGER: ledgerPath, AIRTIME_WEBHOOK_TOKEN: token }));
  let measured: CallbacksLoad;
  let code: number | null;
  try {
    const report = await runClient(
      childEnv(dir, { SERVE_URL: serve.url, TOKEN: token, REQUESTS: String(requests), CONCURRENCY: String(concurrency), REQUEST_ID }),
    );
    const db = new Database(ledgerPath, { readonly: true });
    let delivered: number;
    try {
      delivered = (
        db.prepare(`SELECT COUNT(*) AS n FROM transactions WHERE state = 'delivered' AND request_id LIKE '${REQUEST_ID}%'`).get() as {
          n: number;
        }
      ).n;
    } finally {
      db.close();
    }
    const sorted = [...report.latencies].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 10) / 10;
    measured = {
      requests,
      concurrency,
      requestsPerSecond: Math.round(requests / (report.elapsedMs / 1000)),
      p50Ms: round(percentile(sorted, 50)),
      p99Ms: round(percentile(sorted, 99)),
      errors: report.failures + Object.entries(report.statuses).reduce((sum, [status, n]) => sum + (status === '200' ? 0 : n), 0),
      lost: requests - delivered,
    };
  } finally {
    serve.child.kill('SIGTERM');
    code = await serve.exited;
    rmSync(dir, { recursive: true, force: true });
  }
  // Checked after the finally block: a throw from inside it would hide the measurement's own error.
  if (code !== 0) throw new Error(`airtime serve exited ${code} on SIGTERM, not 0`);
  return measured;
}
