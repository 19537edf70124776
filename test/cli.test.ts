// `run(argv, streams, cwd)` in-process: the parser built from the command table reads typed
// options, and its own errors are usage errors (exit 2). Only commands that need no network run
// here; test/e2e spawns the binary for the rest.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandsFor, run } from '../src/cli.js';
import { COMMANDS } from '../src/commands/table.js';
import { EXIT } from '../src/core/errors.js';
import { failure, testStreams } from './helpers/context.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli(argv: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-cli-'));
  dirs.push(dir);
  // The environment the commands read: config and ledger under the test's own folder.
  const streams = testStreams({ env: { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data') } });
  return { streams, running: run(argv, streams, dir) };
}

describe('run', () => {
  it('parses a command and its flags, runs it and returns its exit code', async () => {
    const { streams, running } = cli(['validate', '0712345678', '50', '--country', 'KE', '--json']);
    expect(await running).toBe(EXIT.OK);
    expect(JSON.parse(streams.stdout.text)).toEqual({
      ok: true,
      valid: true,
      phoneNumber: '+254712345678',
      country: 'KE',
      currency: 'KES',
      amount: '50.00',
      errors: [],
    });
  });

  it.each([
    [
      ['send', '+254712345678', '50', '--retries', 'x'],
      "option '--retries <n>' argument 'x' is invalid. expected a whole number, 0 or more.",
    ],
    [
      ['send', '--file', 'f.csv', '--concurrency', '0'],
      "option '--concurrency <n>' argument '0' is invalid. expected a whole number from 1 to 64.",
    ],
    [
      ['send', '+254712345678', '50', '--max-num-retry', '0'],
      "option '--max-num-retry <n>' argument '0' is invalid. 0 is refused: omit the flag for Africa's Talking's default.",
    ],
    [
      ['send', '+254712345678', '50', '--timeout', '-1'],
      "option '--timeout <seconds>' argument '-1' is invalid. expected a number above 0.",
    ],
    [['emulator', '--fault-rate', '2'], "option '--fault-rate <0..1>' argument '2' is invalid. expected a number from 0 to 1."],
    [['serve', '--port', '70000'], "option '--port <port>' argument '70000' is invalid. expected a port from 0 to 65535."],
    [['completion', 'ksh'], "command-argument value 'ksh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish."],
    [['sned'], "unknown command 'sned'\n(Did you mean send?)"],
  ])('%j is a usage error: %s', async (argv, message) => {
    const error = await failure(cli(argv).running);
    expect(error.code).toBe('USAGE');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(message);
  });

  it('a negative number the parser reads as an option gets a hint about amounts', async () => {
    const error = await failure(cli(['-5']).running);
    expect(error.message).toBe("unknown option '-5'");
    expect(error.hint).toBe('amounts must be positive; run `airtime send --help` for usage');
  });

  it('`airtime config` alone needs a subcommand (exit 2), its help shown', async () => {
    const { streams, running } = cli(['config']);
    expect((await failure(running)).message).toBe('a subcommand is needed (listed above)');
    expect(streams.stderr.text).toContain('Usage: airtime config [options] [command]');
  });

  it('`airtime` alone off a terminal prints the help on stderr and exits 2', async () => {
    const { streams, running } = cli([]);
    expect(await running).toBe(EXIT.USAGE);
    expect(streams.stderr.text).toMatch(/^Usage: airtime \[options\] \[command\]/);
    expect(streams.stdout.text).toBe('');
  });

  it('completion is made from the real program: every command of the table, and their options', async () => {
    const { streams, running } = cli(['completion', 'bash']);
    expect(await running).toBe(EXIT.OK);
    expect(streams.stdout.text).toContain(
      "    '') echo 'send validate balance status reconcile stats export doctor serve ledger config completion emulator help' ;;",
    );
    expect(streams.stdout.text).toContain("    'config') echo 'init set-key get set unset show path help' ;;");
    expect(streams.stdout.text).toContain("    'ledger') echo 'migrate backup help' ;;");
    expect(streams.stdout.text).toContain("    'export --format') echo 'csv jsonl' ;;");
  });
});

// The parser is built with the one command asked for, and with all of them wherever the whole
// list can show: help, the menu, completion scripts, and a word that names no command.
const names = (argv: string[]) => commandsFor(argv).map((spec) => spec.name);

describe('commandsFor', () => {
  it.each([
    [['validate', '+254712345678', '50', '--json'], ['validate']],
    [['send', '--file', 'payouts.csv'], ['send']],
    [
      ['config', 'show'],
      ['config', 'config init', 'config set-key', 'config get', 'config set', 'config unset', 'config show', 'config path'],
    ],
    [['status', '--state', 'unknown'], ['status']],
  ])('%j builds %j', (argv, expected) => {
    expect(names(argv)).toEqual(expected);
  });

  it.each([
    [[]],
    [['--json', 'validate', '+254712345678']],
    [['help', 'send']],
    [['send', '--help']],
    [['validate', '-h']],
    [['completion', 'bash']],
    [['sned']],
  ])('%j builds every command', (argv) => {
    expect(commandsFor(argv)).toBe(COMMANDS);
  });
});
