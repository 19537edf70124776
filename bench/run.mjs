// `npm run bench`: every benchmark of the project, in one run. Writes bench/results.json and the
// table between the bench markers in docs/performance.md. Claims are ratios against baselines measured in
// the same run; absolute times are there for context (the machines are shared and noisy).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { bundleBench } from './build.mjs';
import { inputBoundsBench } from './input-bounds.mjs';
import { ROOT, table } from './lib.mjs';
import { startupProfile } from './profile.mjs';
import { startupBench } from './startup.mjs';

// Timed child processes must not pay for NODE_EXTRA_CA_CERTS (~90 ms a start here); the helpers
// that spawn them also drop it, this covers everything else.
delete process.env.NODE_EXTRA_CA_CERTS;

const only = process.argv.slice(2);
const wanted = (name) => only.length === 0 || only.includes(name);
const results = { date: new Date().toISOString(), node: process.version };
const rows = [];
const verdict = (ok) => (ok ? 'PASS' : 'FAIL');
/** The Node version and the machine's load average (1, 5, 15 minutes) as a benchmark ends, beside its figures. */
const conditions = () =>
  `${process.version}, load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`;
const ms = (x) => `${x.toFixed(2)} ms`;
const seconds = (x) => `${(x / 1000).toFixed(2)} s`;
const mib = (x) => `${x.toFixed(1)} MiB`;

async function runTs(entry, exported, ...args) {
  const module = await import(await bundleBench(entry));
  return module[exported](...args);
}

if (wanted('startup')) {
  console.error('start-up…');
  const startup = await startupBench();
  const when = conditions();
  results.startup = { ...startup, conditions: when };
  for (const r of startup.results) {
    const measured = `${r.ratio.toFixed(2)}x ${r.versus} (${r.medianMs.toFixed(0)} ms vs ${(r.versus === 'node -e 0' ? startup.baselineMs : startup.results.find((x) => x.name === r.versus).medianMs).toFixed(0)} ms)`;
    const target =
      r.target === undefined ? '' : r.versus === 'node -e 0' ? `≤ ${r.target}x${r.goal ? ` (goal ${r.goal}x)` : ''}` : 'within 5%';
    rows.push([`start-up: ${r.name}`, measured, target, r.target === undefined ? '' : verdict(r.ratio <= r.target), when]);
  }
}

if (wanted('ledger')) {
  console.error('ledger: milliseconds per send…');
  const zero = await runTs('bench/ledger-throughput.ts', 'ledgerThroughput', { latencyMs: 0 });
  const near = await runTs('bench/ledger-throughput.ts', 'ledgerThroughput', { latencyMs: 20 });
  const when = conditions();
  results.ledger = { zeroLatency: zero, latency20ms: near, conditions: when };
  for (const mode of ['FULL', 'NORMAL']) {
    rows.push([
      `ledger: added per send, synchronous ${mode}${mode === 'FULL' ? ' (chosen)' : ''}, emulator 0 ms, node:http`,
      `+${ms(zero.addedMs[mode])} (${ms(zero.msPerSend[mode])} vs ${ms(zero.msPerSend.none)} without a ledger; median of ${zero.rounds} rounds of ${zero.sends})`,
      '',
      '',
      when,
    ]);
  }
  rows.push([
    'ledger: added per send, FULL, emulator answering in 20 ms',
    `+${ms(near.addedMs.FULL)}, +${(near.addedShare.FULL * 100).toFixed(1)}% (${ms(near.msPerSend.FULL)} vs ${ms(near.msPerSend.none)})`,
    '< 15%',
    verdict(near.addedShare.FULL < 0.15),
    when,
  ]);
}

