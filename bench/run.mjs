// `npm run bench`: every benchmark of the project, in one run. Writes bench/results.json and the
// table between the bench markers in README.md. Claims are ratios against baselines measured in
// the same run; absolute times are there for context (the machines are shared and noisy).
import { readFileSync, writeFileSync } from 'node:fs';
import { bundleBench } from './build.mjs';
import { inputBoundsBench } from './input-bounds.mjs';
import { ROOT, table } from './lib.mjs';
import { startupBench } from './startup.mjs';

// Timed child processes must not pay for NODE_EXTRA_CA_CERTS (~90 ms a start here); the helpers
// that spawn them also drop it, this covers everything else.
delete process.env.NODE_EXTRA_CA_CERTS;

const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const results = { date: new Date().toISOString(), node: process.version };
const rows = [];
const verdict = (ok) => (ok ? 'met' : 'not met');

async function runTs(entry, exported, ...args) {
  const module = await import(await bundleBench(entry));
  return module[exported](...args);
}

if (wanted('startup')) {
  console.error('start-up…');
  const startup = await startupBench();
  results.startup = startup;
  for (const r of startup.results) {
    rows.push([
      `start-up: ${r.name}`,
      `${r.ratio.toFixed(2)}x node -e 0 (${r.medianMs.toFixed(0)} ms vs ${startup.baselineMs.toFixed(0)} ms)`,
      `≤ ${r.target}x`,
      verdict(r.ratio <= r.target),
    ]);
  }
}

if (wanted('ledger')) {
  console.error('ledger throughput…');
  const zero = await runTs('bench/ledger-throughput.ts', 'ledgerThroughput', { latencyMs: 0 });
  const near = await runTs('bench/ledger-throughput.ts', 'ledgerThroughput', { latencyMs: 20 });
  results.ledger = { zeroLatency: zero, latency20ms: near };
  // Signed: on a noisy machine a cheap mode can measure faster than no ledger at all.
  const pct = (x) => `${x < 0 ? '' : '+'}${(x * 100).toFixed(0)}%`;
  rows.push([
    'ledger: added per send, synchronous FULL (chosen), emulator 0 ms',
    `${pct(zero.addedFull)} (${zero.sendsPerSecond.FULL.toFixed(0)}/s vs ${zero.sendsPerSecond.none.toFixed(0)}/s without a ledger)`,
    '< 15%',
    verdict(zero.addedFull < 0.15),
  ]);
  rows.push([
    'ledger: same, synchronous NORMAL (for comparison)',
    `${pct(zero.addedNormal)} (${zero.sendsPerSecond.NORMAL.toFixed(0)}/s)`,
    '',
    '',
  ]);
  rows.push([
    'ledger: added per send, FULL, emulator answering in 20 ms',
    `${pct(near.addedFull)} (${near.sendsPerSecond.FULL.toFixed(1)}/s vs ${near.sendsPerSecond.none.toFixed(1)}/s)`,
    '< 15%',
    verdict(near.addedFull < 0.15),
  ]);
}

if (wanted('bulk')) {
  console.error('bulk sends and validate --file on 1,000,000 rows…');
  const bulk = await runTs('bench/bulk.ts', 'bulkBench');
  results.bulk = bulk;
  const t = bulk.throughput;
  rows.push([
    `bulk: ${t.rows} rows, no latency, concurrency ${t.concurrency}, vs plain fetch without a ledger`,
    `${t.ratio.toFixed(2)}x (${(t.airtimeMs / 1000).toFixed(2)} s vs ${(t.referenceMs / 1000).toFixed(2)} s)`,
    `< ${t.target}x`,
    verdict(t.ratio < t.target),
  ]);
  const l = bulk.latencyBound;
  rows.push([
    `bulk: ${l.rows} rows, ${l.latencyMs} ms latency, concurrency ${l.concurrency}`,
    `${(l.measuredMs / 1000).toFixed(2)} s (${l.ratio.toFixed(2)}x the ideal ${(l.idealMs / 1000).toFixed(0)} s; plain fetch without a ledger: ${(l.referenceMs / 1000).toFixed(2)} s)`,
    `≤ ${l.target}x`,
    verdict(l.ratio <= l.target),
  ]);
  const v = bulk.validate;
  rows.push([
    'validate --file on 1,000,000 rows',
    `${Math.round(v.rowsPerSecond).toLocaleString('en-US')} rows/s, peak ${v.peakMb.toFixed(0)} MB`,
    `≥ 50,000 rows/s, < 150 MB`,
    verdict(v.rowsPerSecond >= v.rowsPerSecondTarget && v.peakMb < v.peakMbTarget),
  ]);
}

