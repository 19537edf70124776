// src/commands/argv.ts reads the common command lines without commander: for every line it reads,
// it must read what commander reads (the same Input, the same flags), and every line it does not
// fully understand it must leave to commander. Both paths run in-process here, commander's through
// src/cli.ts `run`, the reader's through src/main.ts `runLine`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli.js';
import { readArgv } from '../../src/commands/argv.js';
import type { GlobalFlags } from '../../src/commands/context.js';
import { COMMANDS, type CommandSpec, findCommand, type Input } from '../../src/commands/table.js';
import { AirtimeError } from '../../src/core/errors.js';
import { runLine } from '../../src/main.js';
import { testStreams } from '../helpers/context.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-argv-'));
  dirs.push(dir);
  return dir;
}

/** What commander hands the command: each command's execute is replaced by one that keeps its Input and the run's flags. */
async function commanderReads(argv: string[]): Promise<{ name: string; input: Input; flags: GlobalFlags }> {
  let seen: { name: string; input: Input; flags: GlobalFlags } | undefined;
  for (const spec of COMMANDS) {
    vi.spyOn(spec, 'execute').mockImplementation(async (input, { ctx }) => {
      seen = { name: spec.name, input, flags: ctx.flags };
      return 0;
    });
  }
  expect(await run(argv, testStreams(), folder())).toBe(0);
  if (!seen) throw new Error(`commander ran no command for ${JSON.stringify(argv)}`);
  return seen;
}

const PHONE = '+254712345678';

describe('readArgv reads what commander reads', () => {
  it.each([
    [['validate', PHONE, '50', '--json']],
    [['validate', PHONE, '50']],
    [['validate', PHONE]],
    [['validate']],
    [['validate', '', '50']],
    [['validate', '0712345678', '50', '--country', 'KE']],
    [['validate', '--country', 'KE', '0712345678', '50']],
    [['validate', '0712345678', '--country', 'KE', '50', '--json']],
    [['validate', PHONE, '50', '--country', 'KE', '--country', 'UG']],
    [['validate', '-c', 'KES', PHONE, '50']],
    [['validate', '--file', '-']],
    [['validate', '--file', 'rows.csv', '--allow-duplicates', '--json']],
    [['validate', PHONE, '50', '-q', '--no-color', '--debug', '--no-input', '-v']],
    [['--json', 'validate', PHONE, '50']],
    [['--config', 'airtime.json', '--profile', 'live', 'validate', PHONE]],
    [['validate', PHONE, '--profile', 'live', '50', '--config', 'validate']],
    [['send', PHONE, '50', '--dry-run']],
    [['send', PHONE, '50', '-n', '--json']],
    [['send', PHONE, '50', '--key', 'order-1234', '--yes', '--json']],
    [['send', PHONE, '50', '-k', 'order-1', '-y', '-c', 'KES', '--country', 'KE']],
    [['send', PHONE, '50', '--retries', '2', '--timeout', '2.5', '--max-num-retry', '3']],
    [['send', PHONE, '50', '--retries', '0', '--timeout', '.5']],
    [['send', PHONE, '50', '--force', '--allow-repeat', '--no-input', '--verbose']],
    [['send', '--file', 'payouts.csv', '--batch', 'payroll', '--concurrency', '8', '--rate', '10', '--skip-invalid']],
    [['send', '--file', 'payouts.csv', '--report', 'out.csv', '--yes']],
    [['send', '--file', '-', '--new', '--retry-failed', '--allow-duplicates', '--yes', '--quiet']],
    [['send']],
    [['status']],
    [['status', '--json']],
    [['status', 'order-1234']],
    [['status', '--limit', '5', '--state', 'unknown', '--since', '7d', '--reference', 'ref-1']],
    [['status', 'payroll', '--refresh', '--wait', '--wait-timeout', '120', '--wide', '--all-environments']],
    [['reconcile', 'order-1234', '--as', 'sent', '--request-id', 'ATQid_1', '--note', 'checked the dashboard']],
    [['stats', '--since', '7d', '--until', 'today', '--currency', 'KES', '--all-environments', '--json']],
    [['export', '--format', 'jsonl', '--output', 'november.jsonl', '--since', 'yesterday']],
    [['balance', '--json']],
    [['doctor']],
    [['serve']],
    [['serve', '--port', '9000', '--host', '0.0.0.0', '--token', 'secret', '--enable-send']],
    [['emulator', '--port', '0', '--fault-rate', '0.5', '--faults', '500,429', '--seed', '7', '--balance-format', 'separators']],
    [['emulator', '--callback-format', 'json', '--delivery-delay', '0', '--delivery-failure-rate', '1', '--airtime-disabled']],
  ])('%j', async (argv) => {
    const commander = await commanderReads(argv);
    const line = readArgv(argv);
    expect(line?.spec.name).toBe(commander.name);
    expect(line?.input).toStrictEqual(commander.input);
    expect(line?.flags).toStrictEqual(commander.flags);
  });
});

