// `airtime help` through the built binary: each topic made from the code it describes (every exit
// and error code, every environment variable the source reads, every config key with its default),
// a command's help exactly as its --help prints it, a word that names nothing as a usage error, and
// the hint of every usage error naming the help of the command being typed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROXY_VARIABLES } from '../../src/at/proxy-variables.js';
import { KEYS, LIMIT_KINDS, SERVE_KEYS } from '../../src/config/schema.js';
import { EXIT, EXIT_BY_CODE } from '../../src/core/errors.js';
import { HELP_TOPICS } from '../../src/results/help.js';
import { makeSandbox, parseJson, ROOT, runCli, type Sandbox } from '../helpers/cli.js';

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = makeSandbox();
});

const help = (...args: string[]) => runCli(args, { sandbox });

/** A name's entry in a topic: its line, and the lines indented under it. */
function block(text: string, name: string): string {
  const lines = text.split('\n');
  const indent = (line: string) => line.length - line.trimStart().length;
  const start = lines.findIndex((line) => line.trim() === name || line.trim().startsWith(`${name} `));
  if (start === -1) throw new Error(`no ${name} in:\n${text}`);
  const head = lines[start] as string;
  const end = lines.findIndex((line, index) => index > start && (line.trim() === '' || indent(line) <= indent(head)));
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

/** Every file under src/, as text. */
function sources(): string[] {
  const files: string[] = [];
  (function walk(dir: string) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.ts')) files.push(readFileSync(join(dir, entry.name), 'utf8'));
    }
  })(join(ROOT, 'src'));
  return files;
}

describe('airtime help exit-codes', () => {
  it('lists every exit code with its meaning, and every error code under the exit code it ends with', async () => {
    const result = await help('help', 'exit-codes');
    expect(result.code).toBe(0);
    for (const exit of Object.values(EXIT)) expect(result.stdout).toMatch(new RegExp(`^  ${exit} +\\S`, 'm'));
    for (const [code, exit] of Object.entries(EXIT_BY_CODE)) {
      expect(block(result.stdout, String(exit)), code).toContain(code);
    }
    expect(block(result.stdout, '143')).toContain('INTERRUPTED');
    expect(block(result.stdout, '3')).toContain('partial');
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('130/143, then 5, then 3, then 1, then 0');
  });

  it('is one JSON document with --json', async () => {
    const document = parseJson(await help('help', 'exit-codes', '--json'));
    expect(document.ok).toBe(true);
    expect(document.topic).toBe('exit-codes');
    const codes = document.codes as { exitCode: number; meaning: string; errorCodes: string[] }[];
    expect(codes.map((entry) => entry.exitCode)).toEqual(Object.values(EXIT));
    for (const [code, exit] of Object.entries(EXIT_BY_CODE)) {
      expect(codes.find((entry) => entry.exitCode === exit)?.errorCodes).toContain(code);
    }
  });
});