if (wanted('bounds')) {
  console.error('bounded input: 100 MB on one line, and of NUL bytes, on standard input…');
  const bounds = await inputBoundsBench();
  results.bounds = bounds;
  for (const r of bounds.results) {
    rows.push([
      `${r.command}: ${r.input} on stdin`,
      `exit ${r.exitCodes.join('/')} in ${(r.elapsedMs / 1000).toFixed(2)} s (${r.timeRatio.toFixed(2)}x one row), peak ${r.peakMb.toFixed(0)} MB (${r.memoryRatio.toFixed(2)}x)`,
      'exit 2, < 2 s, < 100 MB',
      verdict(r.met),
    ]);
  }
}

if (wanted('callbacks')) {
  console.error('serve: 2,000 status callbacks, 50 at a time…');
  const load = await runTs('bench/callbacks.ts', 'callbacksLoad');
  results.callbacks = load;
  rows.push([
    `serve: ${load.requests} status callbacks, ${load.concurrency} at a time, from a second process`,
    `${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms, ${load.lost} lost, ${load.errors} errors`,
    'none lost, no errors',
    verdict(load.lost === 0 && load.errors === 0),
  ]);
}

if (wanted('stats')) {
  console.error('stats on 1,000,000 rows (generating the ledger takes a while)…');
  const stats = await runTs('bench/stats-million.ts', 'statsMillion');
  results.stats = stats;
  rows.push([
    `stats --json on ${stats.rows.toLocaleString('en-US')} rows`,
    `${stats.medianMs.toFixed(0)} ms (whole command)`,
    '< 1000 ms',
    verdict(stats.medianMs < 1000),
  ]);
}

if (wanted('postgres')) {
  console.error('the shared ledger: bulk send and stats on PostgreSQL vs SQLite…');
  const shared = await runTs('bench/postgres.ts', 'postgresBench');
  results.postgres = shared;
  const b = shared.bulk;
  const range = ([lo, hi]) => `${(lo / 1000).toFixed(2)}-${(hi / 1000).toFixed(2)} s`;
  rows.push([
    `shared ledger: ${b.rows} rows, concurrency ${b.concurrency}, emulator 0 ms, PostgreSQL vs SQLite (median of ${b.rounds})`,
    `${b.ratio.toFixed(2)}x (${(b.postgresMs / 1000).toFixed(2)} s [${range(b.postgresRange)}] vs ${(b.sqliteMs / 1000).toFixed(2)} s [${range(b.sqliteRange)}])`,
    `≤ ${b.target}x`,
    verdict(b.ratio <= b.target),
  ]);
  const s = shared.stats;
  rows.push([
    `shared ledger: stats --json on ${s.rows.toLocaleString('en-US')} rows, PostgreSQL vs SQLite`,
    `${s.ratio.toFixed(2)}x (${s.postgresMs.toFixed(0)} ms vs ${s.sqliteMs.toFixed(0)} ms)`,
    `≤ ${s.target}x and < ${s.targetMs} ms`,
    verdict(s.ratio <= s.target && s.postgresMs < s.targetMs),
  ]);
}

if (wanted('fleet')) {
  console.error('a fleet on one shared ledger: 4 workers vs 1 on one batch…');
  const fleet = await runTs('bench/fleet.ts', 'fleetBench');
  results.fleet = fleet;
  const r = (x) => `${x.rowsPerSecond.toFixed(0)} rows/s (${(x.ms / 1000).toFixed(1)} s)`;
  rows.push([
    `fleet: ${fleet.rows} rows, ${fleet.latencyMs} ms latency, 4 workers × concurrency 4 vs 1 worker × 16 (same requests in flight)`,
    `${fleet.coordination.toFixed(2)}x (${r(fleet.split)} vs ${r(fleet.wide)}; rows per worker ${fleet.split.sentPerWorker.join('/')})`,
    `≥ ${fleet.coordinationTarget}x`,
    verdict(fleet.coordination >= fleet.coordinationTarget),
  ]);
  rows.push([
    'fleet: the same 4 workers vs 1 worker × concurrency 4 (what more hosts buy)',
    `${fleet.scaling.toFixed(2)}x (${r(fleet.split)} vs ${r(fleet.narrow)})`,
    '',
    '',
  ]);
}

const text = table(rows, ['benchmark', 'measured', 'target', '']);
console.log(text);
if (only.length === 0) {
  writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = readme.indexOf(start);
  const b = readme.indexOf(end);
  if (a !== -1 && b > a) {
    const block = `${start}\nMeasured by \`npm run bench\` on ${results.date.slice(0, 10)} (Node ${results.node}; ${results.date}):\n\n${text}\n${end}`;
    writeFileSync(`${ROOT}README.md`, readme.slice(0, a) + block + readme.slice(b + end.length));
  }
}
