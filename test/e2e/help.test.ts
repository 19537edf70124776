// The hint of every usage error names the help of the command being typed, through the built binary.
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});

const help = (...args: string[]) => runCli(args, { sandbox });

describe('usage hints name the help of the command being typed', () => {
  it.each([
    [['send'], 'missing argument <phone>', '`airtime send --help`'],
    [['status', '--bogus'], "unknown option '--bogus'", 'run `airtime status --help` for usage'],
    [['config', 'set', 'timeout'], "missing required argument 'value'", 'run `airtime config set --help` for usage'],
    [['ledger', 'migrate'], "required option '--to <url>' not specified", 'run `airtime ledger migrate --help` for usage'],
    [['validate', '+254712345678', '50', 'extra'], 'too many arguments', 'run `airtime validate --help` for usage'],
    [['bogus'], "unknown command 'bogus'", 'run `airtime --help` for usage'],
    [['--bogus'], "unknown option '--bogus'", 'run `airtime --help` for usage'],
  ])('airtime %j: exit 2, %s, then %s', async (args, message, hint) => {
    const result = await help(...args);
    expect(result.code).toBe(2);
    const [first, ...rest] = result.stderr.trimEnd().split('\n');
    expect(first).toContain(message);
    expect(rest.at(-1)).toContain(hint);
  });
});
