// `airtime config init|set-key|show|path`, end to end: files and their modes, the key kept out of
// every output and every project file, sources, and the real prompts under a pseudo-terminal.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BIN,
  type CliResult,
  collect,
  makeSandbox,
  parseJson,
  runCli,
  type Sandbox,
  spawnInTerminal,
  waitFor,
  writeUserConfig,
} from '../helpers/cli.js';

const KEY = 'atsk_5f1c0e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5aab12';
const OTHER_KEY = 'atsk_99990000111122223333444455556666777788cd';

const mode = (path: string) => statSync(path).mode & 0o777;
const userDir = (sandbox: Sandbox) => join(sandbox.home, '.config', 'airtime');
const userFile = (sandbox: Sandbox) => join(userDir(sandbox), 'config.json');
const projectFile = (sandbox: Sandbox) => join(sandbox.cwd, '.airtimerc');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

/** The key may be in a file airtime wrote for it, never in what airtime prints. */
function expectNoKey(result: CliResult, key = KEY): void {
  expect(result.stdout).not.toContain(key);
  expect(result.stderr).not.toContain(key);
}

describe('airtime config init, without a terminal', () => {
  it('writes .airtimerc (mode 0600) from flags alone', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(
      [
        'config',
        'init',
        '--username',
        'sandbox',
        '--key-source',
        'env',
        '--default-country',
        'ke',
        '--per-recipient',
        'KES=5000,UGX=100000',
        '--daily',
        'KES 20000.5',
      ],
      { sandbox, keepStdinOpen: true },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`wrote ${projectFile(sandbox)} (mode 0600)`);
    expect(result.stdout).toContain('export AT_API_KEY');
    expect(readJson(projectFile(sandbox))).toEqual({
      username: 'sandbox',
      defaultCountry: 'KE',
      limits: { perRecipient: { KES: 5000, UGX: 100000 }, daily: { KES: 20000.5 } },
    });
    expect(mode(projectFile(sandbox))).toBe(0o600);
    // What it wrote is what the next command reads.
    const show = parseJson(await runCli(['config', 'show', '--json'], { sandbox }));
    expect(show).toMatchObject({
      values: {
        defaultCountry: { value: 'KE', source: projectFile(sandbox) },
        'limits.daily.KES': { value: '20000.50', source: projectFile(sandbox) },
      },
    });
  });

  it('names every missing answer (exit 2) instead of waiting for one', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['config', 'init'], { sandbox, keepStdinOpen: true, timeoutMs: 5000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--username');
    expect(result.stderr).toContain('--key-source');
    const file = await runCli(['config', 'init', '--username', 'u', '--key-source', 'file'], { sandbox, keepStdinOpen: true });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--key-file');
    expect(existsSync(projectFile(sandbox))).toBe(false);
  });

  it('refuses bad answers before writing anything', async () => {
    const sandbox = makeSandbox();
    const base = ['config', 'init', '--username', 'sandbox', '--key-source', 'env'];
    for (const [args, message] of [
      [['--default-country', 'XX'], 'XX is not a supported country'],
      [['--daily', 'KES=abc'], 'not an amount'],
      [['--per-recipient', 'UGX=10.5'], 'no minor units'],
      [['--per-recipient', 'ABC=10'], 'ABC is not a supported currency'],
      [['--username', 'two words'], 'one word'],
    ] as const) {
      const result = await runCli([...base, ...args], { sandbox });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    expect(existsSync(projectFile(sandbox))).toBe(false);
  });

  it('never puts the key in a project file', async () => {
    const sandbox = makeSandbox();
    const refused = await runCli(['config', 'init', '--username', 'u', '--key-source', 'project'], { sandbox, input: KEY });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('never stored in a project file');
    expect(existsSync(projectFile(sandbox))).toBe(false);

    // "user" while writing a project file: the key goes to the user config, and only there.
    writeUserConfig(sandbox, { timeout: 5 });
    const result = await runCli(['config', 'init', '--username', 'my-app', '--key-source', 'user'], { sandbox, input: `${KEY}\n` });
    expect(result.code).toBe(0);
    expectNoKey(result);
    expect(readFileSync(projectFile(sandbox), 'utf8')).not.toContain(KEY);
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'my-app' });
    expect(readJson(userFile(sandbox))).toEqual({ timeout: 5, apiKey: KEY });
    expect(mode(userFile(sandbox))).toBe(0o600);
    expect(result.stdout).toContain(`wrote ${userFile(sandbox)} (mode 0600, with the API key …ab12)`);
  });

  it('--global writes the user config with the key from stdin; folder 0700, file 0600', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['config', 'init', '--global', '--username', 'my-app', '--key-source', 'user', '--json'], {
      sandbox,
      input: KEY,
    });
    expect(result.code).toBe(0);
    expectNoKey(result);
    expect(parseJson(result)).toMatchObject({
      ok: true,
      path: userFile(sandbox),
      scope: 'user',
      keySource: 'user',
      apiKey: '…ab12',
      written: [userFile(sandbox)],
    });
    expect(readJson(userFile(sandbox))).toEqual({ username: 'my-app', apiKey: KEY });
    expect(mode(userFile(sandbox))).toBe(0o600);
    expect(mode(userDir(sandbox))).toBe(0o700);
    expect(existsSync(projectFile(sandbox))).toBe(false);

    const empty = await runCli(['config', 'init', '--global', '--force', '--username', 'u', '--key-source', 'user'], {
      sandbox,
      input: '',
    });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no API key on stdin');
  });

  it('creates a key file 0600 from stdin, or names an existing one', async () => {
    const sandbox = makeSandbox();
    const keyFile = join(sandbox.home, 'secrets', 'at-key');
    const result = await runCli(['config', 'init', '--username', 'my-app', '--key-file', keyFile], { sandbox, input: `${KEY}\n` });
    expect(result.code).toBe(0);
    expectNoKey(result);
    expect(readFileSync(keyFile, 'utf8')).toBe(`${KEY}\n`);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(join(sandbox.home, 'secrets'))).toBe(0o700);
    // A project file may name only a key file inside the user's config folder: this one is named
    // by the user config, and the project file keeps the rest.
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'my-app' });
    expect(readJson(userFile(sandbox))).toEqual({ apiKeyFile: keyFile });
    expect(result.stderr).toContain(`apiKeyFile goes in ${userFile(sandbox)}`);
    const show = parseJson(await runCli(['config', 'show', '--json'], { sandbox }));
    expect(show).toMatchObject({ values: { apiKey: { value: '…ab12', source: `file ${keyFile}` } } });

    // An existing key file is named, not rewritten, and stdin is not read.
    const again = await runCli(
      ['config', 'init', '--force', '--username', 'my-app', '--key-source', 'file', '--key-file', '../secrets/at-key'],
      {
        sandbox,
        keepStdinOpen: true,
      },
    );
    expect(again.code).toBe(0);
    expect(readJson(userFile(sandbox))).toEqual({ apiKeyFile: keyFile });
    expect(readFileSync(keyFile, 'utf8')).toBe(`${KEY}\n`);

    // Inside the user's config folder, the project file may name it.
    const inside = join(userDir(sandbox), 'live-key');
    const named = await runCli(['config', 'init', '--force', '--username', 'my-app', '--key-file', '~/.config/airtime/live-key'], {
      sandbox,
      input: KEY,
    });
    expect(named.code).toBe(0);
    expect(mode(inside)).toBe(0o600);
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'my-app', apiKeyFile: '~/.config/airtime/live-key' });
    expect(parseJson(await runCli(['config', 'show', '--json'], { sandbox, env: { HOME: sandbox.home } }))).toMatchObject({
      values: { apiKey: { source: `file ${inside}` } },
    });

    // A key file inside a git work tree could be committed: said so.
    mkdirSync(join(sandbox.cwd, '.git'));
    const inRepo = await runCli(['config', 'init', '--force', '--username', 'my-app', '--key-file', 'at-key'], { sandbox, input: KEY });
    expect(inRepo.code).toBe(0);
    expect(inRepo.stderr).toContain(`${join(sandbox.cwd, 'at-key')} is inside a git work tree: add it to .gitignore`);
    expect(readJson(userFile(sandbox))).toEqual({ apiKeyFile: join(sandbox.cwd, 'at-key') });
  });

  it('refuses to overwrite a file without --force, and says what still overrides it', async () => {
    const sandbox = makeSandbox();
    writeFileSync(projectFile(sandbox), '{"username":"old"}\n');
    const args = ['config', 'init', '--username', 'new-app', '--key-source', 'env'];
    const refused = await runCli(args, { sandbox });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${projectFile(sandbox)} already exists`);
    expect(refused.stderr).toContain('--force');
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'old' });

    const forced = await runCli([...args, '--force'], { sandbox, env: { AT_USERNAME: 'sandbox' } });
    expect(forced.code).toBe(0);
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'new-app' });
    expect(mode(projectFile(sandbox))).toBe(0o600);
    expect(forced.stderr).toContain('username "sandbox" comes from environment AT_USERNAME');
  });
});

describe('airtime config set-key', () => {
  it('stores the key from stdin in the user config (0600), keeping what else is there', async () => {
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, { username: 'my-app', limits: { daily: { KES: 500 } } });
    const result = await runCli(['config', 'set-key'], { sandbox, input: `${KEY}\n` });
    expect(result.code).toBe(0);
    expectNoKey(result);
    expect(result.stdout).toContain(`stored the API key in ${userFile(sandbox)} (mode 0600): …ab12`);
    expect(readJson(userFile(sandbox))).toEqual({ username: 'my-app', limits: { daily: { KES: 500 } }, apiKey: KEY });
    expect(mode(userFile(sandbox))).toBe(0o600);

    const replaced = await runCli(['config', 'set-key', '--json'], { sandbox, input: OTHER_KEY });
    expectNoKey(replaced, OTHER_KEY);
    expect(parseJson(replaced)).toEqual({
      ok: true,
      path: userFile(sandbox),
      profile: null,
      replaced: true,
      apiKey: '…88cd',
      warnings: [],
    });
    expect(readJson(userFile(sandbox)).apiKey).toBe(OTHER_KEY);
  });

  it("creates the user config, and stores a profile's key with --profile", async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['--profile', 'live', 'config', 'set-key'], { sandbox, input: KEY });
    expect(result.code).toBe(0);
    expect(readJson(userFile(sandbox))).toEqual({ profiles: { live: { apiKey: KEY } } });
    expect(mode(userDir(sandbox))).toBe(0o700);
    const show = parseJson(await runCli(['--profile', 'live', 'config', 'show', '--json'], { sandbox }));
    expect(show).toMatchObject({
      values: {
        profile: { value: 'live', source: 'flag --profile' },
        apiKey: { value: '…ab12', source: `${userFile(sandbox)} (profile live)` },
      },
    });
  });

  it('warns when the environment still overrides the stored key', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['config', 'set-key'], { sandbox, input: KEY, env: { AT_API_KEY: OTHER_KEY } });
    expect(result.code).toBe(0);
    expectNoKey(result);
    expectNoKey(result, OTHER_KEY);
    expect(result.stderr).toContain('the API key in use comes from environment AT_API_KEY');
  });

  it('refuses an empty or spaced key on stdin, and any file but a JSON user config', async () => {
    const sandbox = makeSandbox();
    const empty = await runCli(['config', 'set-key'], { sandbox, input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('no API key on stdin');
    const spaced = await runCli(['config', 'set-key'], { sandbox, input: 'two words' });
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).not.toContain('two words');

    writeFileSync(projectFile(sandbox), '{}\n');
    const project = await runCli(['--config', '.airtimerc', 'config', 'set-key'], { sandbox, input: KEY });
    expect(project.code).toBe(2);
    expect(project.stderr).toContain('stores the key only in the user config');
    expect(readFileSync(projectFile(sandbox), 'utf8')).toBe('{}\n');

    // A YAML user config is not rewritten (its comments would be lost): it is left alone.
    mkdirSync(userDir(sandbox), { recursive: true });
    writeFileSync(join(userDir(sandbox), 'config.yaml'), '# mine\nusername: sandbox\n');
    const yaml = await runCli(['config', 'set-key'], { sandbox, input: KEY });
    expect(yaml.code).toBe(4);
    expect(yaml.stderr).toContain('is not JSON');
    expect(readFileSync(join(userDir(sandbox), 'config.yaml'), 'utf8')).toBe('# mine\nusername: sandbox\n');
  });
});

describe('airtime config show', () => {
  it('says where each value came from: environment, file, default', async () => {
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, { apiKey: KEY, timeout: 5, limits: { perRecipient: { KES: 700 } }, serve: { validationMaxAge: 120 } });
    writeFileSync(projectFile(sandbox), JSON.stringify({ username: 'my-app', limits: { daily: { UGX: 90000 } } }));
    const env = { AT_USERNAME: 'sandbox', AIRTIME_API_URL: 'http://127.0.0.1:1' };
    const result = await runCli(['config', 'show', '--json'], { sandbox, env });
    expect(result.code).toBe(0);
    expectNoKey(result);
    const doc = parseJson(result);
    expect(doc).toMatchObject({
      ok: true,
      files: [userFile(sandbox), projectFile(sandbox)],
      values: {
        username: { value: 'sandbox', source: 'environment AT_USERNAME' },
        apiKey: { value: '…ab12', source: userFile(sandbox) },
        apiUrl: { value: 'http://127.0.0.1:1', source: 'environment AIRTIME_API_URL' },
        defaultCountry: { value: null, source: 'not set' },
        timeout: { value: 5, source: userFile(sandbox) },
        retries: { value: 3, source: 'default' },
        ledger: { value: join(sandbox.home, '.local', 'share', 'airtime', 'ledger.db'), source: 'default' },
        'limits.perRecipient.KES': { value: '700.00', source: userFile(sandbox) },
        'limits.perRecipient.UGX': { value: '280000', source: 'default' },
        'limits.daily.UGX': { value: '90000', source: projectFile(sandbox) },
        'limits.daily.KES': { value: '100000.00', source: 'default' },
        'limits.perRun': { value: null, source: 'not set' },
        'serve.validationMaxAge': { value: 120, source: userFile(sandbox) },
        'serve.allowedSourceIps': { value: null, source: 'not set' },
      },
    });

    const human = await runCli(['config', 'show'], { sandbox, env: { ...env, AT_API_KEY: OTHER_KEY } });
    expect(human.code).toBe(0);
    expectNoKey(human, OTHER_KEY);
    expectNoKey(human);
    expect(human.stdout).toMatch(/^apiKey\s+…88cd\s+environment AT_API_KEY$/m);
    expect(human.stdout).toMatch(/^username\s+sandbox\s+environment AT_USERNAME$/m);
    expect(human.stdout).toMatch(/^limits\.perRecipient\.KES\s+700\.00\s+\S+config\.json$/m);
    expect(human.stdout).toMatch(/^limits\.perRecipient \(others\)\s+UGX 280000, TZS 200000\.00/m);
    expect(human.stdout).toMatch(/^serve\.validationMaxAge\s+120\s/m);
    expect(human.stdout).toContain(`files read: ${userFile(sandbox)}, ${projectFile(sandbox)}`);
  });

  it('never shows a short key at all', async () => {
    const result = await runCli(['config', 'show', '--json'], { sandbox: makeSandbox(), env: { AT_API_KEY: 'short-key' } });
    expectNoKey(result, 'short-key');
    expect(parseJson(result)).toMatchObject({ values: { apiKey: { value: '…' } } });
  });
});

describe('airtime config set, get and unset', () => {
  it('set then get round-trips through the user config, which keeps its mode, its layout and its other settings', async () => {
    const sandbox = makeSandbox();
    const path = writeUserConfig(sandbox, { username: 'sandbox', timeout: 30 });
    const set = await runCli(['config', 'set', 'limits.daily.KES', '50000'], { sandbox });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`✔ limits.daily.KES = 50000 in ${path}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toBe(
      '{\n  "username": "sandbox",\n  "timeout": 30,\n  "limits": {\n    "daily": {\n      "KES": 50000\n    }\n  }\n}',
    );
    const get = await runCli(['config', 'get', 'limits.daily.KES'], { sandbox });
    expect(get).toMatchObject({ code: 0, stdout: '50000.00\n' });
    expect(parseJson(await runCli(['config', 'get', 'limits.daily.KES', '--json'], { sandbox }))).toEqual({
      ok: true,
      key: 'limits.daily.KES',
      value: '50000.00',
      source: path,
    });
    // What loading makes of a setting: a send over a limit set this way is refused.
    expect((await runCli(['config', 'set', 'limits.perRecipient.KES', '500'], { sandbox })).code).toBe(0);
    const over = await runCli(['send', '+254712345678', '600', '--dry-run'], { sandbox, env: { AT_USERNAME: 'sandbox' } });
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('above the per-recipient limit of KES 500.00');
    expect((await runCli(['config', 'unset', 'limits.perRecipient'], { sandbox })).code).toBe(0);
    const unset = await runCli(['config', 'unset', 'limits.daily.KES'], { sandbox });
    expect(unset.stdout).toBe(`✔ removed limits.daily.KES from ${path} (was 50000)\n`);
    expect(readJson(path)).toEqual({ username: 'sandbox', timeout: 30 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const timeout = await runCli(['config', 'set', 'timeout', '5'], { sandbox });
    expect(timeout.stdout).toBe(`✔ timeout = 5 in ${path} (was 30)\n`);
    expect((await runCli(['config', 'get', 'timeout'], { sandbox })).stdout).toBe('5\n');
  });

  it('a YAML user config keeps its comments', async () => {
    const sandbox = makeSandbox();
    const path = join(userDir(sandbox), 'config.yaml');
    mkdirSync(userDir(sandbox), { recursive: true });
    writeFileSync(path, '# airtime, for the shop\nusername: sandbox  # until we go live\nlimits:\n  daily:\n    KES: 50000  # a day\n', {
      mode: 0o600,
    });
    expect((await runCli(['config', 'set', 'limits.daily.UGX', '100000'], { sandbox })).code).toBe(0);
    expect((await runCli(['config', 'set', 'timeout', '12'], { sandbox })).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(
      '# airtime, for the shop\nusername: sandbox  # until we go live\nlimits:\n  daily:\n    KES: 50000  # a day\n    UGX: 100000\ntimeout: 12\n',
    );
    expect((await runCli(['config', 'get', 'timeout'], { sandbox })).stdout).toBe('12\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad value, the API key, and what a project file may not set, writing nothing', async () => {
    const sandbox = makeSandbox();
    const path = writeUserConfig(sandbox, { timeout: 30 });
    const bad = await runCli(['config', 'set', 'timeout', 'soon'], { sandbox });
    expect(bad).toMatchObject({ code: 2, stderr: 'error: timeout must be a number above 0 (got "soon")\n' });
    const key = await runCli(['config', 'set', 'apiKey', 'not-a-real-key-0123456789'], { sandbox });
    expect(key.code).toBe(2);
    expect(key.stderr).toContain('config set apiKey is refused: a key on the command line lands in shell history and in ps');
    expect(key.stderr).toContain('`airtime config set-key`');
    const url = await runCli(['config', 'set', 'ledger', 'pg://db.internal/payouts'], { sandbox });
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('is neither a file path nor a postgres:// URL');
    const project = await runCli(['config', 'set', 'ledger', 'books.db', '--project'], { sandbox });
    expect(project.code).toBe(2);
    expect(project.stderr).toContain('sets ledger, which a project file may not');
    expect(existsSync(join(sandbox.cwd, '.airtimerc'))).toBe(false);
    const unknown = await runCli(['config', 'set', 'timout', '5'], { sandbox });
    expect(unknown.stderr).toMatch(/unknown config key "timout"\nthe keys are username, apiKey, .*timeout/);
    expect(readJson(path)).toEqual({ timeout: 30 });
  });

  it('--project writes the project file, and get --project reads it; get of a key not set exits 1', async () => {
    const sandbox = makeSandbox();
    const set = await runCli(['config', 'set', 'defaultCountry', 'ke', '--project'], { sandbox });
    expect(set.stdout).toBe(`✔ defaultCountry = KE in ${join(sandbox.cwd, '.airtimerc')}\n`);
    expect((await runCli(['validate', '0712345678'], { sandbox })).code).toBe(0);
    expect((await runCli(['config', 'get', 'defaultCountry', '--project'], { sandbox })).stdout).toBe('KE\n');
    const missing = await runCli(['config', 'get', 'rate'], { sandbox });
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toContain('rate is not set');
  });
});

describe('airtime config path', () => {
  it('lists the files searched in order, which exist and which are read, and the ledger', async () => {
    const sandbox = makeSandbox();
    const sub = join(sandbox.cwd, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sandbox.cwd, '.airtimerc.yaml'), 'username: sandbox\n');
    writeFileSync(join(sandbox.cwd, 'airtime.config.js'), 'export default {}\n');
    writeUserConfig(sandbox, { timeout: 5 });
    const result = await runCli(['config', 'path', '--json'], { sandbox: { ...sandbox, cwd: sub } });
    expect(result.code).toBe(0);
    const doc = parseJson(result) as { files: { path: string; kind: string; exists: boolean; loaded: boolean }[]; ledger: unknown };
    const paths = doc.files.map((f) => f.path);
    // The working directory first, then each parent up to HOME, the home folder, then the user folder.
    expect(paths[0]).toBe(join(sub, 'package.json'));
    expect(paths.indexOf(join(sub, '.airtimerc'))).toBeLessThan(paths.indexOf(join(sandbox.cwd, '.airtimerc')));
    expect(paths.indexOf(join(sandbox.cwd, '.airtimerc'))).toBeLessThan(paths.indexOf(join(sandbox.home, '.airtimerc')));
    expect(paths.indexOf(join(sandbox.home, '.airtimerc'))).toBeLessThan(paths.indexOf(join(userDir(sandbox), 'config')));
    expect(paths).not.toContain(join(sandbox.home, '..', '.airtimerc'));
    expect(doc.files.filter((f) => f.exists)).toEqual([
      { path: join(sandbox.cwd, '.airtimerc.yaml'), kind: 'project', exists: true, loaded: true },
      { path: join(sandbox.cwd, 'airtime.config.js'), kind: 'project', exists: true, loaded: false, note: 'code: not read' },
      { path: userFile(sandbox), kind: 'user', exists: true, loaded: true },
    ]);
    expect(doc.ledger).toEqual({ path: join(sandbox.home, '.local', 'share', 'airtime', 'ledger.db'), exists: false });

    const human = await runCli(['config', 'path'], { sandbox: { ...sandbox, cwd: sub } });
    expect(human.stdout).toMatch(new RegExp(`loaded\\s+${join(sandbox.cwd, '.airtimerc.yaml')}`));
    expect(human.stdout).toMatch(new RegExp(`exists\\s+${join(sandbox.cwd, 'airtime.config.js')}\\s+\\(code: not read\\)`));
    expect(human.stdout).toContain('Ledger:');
  });

  it('shows the files in use (and those found but not read), not the dozens of empty places; --all shows them all', async () => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.cwd, '.airtimerc.yaml'), 'username: sandbox\n');
    writeFileSync(join(sandbox.cwd, 'airtime.config.js'), 'export default {}\n');
    writeUserConfig(sandbox, { timeout: 5 });
    const human = await runCli(['config', 'path'], { sandbox });
    expect(human.code).toBe(0);
    const places = human.stdout.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(places).toEqual([
      expect.stringMatching(new RegExp(`^ {2}loaded {2}${join(sandbox.cwd, '.airtimerc.yaml')}$`)),
      expect.stringMatching(new RegExp(`^ {2}exists {2}${join(sandbox.cwd, 'airtime.config.js')} {2}\\(code: not read\\)$`)),
      expect.stringMatching(new RegExp(`^ {2}loaded {2}${userFile(sandbox)}$`)),
      expect.stringMatching(/^ {2}- {7}.*ledger\.db$/),
    ]);
    const searched = (parseJson(await runCli(['config', 'path', '--json'], { sandbox })).files as unknown[]).length;
    expect(human.stdout).toContain(`\`airtime config path --all\` lists all ${searched} places searched, in order.`);
    const all = await runCli(['config', 'path', '--all'], { sandbox });
    expect(all.stdout.split('\n').filter((line) => /^ {2}\S/.test(line))).toHaveLength(searched + 1);
    expect(all.stdout).toMatch(new RegExp(`-\\s+${join(sandbox.cwd, 'package.json')}`));

    const empty = makeSandbox();
    const none = await runCli(['config', 'path'], { sandbox: empty });
    expect(none.stdout).toContain('No config file: settings come from the environment and the defaults.');
    expect(none.stdout).toContain(`Your user config would be ${userFile(empty)}`);
  });

  it('lists only the named file with --config, and still answers when the configuration is broken', async () => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.cwd, 'mine.json'), '{"timeout": "soon"}');
    const result = await runCli(['--config', 'mine.json', 'config', 'path', '--json'], { sandbox, env: { AIRTIME_LEDGER: 'l.db' } });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toMatchObject({
      files: [{ path: join(sandbox.cwd, 'mine.json'), kind: 'explicit', exists: true, loaded: true }],
      ledger: { path: join(sandbox.cwd, 'l.db'), exists: false },
      problem: expect.stringContaining('timeout'),
    });
    expect(result.stderr).toContain('timeout');
  });
});