if (wanted('bulk')) {
  console.error('bulk sends and validate --file on 1,000,000 rows…');
  const bulk = await runTs('bench/bulk.ts', 'bulkBench');
  const when = conditions();
  results.bulk = { ...bulk, conditions: when };
  const t = bulk.throughput;
  rows.push([
    `bulk: ${t.rows} rows, no latency, concurrency ${t.concurrency}, vs plain fetch without a ledger`,
    `${t.ratio.median.toFixed(2)}x, min ${t.ratio.min.toFixed(2)}x, max ${t.ratio.max.toFixed(2)}x over ${bulk.rounds} rounds (median ${seconds(t.airtime.median)} vs ${seconds(t.reference.median)})`,
    `< ${t.target}x`,
    verdict(t.ratio.median < t.target),
    when,
  ]);
  const l = bulk.latencyBound;
  rows.push([
    `bulk: ${l.rows} rows, ${l.latencyMs} ms latency, concurrency ${l.concurrency}`,
    `${seconds(l.measured.median)}, min ${seconds(l.measured.min)}, max ${seconds(l.measured.max)} over ${bulk.rounds} rounds (${l.ratio.toFixed(2)}x the ideal ${seconds(l.idealMs)}; plain fetch without a ledger: ${seconds(l.referenceMs)})`,
    `≤ ${l.target}x`,
    verdict(l.ratio <= l.target),
    when,
  ]);
  const v = bulk.validate;
  rows.push([
    'validate --file on 1,000,000 rows',
    `${Math.round(v.rowsPerSecond).toLocaleString('en-US')} rows/s, peak ${mib(v.peakMiB)}`,
    `≥ 50,000 rows/s, < ${mib(v.peakMiBTarget)} (150 MB)`,
    verdict(v.rowsPerSecond >= v.rowsPerSecondTarget && v.peakMiB < v.peakMiBTarget),
    when,
  ]);
}

if (wanted('bounds')) {
  console.error('bounded input: 100 MB on one line, and of NUL bytes, on standard input…');
  const bounds = await inputBoundsBench();
  const when = conditions();
  results.bounds = { ...bounds, conditions: when };
  for (const r of bounds.results) {
    rows.push([
      `${r.command}: ${r.input} on stdin`,
      `exit ${r.exitCodes.join('/')} in ${seconds(r.elapsedMs)} (${r.timeRatio.toFixed(2)}x one row), peak ${mib(r.peakMiB)} (${r.memoryRatio.toFixed(2)}x)`,
      'exit 2, < 2 s, < 95.4 MiB (100 MB)',
      verdict(r.met),
      when,
    ]);
  }
}

if (wanted('callbacks')) {
  console.error('serve: 2,000 status callbacks, 50 at a time…');
  const load = await runTs('bench/callbacks.ts', 'callbacksLoad');
  const when = conditions();
  results.callbacks = { ...load, conditions: when };
  rows.push([
    `serve: ${load.requests} status callbacks, ${load.concurrency} at a time, from a second process`,
    `${Math.round(load.requestsPerSecond)} req/s, p50 ${load.p50Ms.toFixed(0)} ms, p99 ${load.p99Ms.toFixed(0)} ms, ${load.lost} lost, ${load.errors} errors`,
    'none lost, no errors',
    verdict(load.lost === 0 && load.errors === 0),
    when,
  ]);
}

if (wanted('stats')) {
  console.error('stats on 1,000,000 rows (generating the ledger takes a while)…');
  const stats = await runTs('bench/stats-million.ts', 'statsMillion');
  const when = conditions();
  results.stats = { ...stats, conditions: when };
  rows.push([
    `stats --json on ${stats.rows.toLocaleString('en-US')} rows`,
    `${stats.medianMs.toFixed(0)} ms (whole command)`,
    '< 1000 ms',
    verdict(stats.medianMs < 1000),
    when,
  ]);
}

