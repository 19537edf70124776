// Shared helpers for the benchmark scripts. Figures are ratios against a baseline measured in the
// same run, because these machines are shared and noisy; absolute times are reported alongside.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = `${ROOT}bin/airtime.cjs`;

/**
 * The environment every timed process runs in. NODE_EXTRA_CA_CERTS makes every Node start read a
 * CA bundle (~90 ms here), which would hide the ratio being measured; proxies and the developer's
 * own airtime settings are dropped too.
 */
export function benchEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const name of Object.keys(env)) {
    if (name === 'NODE_EXTRA_CA_CERTS' || /^(AT_|AIRTIME_)|_PROXY$|_proxy$/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Wall time of one process run, in milliseconds; throws if it fails. */
export function timeProcess(command, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== (options.expectStatus ?? 0)) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return elapsed;
}

/**
 * Runs each case `rounds` times, interleaved (a, b, c, a, b, c, …) so drift hits all alike; a
 * case's `prepare`, untimed, runs before each of its runs. Returns every case's times, in order.
 */
export function interleavedSamples(cases, rounds) {
  const samples = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const c of cases) {
      c.prepare?.();
      samples[c.name].push(c.run());
    }
  }
  return samples;
}

/** The median time of each case, interleaved as above. */
export function interleaved(cases, rounds) {
  const samples = interleavedSamples(cases, rounds);
  return Object.fromEntries(cases.map((c) => [c.name, median(samples[c.name])]));
}

/**
 * The median, over rounds, of a case's time over the baseline's in the same round: on a shared
 * machine, load that comes and goes hits both runs of a round alike.
 */
export function pairedRatio(samples, name, baseline) {
  return median(samples[name].map((ms, round) => ms / samples[baseline][round]));
}

export function table(rows, headers) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(headers), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
