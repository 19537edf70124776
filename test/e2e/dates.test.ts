// Dates as people say them: `--since yesterday --until today` is the whole of yesterday, in local
// time, whatever the hour the command runs. The built binary runs at a chosen instant (a preload
// moves its wall clock) in a chosen time zone, just after midnight, where "the last 24 hours" and
// "yesterday" differ most.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';
import { clockAt, FAST, makeSandbox, parseJson, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';

const MINUTE = 60_000;
// Nairobi is UTC+3 all year. Local times, and the sends made at each:
//   15th 23:50  k-before     (the day before yesterday)
//   16th 00:10  k-early      (yesterday, just after its midnight)
//   16th 23:50  k-late       (yesterday, just before its end)
//   17th 00:20  k-today      (today)
// and the reports run at 17th 00:30.
const NAIROBI = 'Africa/Nairobi';
const SENDS: [string, string, number][] = [
  ['k-before', '11', Date.UTC(2026, 10, 15, 20, 50)],
  ['k-early', '12', Date.UTC(2026, 10, 15, 21, 10)],
  ['k-late', '13', Date.UTC(2026, 10, 16, 20, 50)],
  ['k-today', '14', Date.UTC(2026, 10, 16, 21, 20)],
];
const NOW = Date.UTC(2026, 10, 16, 21, 30);

let emu: Emulator;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, deliveryDelayMs: 0 });
  sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  env = { AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'dates-key-0123456789', TZ: NAIROBI };
  for (const [key, amount, at] of SENDS) {
    const sent = await runCli(['send', '+254712345678', amount, '--key', key], { sandbox, env: { ...env, ...clockAt(sandbox, at) } });
    expect(sent.code, sent.stderr).toBe(0);
  }
  return () => emu.close();
});

/** A command run at NOW (or another instant), in `zone`. */
const at = (args: string[], zone = NAIROBI, instant = NOW) =>
  runCli(args, { sandbox, env: { ...env, TZ: zone, ...clockAt(sandbox, instant) } });

const keysOf = (jsonl: string) =>
  jsonl
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { idempotencyKey: string }).idempotencyKey);

describe('--since yesterday --until today, 30 minutes after midnight', () => {
  it('export: the whole of yesterday, where --since 1d is the last 24 hours', async () => {
    const yesterday = await at(['export', '--since', 'yesterday', '--until', 'today', '--format', 'jsonl']);
    expect(yesterday.code, yesterday.stderr).toBe(0);
    expect(keysOf(yesterday.stdout)).toEqual(['k-early', 'k-late']);
    const lastDay = await at(['export', '--since', '1d', '--format', 'jsonl']);
    expect(keysOf(lastDay.stdout)).toEqual(['k-late', 'k-today']);
  });

  it('stats and status read the same calendar days', async () => {
    const stats = parseJson(await at(['stats', '--since', 'yesterday', '--until', 'today', '--json']));
    expect(stats).toMatchObject({ attempts: 2, byCurrency: { KES: { amount: '25.00' } } });
    expect(stats.daily).toEqual([{ date: '2026-11-16', attempts: 2, sent: 2, failed: 0, unknown: 0 }]);
    const status = parseJson(await at(['status', '--since', 'today', '--json']));
    expect((status.transactions as { idempotencyKey: string }[]).map((t) => t.idempotencyKey)).toEqual(['k-today']);
  });

  it('a day is local: in UTC the same instants fall on other days', async () => {
    // 21:30 UTC on the 16th: yesterday is the 15th in UTC, when k-before and k-early were sent.
    const utc = await at(['export', '--since', 'yesterday', '--until', 'today', '--format', 'jsonl'], 'UTC');
    expect(keysOf(utc.stdout)).toEqual(['k-before', 'k-early']);
  });

  it('35 minutes earlier, just before midnight, yesterday is the day before', async () => {
    const lateEvening = await at(['export', '--since', 'yesterday', '--until', 'today', '--format', 'jsonl'], NAIROBI, NOW - 35 * MINUTE);
    expect(keysOf(lateEvening.stdout)).toEqual(['k-before']);
  });

  it('an unknown word is a usage error naming the forms', async () => {
    const result = await at(['export', '--since', 'last-week']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--since last-week: use today, yesterday, a date like 2026-11-01');
  });
});
