// `completion(shell, program)` in-process, over a small commander program: the script is made
// from the program itself, so what it offers is what the parser accepts. (test/cli.test.ts runs
// it over the real program; test/e2e/completion.test.ts drives the scripts in real shells.)
import { Argument, Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { completion } from '../../src/commands/completion.js';
import { EXIT } from '../../src/core/errors.js';

function program(): Command {
  const airtime = new Command('airtime').version('9.9.9').option('--json', 'one JSON document');
  airtime
    .command('send')
    .description('send airtime')
    .option('-c, --currency <code>', 'currency')
    .option('-f, --file <path|->', 'a file')
    .option('--concurrency <n>', 'in flight')
    .option('-y, --yes', 'no questions');
  airtime
    .command('config')
    .description('configuration')
    .command('init')
    .description('write it')
    .option('--default-country <CC>', 'country');
  airtime
    .command('completion')
    .description('a script')
    .addArgument(new Argument('<shell>', 'shell').choices(['bash', 'zsh', 'fish']));
  return airtime;
}

describe('completion', () => {
  it('bash: the subcommands, argument choices, options and option values of every command path', () => {
    const result = completion('bash', program());
    expect(result.shell).toBe('bash');
    expect(result.exitCode).toBe(EXIT.OK);
    const lines = result.script.split('\n');
    expect(lines[0]).toBe('# bash completion for airtime 9.9.9, generated from its own command definitions:');
    expect(lines).toContain("    '') echo 'send config completion help' ;;");
    expect(lines).toContain("    'config') echo 'init help' ;;");
    expect(lines).toContain("    'completion') echo 'bash zsh fish' ;;");
    expect(lines).toContain("    'send') echo '-c --currency -f --file --concurrency -y --yes -h --help' ;;");
    // Currencies and countries come from the markets; a <path> value completes file names; --concurrency is no currency.
    expect(lines).toContain("    'send -c'|'send --currency') echo 'KES UGX TZS NGN RWF MWK ZMW ZAR ETB GHS XOF' ;;");
    expect(lines).toContain("    'send -f'|'send --file') echo '__files__' ;;");
    expect(lines).toContain("    'send --concurrency') echo '' ;;");
    expect(lines).toContain("    'config init --default-country') echo 'KE UG TZ NG RW MW ZM ZA ET GH CI' ;;");
    expect(lines.at(-2)).toBe('complete -F _airtime airtime');
  });

  it('zsh: names with their descriptions', () => {
    const { script } = completion('zsh', program());
    expect(script.startsWith('#compdef airtime\n')).toBe(true);
    expect(script).toContain("    '') reply=('send:send airtime' 'config:configuration' 'completion:a script'");
  });

  it('fish: one complete line per option, values attached', () => {
    const { script } = completion('fish', program());
    expect(script).toContain(
      "complete -c airtime -n '__airtime_at \\'send\\'' -s c -l currency -x -a 'KES UGX TZS NGN RWF MWK ZMW ZAR ETB GHS XOF' -d 'currency'",
    );
    expect(script).toContain("complete -c airtime -n '__airtime_at \\'send\\'' -s f -l file -r -F -d 'a file'");
    expect(script).toContain("complete -c airtime -n '__airtime_at \\'send\\'' -s y -l yes -d 'no questions'");
  });

  it('another shell is a usage error', () => {
    expect(() => completion('tcsh', program())).toThrowError(
      expect.objectContaining({ code: 'USAGE', exitCode: EXIT.USAGE, message: 'no completion for tcsh: use one of bash, zsh, fish' }),
    );
  });
});