describe('airtime config at a terminal', () => {
  /** Writes each answer once its question is on the screen (typed early, a terminal would echo it). */
  async function converse(child: ChildProcess, steps: [string, string][]): Promise<string> {
    let screen = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      screen += chunk.toString();
    });
    let from = 0;
    for (const [question, keys] of steps) {
      await waitFor(() => screen.indexOf(question, from) >= 0, 10_000, `"${question}" in:\n${screen}`);
      from = screen.indexOf(question, from) + question.length;
      child.stdin?.write(keys);
    }
    return screen;
  }
  const DOWN = '\u001b[B';

  it('asks every question, validates as you type, and writes the files', async () => {
    const sandbox = makeSandbox();
    const child = spawnInTerminal(['config', 'init'], { sandbox });
    const done = collect(child, { keepStdinOpen: true });
    await converse(child, [
      ['username', '\r'], // the default: sandbox
      ['Where should the API key live?', `${DOWN}${DOWN}\r`], // the user config
      ['API key (hidden)', `${KEY}\r`],
      ['Default country', 'XX\r'],
      ['XX is not a supported country', '\u007f\u007fke\r'],
      ['Set your own limits?', 'y\r'],
      ['Most one recipient may get', 'KES=5000\r'],
      ['Most sent in any 24 hours', 'KES=50000, UGX=1000000\r'],
    ]);
    const result = await done;
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).not.toContain(KEY);
    // The hidden prompt echoes nothing, not even one * per character (the key's length).
    expect(result.stdout).not.toContain('*'.repeat(KEY.length));
    expect(result.stdout).toContain('[input is masked]');
    expect(result.stdout).toContain('wrote');
    expect(readJson(projectFile(sandbox))).toEqual({
      username: 'sandbox',
      defaultCountry: 'KE',
      limits: { perRecipient: { KES: 5000 }, daily: { KES: 50000, UGX: 1000000 } },
    });
    expect(readJson(userFile(sandbox))).toEqual({ apiKey: KEY });
    expect(mode(projectFile(sandbox))).toBe(0o600);
    expect(mode(userFile(sandbox))).toBe(0o600);
  });

  it('asks before overwriting, and leaves the file alone when told no', async () => {
    const sandbox = makeSandbox();
    writeFileSync(projectFile(sandbox), '{"username":"old"}\n');
    const child = spawnInTerminal(['config', 'init', '--username', 'x', '--key-source', 'env'], { sandbox });
    const done = collect(child, { keepStdinOpen: true });
    await converse(child, [['already exists. Overwrite it?', 'n\r']]);
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('cancelled');
    expect(readJson(projectFile(sandbox))).toEqual({ username: 'old' });
  });

  it('reads set-key from a hidden prompt, and Ctrl-C cancels with 130', async () => {
    const sandbox = makeSandbox();
    const child = spawnInTerminal(['config', 'set-key'], { sandbox });
    const done = collect(child, { keepStdinOpen: true });
    await converse(child, [['API key (hidden)', `${KEY}\r`]]);
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(KEY);
    expect(result.stdout).toContain('…ab12');
    expect(readJson(userFile(sandbox))).toEqual({ apiKey: KEY });

    const cancelled = spawnInTerminal(['config', 'init'], { sandbox });
    const stopped = collect(cancelled, { keepStdinOpen: true });
    await converse(cancelled, [['username', '\u0003']]);
    const interrupted = await stopped;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('cancelled');
    expect(existsSync(projectFile(sandbox))).toBe(false);
  });
});

