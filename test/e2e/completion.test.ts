// `airtime completion bash|zsh|fish`: each script is valid for its shell and completes what the
// CLI really has. Each shell runs the script itself: bash with COMP_WORDS set by hand, zsh with
// the completion system's functions stubbed to print, fish with `complete -C`.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeSandbox, parseJson, runCli, type Sandbox } from '../helpers/cli.js';

const has = (shell: string) => spawnSync(shell, ['-c', 'exit 0']).status === 0;

let sandbox: Sandbox;
const scripts: Record<string, string> = {};

beforeAll(async () => {
  sandbox = makeSandbox();
  for (const shell of ['bash', 'zsh', 'fish']) {
    const result = await runCli(['completion', shell], { sandbox });
    expect(result.code).toBe(0);
    scripts[shell] = join(sandbox.home, `airtime.${shell}`);
    writeFileSync(scripts[shell], result.stdout);
  }
});

/** Runs a shell program and returns what it printed, line by line. */
function shellLines(shell: string, program: string): string[] {
  return execFileSync(shell, ['-c', program], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: sandbox.home } })
    .trim()
    .split('\n');
}

describe('airtime completion', () => {
  it('prints a script per shell with the subcommands, options and currency codes, and how to install it', async () => {
    for (const [shell, install] of [
      ['bash', 'bash-completion/completions/airtime'],
      ['zsh', '_airtime'],
      ['fish', '~/.config/fish/completions/airtime.fish'],
    ] as const) {
      const { stdout } = await runCli(['completion', shell], { sandbox });
      expect(stdout, shell).toContain('send');
      expect(stdout, shell).toContain('dry-run');
      expect(stdout, shell).toContain('KES');
      expect(stdout, shell).toContain('set-key');
      expect(stdout.split('\n').slice(0, 12).join('\n'), shell).toContain(install);
    }
  });

  it('names every command of `airtime --help`', async () => {
    const help = await runCli(['--help'], { sandbox });
    // The Commands section only: the help topics listed after it are no commands.
    const commands = [
      ...help.stdout
        .split('Commands:\n')[1]!
        .split('\n\n')[0]!
        .matchAll(/^ {2}([a-z-]+)/gm),
    ].map((m) => m[1]);
    expect(commands).toContain('send');
    const { stdout } = await runCli(['completion', 'bash'], { sandbox });
    const root = /^ {4}''\) echo '([^']*)'/m.exec(stdout)?.[1]?.split(' ');
    expect(root).toEqual(commands);
  });

  it('refuses a shell it has no script for (exit 2)', async () => {
    const result = await runCli(['completion', 'tcsh'], { sandbox });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('bash, zsh, fish');
    expect((await runCli(['completion'], { sandbox })).code).toBe(2);
  });

  it('ends its --help with examples', async () => {
    const help = await runCli(['completion', '--help'], { sandbox });
    expect(help.stdout).toMatch(/Examples:\n( {2}\$ airtime completion .+\n){3}$/);
  });

  it('gives the script in a JSON document with --json', async () => {
    const result = await runCli(['completion', 'fish', '--json'], { sandbox });
    expect(parseJson(result)).toMatchObject({ ok: true, shell: 'fish', script: expect.stringContaining('complete -c airtime') });
  });
});

describe('the bash script', () => {
  it('is valid bash', () => {
    expect(spawnSync('bash', ['-n', scripts.bash!]).status).toBe(0);
  });

  it('completes commands, options, currencies, countries, choices and files', () => {
    const complete = (...words: string[]) =>
      shellLines(
        'bash',
        `source ${scripts.bash}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_airtime; printf '%s\\n' "\${COMPREPLY[*]}"`,
      )[0];
    expect(complete('airtime', 'se')).toBe('send serve');
    expect(complete('airtime', 'send', '--dr')).toBe('--dry-run');
    expect(complete('airtime', 'send', '--currency', '')).toBe('KES UGX TZS NGN RWF MWK ZMW ZAR ETB GHS XOF');
    expect(complete('airtime', 'send', '-c', 'U')).toBe('UGX');
    expect(complete('airtime', '--json', 'send', '--country', 'K')).toBe('KE');
    expect(complete('airtime', 'send', '--concurrency', '')).toBe('');
    expect(complete('airtime', 'stats', '--currency', 'T')).toBe('TZS');
    expect(complete('airtime', '--profile', 'config', 'config', 's')).toBe('set-key set show');
    expect(complete('airtime', 'config', 'init', '--key-source', '')).toBe('env file user');
    expect(complete('airtime', 'config', 'init', '--default-country', 'Z')).toBe('ZM ZA');
    expect(complete('airtime', 'completion', '')).toBe('bash zsh fish');
    expect(complete('airtime', 'status', '--state', 'd')).toBe('delivered');
    expect(complete('airtime', '--js')).toBe('--json');
    expect(complete('airtime', 'send', '--file', `${sandbox.home}/airtime.ba`)).toBe(scripts.bash);
  });
});

describe.skipIf(!has('zsh'))('the zsh script', () => {
  it('is valid zsh', () => {
    expect(spawnSync('zsh', ['-n', scripts.zsh!]).status).toBe(0);
  });

  it('completes commands with descriptions, options, currencies and files', () => {
    const complete = (...words: string[]) =>
      shellLines(
        'zsh',
        `compdef() { : }
_describe() { local name=\${@[-1]}; print -r -- "\${(j: | :)\${(P)name}}" }
compadd() { print -r -- "\${(P)2}" }
_files() { print -r -- files }
_message() { print -r -- "message $*" }
source ${scripts.zsh}
words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; PREFIX=${JSON.stringify(words.at(-1))}
_airtime`,
      )[0];
    expect(complete('airtime', '')).toContain('send:send airtime to one phone number');
    expect(complete('airtime', '')).toContain('validate:check a number and amount offline\\: no credentials');
    expect(complete('airtime', 'send', '--currency', '')).toBe('KES UGX TZS NGN RWF MWK ZMW ZAR ETB GHS XOF');
    expect(complete('airtime', 'validate', '--country', '')).toBe('KE UG TZ NG RW MW ZM ZA ET GH CI');
    expect(complete('airtime', 'send', '--d')).toContain('--dry-run:validate and show what would be sent; send nothing');
    expect(complete('airtime', '--profile', 'live', 'config', '')).toMatch(/^init:.* \| set-key:/);
    expect(complete('airtime', 'send', '--file', '')).toBe('files');
    expect(complete('airtime', 'send', '--key', '')).toBe('message value');
  });
});

describe.skipIf(!has('fish'))('the fish script', () => {
  it('is valid fish', () => {
    expect(spawnSync('fish', ['-n', scripts.fish!]).status).toBe(0);
  });

  it('completes commands, options, currencies and countries', () => {
    const complete = (line: string) =>
      // `string join` fails when it has a single word to join: the `true` keeps the exit status 0.
      shellLines('fish', `source ${scripts.fish}\ncomplete -C '${line}' | string split -f1 \\t | string join ' '; true`)[0];
    expect(complete('airtime se')).toBe('send serve');
    expect(complete('airtime send --dr')).toBe('--dry-run');
    expect(complete('airtime send --currency ')).toBe('ETB GHS KES MWK NGN RWF TZS UGX XOF ZAR ZMW');
    expect(complete('airtime --json config init --default-country Z')).toBe('ZA ZM');
    expect(complete('airtime --profile live config ')).toBe('get help init path set set-key show unset');
    expect(complete('airtime completion ')).toBe('bash fish zsh');
  });
});
