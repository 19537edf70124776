// A fleet on one shared ledger, side by side in one run: one 4,000-row batch with the emulator
// answering in 50 ms, sent (1) by 4 workers at concurrency 4, (2) by 1 worker at concurrency 16
// (the same requests in flight, so the ratio is what coordinating several workers costs; target:
// the 4 workers reach at least 0.8x its rows per second), and (3) by 1 worker at concurrency 4 (what
// a second, third and fourth host buy). Needs a PostgreSQL server: AIRTIME_BENCH_POSTGRES_URL, else
// postgres://postgres@127.0.0.1:5432/test; each case in a schema of its own, dropped after.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv, SERVER, sql, withSchema } from './shared-ledger.js';

const ROWS = Number(process.env.BENCH_FLEET_ROWS ?? 4000);
const LATENCY_MS = 50;

function exited(args: string[], environment: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: environment, cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

export async function fleetBench() {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-fleet-'));
  const schemas: string[] = [];
  const emulator = spawn(
    process.execPath,
    [BIN, 'emulator', '--port', '0', '--latency', String(LATENCY_MS), '--balance', 'KES 100000000', '--quiet'],
    {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: cleanEnv({}),
    },
  );
  try {
    const url = await new Promise<string>((resolve, reject) => {
      emulator.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
      emulator.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
    });
    const file = join(dir, 'rows.csv');
    writeFileSync(
      file,
      `phone,amount\n${Array.from({ length: ROWS }, (_, i) => `+2547${String(40_000_000 + i).padStart(8, '0')},10`).join('\n')}\n`,
    );
    const run = async (name: string, workers: number, concurrency: number) => {
      const schema = `airtime_bench_${randomBytes(5).toString('hex')}`;
      await sql(SERVER, `CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const environment = cleanEnv({
        HOME: dir,
        AIRTIME_API_URL: url,
        AT_USERNAME: 'sandbox',
        AT_API_KEY: 'bench-key',
        AIRTIME_LEDGER: withSchema(SERVER, schema),
      });
      // The ledger created first, so the workers start together rather than queue on the migration.
      await exited(['send', '+254711000001', '10', '--key', `setup-${name}`, '--yes'], environment, dir);
      const args = ['send', '--file', file, '--batch', `fleet-${name}`, '--yes', '--json', '--concurrency', String(concurrency)];
      const started = performance.now();
      const results = await Promise.all(Array.from({ length: workers }, () => exited(args, environment, dir)));
      const ms = performance.now() - started;
      if (results.some((r) => r.code !== 0)) throw new Error(`${name}: a worker exited ${results.map((r) => r.code).join(', ')}`);
      const own = results.map((r) => JSON.parse(r.stdout) as { sent: number; elsewhere?: number });
      return { workers, concurrency, ms, rowsPerSecond: ROWS / (ms / 1000), sentPerWorker: own.map((o) => o.sent) };
    };
    const split = await run('4x4', 4, 4);
    const wide = await run('1x16', 1, 16);
    const narrow = await run('1x4', 1, 4);
    return {
      node: process.version,
      loadavg: loadavg(),
      rows: ROWS,
      latencyMs: LATENCY_MS,
      split,
      wide,
      narrow,
      coordination: split.rowsPerSecond / wide.rowsPerSecond,
      coordinationTarget: 0.8,
      scaling: split.rowsPerSecond / narrow.rowsPerSecond,
    };
  } finally {
    emulator.kill('SIGTERM');
    if (schemas.length > 0) await sql(SERVER, `DROP SCHEMA ${schemas.join(', ')} CASCADE`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