describe('the config commands', () => {
  it('airtime config alone is a usage error listing the subcommands', async () => {
    const result = await runCli(['config'], { sandbox: makeSandbox() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('set-key');
    const typo = await runCli(['config', 'shwo'], { sandbox: makeSandbox() });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('show');
  });

  it('ends each --help with 2-4 examples, and each example runs', async () => {
    // Each runs in a fresh HOME with `airtime` on PATH, a key in AT_API_KEY and on stdin, a
    // profile to choose, and the folders completions are installed in.
    const fresh = () => {
      const sandbox = makeSandbox({ AT_API_KEY: KEY });
      const bin = join(sandbox.home, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'airtime'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
      sandbox.env.PATH = `${bin}:${process.env.PATH}`;
      writeUserConfig(sandbox, { profiles: { live: { username: 'my-app' } } });
      for (const dir of ['.local/share/bash-completion/completions', '.zfunc', '.config/fish/completions']) {
        mkdirSync(join(sandbox.home, dir), { recursive: true });
      }
      return sandbox;
    };
    const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
    const ran: string[] = [];
    for (const command of [['config'], ['config', 'init'], ['config', 'set-key'], ['config', 'show'], ['config', 'path'], ['completion']]) {
      const help = await runCli([...command, '--help'], { sandbox: makeSandbox() });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/Examples:\n( {2}\$ .+\n){2,4}$/);
      for (const example of help.stdout
        .split('Examples:\n')[1]!
        .trim()
        .split('\n')
        .map((line) => line.trim().replace(/^\$ /, ''))) {
        // A bare `config init` asks its questions at a terminal: the prompt tests above drive it.
        if (example === 'airtime config init') continue;
        // One that pipes through a tool this machine lacks (pass, jq) cannot run here.
        const tools = example.split('|').map((part) => part.trim().split(' ')[0]!);
        if (!tools.every((tool) => ['airtime', 'printf'].includes(tool) || has(tool))) continue;
        const sandbox = fresh();
        const result = spawnSync('bash', ['-o', 'pipefail', '-c', example], {
          cwd: sandbox.cwd,
          env: sandbox.env,
          input: KEY,
          encoding: 'utf8',
        });
        expect(result.status, `${example}\n${result.stderr}`).toBe(0);
        expect(`${result.stdout}${result.stderr}`).not.toContain(KEY);
        ran.push(example);
      }
    }
    expect(ran.length).toBeGreaterThanOrEqual(12);
  });
});