describe('readArgv leaves to commander what it does not fully understand', () => {
  it.each([
    [[]],
    [['--json']],
    [['--help']],
    [['-h']],
    [['validate', '--help']],
    [['help', 'send']],
    [['validate', 'help']],
    [['-V']],
    [['validate', '--version']],
    [['sned']],
    [['validate', '--', PHONE]],
    [['validate', '--bogus']],
    [['--bogus', 'validate', PHONE]],
    [['--dry-run', 'send', PHONE, '50']],
    [['send', '-ny', PHONE, '50']],
    [['send', PHONE, '50', '--key=order-1']],
    [['send', PHONE, '-5']],
    [['send', PHONE, '50', '--key', '--json']],
    [['send', PHONE, '50', '--key']],
    [['validate', PHONE, '--profile', '--json']],
    [['send', PHONE, '50', '--retries', 'x']],
    [['send', PHONE, '50', '--max-num-retry', '0']],
    [['send', '--file', 'f.csv', '--concurrency', '0']],
    [['status', '--state', 'lost']],
    [['validate', PHONE, '50', 'KES']],
    [['reconcile', 'order-1234']],
    [['reconcile', '--as', 'sent']],
    [['config']],
    [['config', 'show']],
    [['ledger', 'backup', 'copy.db']],
    [['completion', 'bash']],
  ])('%j', (argv) => {
    expect(readArgv(argv)).toBeUndefined();
  });

  it('a command whose options or arguments hold more than it knows of', () => {
    const spec = (extra: Partial<CommandSpec>): CommandSpec => ({ ...findCommand('status'), ...extra });
    const lines = (commands: CommandSpec[]) => readArgv(['status', 'x'], commands);
    expect(lines([spec({})])?.input.arg(0)).toBe('x');
    // A value kind on an argument, an optional value, a variadic argument: commander's.
    expect(lines([spec({ arguments: [{ name: '[id]', description: '', value: 'whole' } as never] })])).toBeUndefined();
    expect(lines([spec({ arguments: [{ name: '[id...]', description: '' }] })])).toBeUndefined();
    expect(lines([spec({ options: [{ flags: '--limit [n]', description: '' }] })])).toBeUndefined();
    expect(lines([spec({ options: [{ flags: '--ids <id...>', description: '' }] })])).toBeUndefined();
    expect(lines([spec({ options: [{ flags: '-l,--limit <n>', description: '' }] })])).toBeUndefined();
    expect(lines([spec({ options: [{ flags: '--wide', description: '', hidden: true } as never] })])).toBeUndefined();
    expect(lines([spec({ options: [{ flags: '--wide', description: '', value: 'whole' }] })])).toBeUndefined();
  });
});

describe('a command line runs the same either way', () => {
  const credentials = { AT_USERNAME: 'sandbox', AT_API_KEY: 'atsk_argv_test_key_0123456789' };

  it.each([
    [['validate', PHONE, '50', '--json'], {}],
    [['validate', PHONE, '50'], {}],
    [['validate', '0712345678', '50'], {}],
    [['validate', '0712345678', '50', '--country', 'KE', '--json'], {}],
    [['validate', PHONE, '5000000', '--json'], {}],
    [['validate'], {}],
    [['send', PHONE, '50', '--dry-run'], credentials],
    [['send', PHONE, '50', '--dry-run', '--json', '--key', 'order-1234'], credentials],
    [['send', PHONE, '50', '-n', '-c', 'UGX'], credentials],
    [['send', PHONE, '50'], {}],
    [['status'], credentials],
    [['status', '--json'], credentials],
    [['status', 'order-1234', '--json'], credentials],
    [['stats', '--json'], credentials],
  ])('%j', async (argv, env) => {
    const dir = folder();
    const outcome = async (running: (streams: ReturnType<typeof testStreams>) => Promise<number>) => {
      const streams = testStreams({ env: { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), ...env } });
      let result: number | { code: string; message: string; hint: string | undefined };
      try {
        result = await running(streams);
      } catch (error) {
        if (!(error instanceof AirtimeError)) throw error;
        result = { code: error.code, message: error.message, hint: error.hint };
      }
      return { result, stdout: streams.stdout.text, stderr: streams.stderr.text };
    };
    const line = readArgv(argv);
    if (!line) throw new Error(`readArgv leaves ${JSON.stringify(argv)} to commander`);
    const commander = await outcome((streams) => run(argv, streams, dir));
    expect(await outcome((streams) => runLine(line, streams, dir))).toEqual(commander);
  });
});