describe('airtime help environment', () => {
  it('lists every AT_ and AIRTIME_ variable the source names, found by scanning src/', async () => {
    const text = sources().join('\n');
    const named = new Set([...text.matchAll(/\b(?:AT|AIRTIME)_[A-Z0-9_]+\b/g)].map((match) => match[0]));
    // A constant of the code that happens to look like one (AT_DELIVERY_RETRY_PERIOD_MS) is no variable.
    const constants = new Set([...text.matchAll(/\bconst ((?:AT|AIRTIME)_[A-Z0-9_]+)\b/g)].map((match) => match[1]));
    const variables = [...named].filter((name) => !constants.has(name));
    expect(variables).toEqual(expect.arrayContaining(['AT_USERNAME', 'AT_API_KEY', 'AIRTIME_LEDGER', 'AIRTIME_TRUSTED_DIRS']));
    const result = await help('help', 'environment');
    expect(result.code).toBe(0);
    for (const variable of variables) expect(result.stdout, variable).toMatch(new RegExp(`^  (.*, )?${variable}(,|$)`, 'm'));
  });

  it('lists every other variable the source reads from the environment, and the proxies', async () => {
    const text = sources().join('\n');
    // env.NAME and env['NAME'], but not an assignment (the SQLite driver sets SQLITE_USE_URI for itself).
    const read = new Set(
      [...text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]+)\b|\[['"]([A-Z][A-Z0-9_]+)['"]\])(?!\s*=[^=])/g)].map((m) => m[1] ?? m[2]),
    );
    expect(read).toContain('NO_COLOR');
    const result = await help('help', 'environment');
    for (const variable of [...read, ...PROXY_VARIABLES, 'NO_PROXY', 'no_proxy', 'PGPASSWORD']) {
      expect(result.stdout, String(variable)).toMatch(new RegExp(`^  (.*, )?${variable}(,|$)`, 'm'));
    }
  });

  it('describes a variable that sets a config key as the key', async () => {
    const result = await help('help', 'environment');
    expect(block(result.stdout, 'AT_USERNAME')).toMatch(/\(config\s+key\s+username\)/);
    expect(block(result.stdout, 'AIRTIME_LEDGER')).toMatch(/\(config\s+key\s+ledger\)/);
  });
});

describe('airtime help config', () => {
  it('lists every key of the schema with its default, its variable and flag, and what a project file may do', async () => {
    const result = await help('help', 'config');
    expect(result.code).toBe(0);
    const text = result.stdout;
    for (const [key, spec] of Object.entries(KEYS)) {
      if (key === 'limits' || key === 'serve') continue;
      const lines = block(text, key === 'profiles' ? 'profiles.<name>' : key);
      expect(lines, key).toContain(`default: ${spec.default ?? ''}`);
      if (spec.env) expect(lines, key).toContain(`environment: ${spec.env}`);
      if (spec.flag) expect(lines, key).toContain(`flag: ${spec.flag}`);
      expect(lines, key).toContain('project file: ');
    }
    for (const [key, spec] of Object.entries(SERVE_KEYS)) {
      expect(block(text, `serve.${key}`)).toContain(`default: ${spec.default ?? 'none'}`);
    }
    for (const kind of LIMIT_KINDS) expect(text).toContain(`limits.${kind}.<CUR>`);
    expect(block(text, 'limits.perRecipient.<CUR>')).toContain('default: KES 10000, UGX 280000');
    expect(block(text, 'limits.daily.<CUR>')).toContain('default: KES 100000');
    expect(block(text, 'limits.perRun.<CUR>')).toContain('default: none');
    expect(block(text, 'timeout')).toContain('default: 30');
    expect(block(text, 'ledger')).toContain('project file: may not set it');
    expect(block(text, 'ledger')).toContain('default: ~/.local/share/airtime/ledger.db');
    expect(block(text, 'duplicateWindow')).toMatch(/project file: may only\s+tighten/);
    expect(block(text, 'apiUrl')).toMatch(/project file: may set it only with the\s+username sandbox/);
    expect(block(text, 'apiKeyFile')).toContain('project file: may name only a file inside your user config');
    expect(text.replace(/\s+/g, ' ')).toContain('Highest precedence first: a flag, the environment');
  });

  it('is one JSON document with --json, a key an entry', async () => {
    const document = parseJson(await help('help', 'config', '--json'));
    expect(document.topic).toBe('config');
    const keys = document.keys as { key: string; default: string | null; environment: string | null; projectFile: string }[];
    expect(keys.find((key) => key.key === 'retries')?.default).toBe('3');
    expect(keys.find((key) => key.key === 'username')?.environment).toBe('AT_USERNAME');
    expect(keys.map((key) => key.key)).toEqual(
      expect.arrayContaining(['apiKey', 'serve.validationMaxAge', 'limits.daily.<CUR>', 'profiles.<name>']),
    );
  });
});

describe("airtime help <command>: the command's own help", () => {
  it('`help send` prints exactly what `send --help` does', async () => {
    const [viaHelp, viaFlag] = await Promise.all([help('help', 'send'), help('send', '--help')]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: airtime send \[options\] \[phone\] \[amount\]/);
  });

  it("`help config init` is init's help, not config's", async () => {
    const [viaHelp, viaFlag] = await Promise.all([help('help', 'config', 'init'), help('config', 'init', '--help')]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toMatch(/^Usage: airtime config init \[options\]/);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
  });

  it('`help` alone is `--help`, which lists the topics', async () => {
    const [viaHelp, viaFlag] = await Promise.all([help('help'), help('--help')]);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    const topics = viaFlag.stdout.split('Help topics:\n')[1]?.split('\n\n')[0] ?? '';
    expect([...topics.matchAll(/^ {2}(\S+)/gm)].map((match) => match[1])).toEqual(HELP_TOPICS.map((topic) => topic.name));
  });

  it('a command with --json gets its help in a JSON document', async () => {
    const document = parseJson(await help('help', 'ledger', 'migrate', '--json'));
    expect(document).toMatchObject({ ok: true, command: 'airtime ledger migrate' });
    expect(document.text).toMatch(/^Usage: airtime ledger migrate/);
  });

  it('completion offers the topics and commands after `airtime help`', async () => {
    const { stdout } = await runCli(['completion', 'bash'], { sandbox });
    expect(stdout).toContain("    'help') echo 'exit-codes environment config send validate");
  });
});

describe('a word that names nothing', () => {
  it('is a usage error (exit 2) naming the topics and the commands, with a suggestion', async () => {
    const result = await help('help', 'exit-code');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain("error: unknown help topic or command 'exit-code'\n(Did you mean exit-codes?)");
    expect(result.stderr).toContain('topics: exit-codes, environment, config; commands: send, validate');
  });

  it("under a command, names that command's subcommands", async () => {
    const result = await help('help', 'config', 'sett');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'config sett'\n(Did you mean set?)");
    expect(result.stderr).toContain('the commands of airtime config: init, set-key, get, set, unset, show, path');
    expect((await help('help', 'send', 'now')).stderr).toContain('airtime send has no subcommands');
  });
});

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