if (wanted('postgres')) {
  console.error('the shared ledger: bulk send and stats on PostgreSQL vs SQLite…');
  const shared = await runTs('bench/postgres.ts', 'postgresBench');
  const when = conditions();
  results.postgres = { ...shared, conditions: when };
  const b = shared.bulk;
  const range = ([lo, hi]) => `${(lo / 1000).toFixed(2)}-${(hi / 1000).toFixed(2)} s`;
  rows.push([
    `shared ledger: ${b.rows} rows, concurrency ${b.concurrency}, emulator 0 ms, PostgreSQL vs SQLite (median of ${b.rounds})`,
    `${b.ratio.toFixed(2)}x (${(b.postgresMs / 1000).toFixed(2)} s [${range(b.postgresRange)}] vs ${(b.sqliteMs / 1000).toFixed(2)} s [${range(b.sqliteRange)}])`,
    `≤ ${b.target}x`,
    verdict(b.ratio <= b.target),
    when,
  ]);
  const s = shared.stats;
  rows.push([
    `shared ledger: stats --json on ${s.rows.toLocaleString('en-US')} rows, PostgreSQL vs SQLite`,
    `${s.ratio.toFixed(2)}x (${s.postgresMs.toFixed(0)} ms vs ${s.sqliteMs.toFixed(0)} ms)`,
    `≤ ${s.target}x and < ${s.targetMs} ms`,
    verdict(s.ratio <= s.target && s.postgresMs < s.targetMs),
    when,
  ]);
}

if (wanted('fleet')) {
  console.error('a fleet on one shared ledger: 4 workers vs 1 on one batch…');
  const fleet = await runTs('bench/fleet.ts', 'fleetBench');
  const when = conditions();
  results.fleet = { ...fleet, conditions: when };
  const r = (x) => `${x.rowsPerSecond.toFixed(0)} rows/s (${(x.ms / 1000).toFixed(1)} s)`;
  rows.push([
    `fleet: ${fleet.rows} rows, ${fleet.latencyMs} ms latency, 4 workers × concurrency 4 vs 1 worker × 16 (same requests in flight)`,
    `${fleet.coordination.toFixed(2)}x (${r(fleet.split)} vs ${r(fleet.wide)}; rows per worker ${fleet.split.sentPerWorker.join('/')})`,
    `≥ ${fleet.coordinationTarget}x`,
    verdict(fleet.coordination >= fleet.coordinationTarget),
    when,
  ]);
  rows.push([
    'fleet: the same 4 workers vs 1 worker × concurrency 4 (what more hosts buy)',
    `${fleet.scaling.toFixed(2)}x (${r(fleet.split)} vs ${r(fleet.narrow)})`,
    '',
    '',
    when,
  ]);
}

let text = table(rows, ['benchmark', 'measured', 'target', '', 'node, load average']);

if (wanted('profile')) {
  console.error('start-up profile…');
  const profile = startupProfile();
  const when = conditions();
  results.profile = { ...profile, conditions: when };
  const profileRows = profile.rows
    .filter((row) => Math.abs(row.share) >= 0.01)
    .map((row) => [row.name, `${row.extraMs.toFixed(1)} ms`, `${(row.share * 100).toFixed(0)}%`]);
  text += `\n\nWhere \`validate\`'s time beyond \`node -e 0\` goes: CPU profiles of ${profile.runs} runs of each (warm code cache; ${when}; under the profiler ${profile.airtimeMs.toFixed(0)} ms against ${profile.nodeMs.toFixed(0)} ms, so read the shares):\n\n${table(profileRows, ['spent on', 'beyond node -e 0', 'share'])}`;
}

console.log(text);
if (only.length === 0) {
  writeFileSync(`${ROOT}bench/results.json`, `${JSON.stringify(results, null, 2)}\n`);
  // In the form Biome keeps it (short arrays on one line), so `npm run lint` stays clean after a run.
  spawnSync(`${ROOT}node_modules/.bin/biome`, ['format', '--write', `${ROOT}bench/results.json`], { stdio: 'ignore' });
  const page = `${ROOT}docs/performance.md`;
  const performance = readFileSync(page, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const a = performance.indexOf(start);
  const b = performance.indexOf(end);
  if (a !== -1 && b > a) {
    const block = `${start}\nMeasured by \`npm run bench\` on ${results.date.slice(0, 10)} (Node ${results.node}; ${results.date}):\n\n${text}\n${end}`;
    writeFileSync(page, performance.slice(0, a) + block + performance.slice(b + end.length));
  }
}
