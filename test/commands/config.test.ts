// `config init`, `config set-key`, `config get|set|unset`, `config show` and `config path` in-process: what is asked, what
// is refused, what is written where (each file 0600), and what is shown. They write real files in
// the test's own folder; the user config folder is the context's XDG_CONFIG_HOME.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configGet, configInit, configPath, configSet, configSetKey, configShow, configUnset } from '../../src/commands/config.js';
import { AirtimeError, EXIT } from '../../src/core/errors.js';
import { API_KEY, failure, type TestContext, testContext } from '../helpers/context.js';

const KEY = 'atsk_typed_by_hand_abcdef987654';

const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const mode = (path: string) => statSync(path).mode & 0o777;
const projectFile = (t: TestContext) => join(t.ctx.cwd, '.airtimerc');
const userFile = (t: TestContext) => join(t.dir, 'config', 'airtime', 'config.json');

describe('config init', () => {
  it('off a terminal every value comes from flags; it writes .airtimerc here, 0600, and no key', async () => {
    const t = testContext();
    const result = await configInit(
      { username: 'acme', keySource: 'env', defaultCountry: 'ke', perRecipient: ['KES=5000', 'UGX 100000'], daily: ['KES=50000'] },
      t.ctx,
    );

    expect(result).toMatchObject({
      kind: 'written',
      path: projectFile(t),
      scope: 'project',
      username: 'acme',
      keySource: 'env',
      apiKey: null,
      defaultCountry: 'KE',
      limits: { perRecipient: { KES: 5000, UGX: 100000 }, daily: { KES: 50000 } },
      written: [projectFile(t)],
      exitCode: EXIT.OK,
    });
    expect(json(projectFile(t))).toEqual({
      username: 'acme',
      defaultCountry: 'KE',
      limits: { perRecipient: { KES: 5000, UGX: 100000 }, daily: { KES: 50000 } },
    });
    expect(mode(projectFile(t))).toBe(0o600);
    expect(t.asked).toEqual([]);
  });

  it('off a terminal a missing flag is a usage error naming them all, and nothing is written', async () => {
    const t = testContext();
    const error = await failure(configInit({ keySource: 'file' }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe('missing --username, --key-file: config init cannot ask for them without a terminal');
    expect(existsSync(projectFile(t))).toBe(false);
  });

  it.each([
    [{ username: 'acme', keySource: 'project' }, 'the API key is never stored in a project file: it ends up in git'],
    [{ username: 'acme', keySource: 'vault' }, '--key-source vault: use env, file or user'],
    [{ username: 'acme', keySource: 'env', keyFile: '/k' }, '--key-file goes with --key-source file, not env'],
    [{ username: 'two words', keySource: 'env' }, '--username: the username is one word, without spaces'],
    [{ username: 'acme', keySource: 'env', defaultCountry: 'FR' }, /^--default-country: FR is not a supported country/],
    [{ username: 'acme', keySource: 'env', daily: ['EUR=5'] }, /^--daily: EUR is not a supported currency/],
  ])('%j is refused before any question', async (options, message) => {
    const t = testContext({ terminal: true });
    const error = await failure(configInit(options, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(message);
    expect(t.asked).toEqual([]);
  });

  it('--key-source user keeps the key (from stdin) in the user config, never in the project file', async () => {
    const t = testContext({ stdin: `${KEY}\n` });
    const result = await configInit({ username: 'acme', keySource: 'user' }, t.ctx);

    expect(result).toMatchObject({ apiKey: '…7654', written: [projectFile(t), userFile(t)] });
    expect(json(projectFile(t))).toEqual({ username: 'acme' });
    expect(json(userFile(t))).toEqual({ apiKey: KEY });
    expect(mode(userFile(t))).toBe(0o600);
  });

  it('--key-file that does not exist yet is written 0600 from stdin, and named by the user config', async () => {
    const t = testContext({ stdin: KEY });
    const keyFile = join(t.dir, 'secrets', 'live-key');
    const result = await configInit({ username: 'acme', keyFile }, t.ctx);

    expect(result).toMatchObject({ keySource: 'file', keyFile, written: [keyFile, projectFile(t), userFile(t)] });
    expect(readFileSync(keyFile, 'utf8')).toBe(`${KEY}\n`);
    expect(mode(keyFile)).toBe(0o600);
    // A project file may name only a key file inside the user's config folder.
    expect(json(userFile(t))).toEqual({ apiKeyFile: keyFile });
    expect(result.warnings).toEqual([expect.stringMatching(/^apiKeyFile goes in .*config\.json: a project file may name only/)]);
  });

  it('an existing file is refused off a terminal without --force, and --force replaces it', async () => {
    const t = testContext();
    writeFileSync(projectFile(t), '{"username":"old"}');
    const error = await failure(configInit({ username: 'acme', keySource: 'env' }, t.ctx));
    expect(error.message).toBe(`${projectFile(t)} already exists`);
    expect(json(projectFile(t))).toEqual({ username: 'old' });

    await configInit({ username: 'acme', keySource: 'env', force: true }, t.ctx);
    expect(json(projectFile(t))).toEqual({ username: 'acme' });
  });

  it('at a terminal, declining to overwrite leaves the file as it was (exit 130)', async () => {
    const t = testContext({ terminal: true, answers: [{ confirm: false }] });
    writeFileSync(projectFile(t), '{"username":"old"}');
    const result = await configInit({}, t.ctx);
    expect(result).toMatchObject({ kind: 'declined', written: [], exitCode: EXIT.SIGINT });
    expect(t.asked[0]?.message).toBe(`${projectFile(t)} already exists. Overwrite it?`);
    expect(json(projectFile(t))).toEqual({ username: 'old' });
  });

  it('at a terminal asks for what no flag gives, checking each answer', async () => {
    const t = testContext({
      terminal: true,
      answers: [
        { text: '' }, // username: the default, sandbox
        { select: 'user' },
        { secret: 'has a space' },
        { secret: KEY },
        { text: 'fr' },
        { text: 'tz' },
        { confirm: true },
        { text: 'KES=5000' },
        { text: '' },
      ],
    });
    const result = await configInit({}, t.ctx);

    expect(result).toMatchObject({ username: 'sandbox', keySource: 'user', defaultCountry: 'TZ', limits: { perRecipient: { KES: 5000 } } });
    expect(t.asked.map((q) => [q.kind, q.rejected.length])).toEqual([
      ['text', 0],
      ['select', 0],
      ['secret', 0],
      ['secret', 0],
      ['text', 1],
      ['confirm', 0],
      ['text', 0],
      ['text', 0],
    ]);
    expect(t.asked[1]?.choices).toEqual(['env', 'file', 'user']);
    expect(t.notes).toEqual([{ kind: 'warning', message: 'the API key must be one line without spaces' }]);
    expect(json(userFile(t))).toEqual({ apiKey: KEY });
  });

  it('--global writes the user config, key and all', async () => {
    const t = testContext({ stdin: KEY });
    const result = await configInit({ global: true, username: 'acme', keySource: 'user' }, t.ctx);
    expect(result).toMatchObject({ scope: 'user', path: userFile(t), written: [userFile(t)] });
    expect(json(userFile(t))).toEqual({ username: 'acme', apiKey: KEY });
  });
});

describe('config set-key', () => {
  it('stores the key from stdin in the user config (0600); a second time it replaces it', async () => {
    const t = testContext({ stdin: `  ${KEY}\n` });
    expect(await configSetKey(t.ctx)).toEqual({
      path: userFile(t),
      profile: null,
      replaced: false,
      apiKey: '…7654',
      warnings: [],
      exitCode: EXIT.OK,
    });
    expect(json(userFile(t))).toEqual({ apiKey: KEY });
    expect(mode(userFile(t))).toBe(0o600);

    const again = testContext({ stdin: API_KEY, env: t.ctx.env });
    expect((await configSetKey(again.ctx)).replaced).toBe(true);
    expect(json(userFile(t))).toEqual({ apiKey: API_KEY });
  });

  it("with --profile it stores that profile's key, beside the rest", async () => {
    const t = testContext({ stdin: KEY, flags: { profile: 'live' } });
    mkdirSync(join(t.dir, 'config', 'airtime'), { recursive: true });
    writeFileSync(userFile(t), '{"username":"acme"}', { mode: 0o600 });
    const result = await configSetKey(t.ctx);
    expect(result).toMatchObject({ profile: 'live', replaced: false });
    expect(json(userFile(t))).toEqual({ username: 'acme', profiles: { live: { apiKey: KEY } } });
  });

  it('at a terminal the key is asked for, hidden', async () => {
    const t = testContext({ terminal: true, answers: [{ secret: KEY }] });
    await configSetKey(t.ctx);
    expect(t.asked).toEqual([{ kind: 'secret', message: 'API key (hidden)', rejected: [] }]);
    expect(json(userFile(t))).toEqual({ apiKey: KEY });
  });

  it('without prompts a stdin that is a terminal is refused rather than waited on', async () => {
    const t = testContext({ terminal: true, flags: { input: false } });
    const error = await failure(configSetKey(t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe('no API key: without prompts it is read from stdin, and stdin is a terminal');
  });

  it.each([
    ['', 'no API key on stdin'],
    ['two words', 'the API key must be one line without spaces on stdin'],
  ])('a bad key on stdin (%j) is refused, and nothing is written', async (stdin, message) => {
    const t = testContext({ stdin });
    expect((await failure(configSetKey(t.ctx))).message).toBe(message);
    expect(existsSync(userFile(t))).toBe(false);
  });

  it('--config naming another file is refused: the key goes only in the user config', async () => {
    const t = testContext({ stdin: KEY, flags: { config: 'team.json' } });
    const error = await failure(configSetKey(t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(/^--config names team\.json, and airtime stores the key only in the user config/);
  });
});

describe('config show', () => {
  it('shows each value with where it came from, the key redacted', async () => {
    const t = testContext({
      settings: {
        defaultCountry: 'KE',
        sources: { username: 'environment AT_USERNAME', apiKey: 'environment AT_API_KEY', defaultCountry: '/w/.airtimerc' },
        limits: { perRecipient: {}, perRun: { KES: 100_000 }, daily: {} },
        files: ['/w/.airtimerc'],
      },
    });
    const result = await configShow(t.ctx);

    expect(result.exitCode).toBe(EXIT.OK);
    expect(result.files).toEqual(['/w/.airtimerc']);
    expect(result.values).toMatchObject({
      profile: { value: null, source: 'not set' },
      username: { value: 'sandbox', source: 'environment AT_USERNAME' },
      apiKey: { value: '…6789', source: 'environment AT_API_KEY' },
      apiUrl: { value: null, source: 'not set' },
      defaultCountry: { value: 'KE', source: '/w/.airtimerc' },
      timeout: { value: 30, source: 'default' },
      'limits.perRecipient.KES': { value: '10000.00', source: 'default' },
      'limits.perRun.KES': { value: '1000.00', source: 'default' },
      'limits.daily': { value: null, source: 'not set' },
    });
    expect(JSON.stringify(result)).not.toContain(API_KEY);
  });

  it('names the profile and where it was chosen', async () => {
    const t = testContext({ flags: { profile: 'live' } });
    expect((await configShow(t.ctx)).values.profile).toEqual({ value: 'live', source: 'flag --profile' });
  });
});

describe('config path', () => {
  it('lists the places searched, which file is read, and the ledger', async () => {
    const t = testContext();
    writeFileSync(projectFile(t), '{}');
    const result = await configPath({}, t.ctx);

    expect(result.problem).toBeNull();
    expect(result.exitCode).toBe(EXIT.OK);
    expect(result.files.find((f) => f.path === projectFile(t))).toMatchObject({ kind: 'project', exists: true, loaded: true });
    expect(result.files.filter((f) => f.loaded)).toHaveLength(1);
    expect(result.ledger).toEqual({ path: t.settings.ledgerLocation, exists: false });
    // Every place searched is in the result; --all only says people see them all too.
    expect(result.files.filter((f) => !f.exists).length).toBeGreaterThan(10);
    expect(result).toMatchObject({ all: false, userFile: join(t.ctx.env.XDG_CONFIG_HOME ?? '', 'airtime', 'config.json') });
    expect(await configPath({ all: true }, t.ctx)).toMatchObject({ all: true, files: result.files });
  });

  it('works when the configuration does not: the problem is reported, exit 0', async () => {
    const t = testContext({ env: { AIRTIME_LEDGER: 'books.db' } });
    t.ctx.settings = async () => {
      throw new AirtimeError('CONFIG_ERROR', 'config key timeout in .airtimerc must be a number above 0 (got "soon")');
    };
    const result = await configPath({}, t.ctx);
    expect(result).toMatchObject({
      problem: 'config key timeout in .airtimerc must be a number above 0 (got "soon")',
      ledger: { path: join(t.ctx.cwd, 'books.db'), exists: false },
      exitCode: EXIT.OK,
    });
  });
});

describe('config set, get and unset', () => {
  it('set writes the user config 0600, keeping the other settings, and says what it was', async () => {
    const t = testContext();
    mkdirSync(join(t.dir, 'config', 'airtime'), { recursive: true });
    writeFileSync(userFile(t), '{\n    "username": "acme",\n    "timeout": 30\n}\n', { mode: 0o644 });
    const result = await configSet({ key: 'timeout', value: '5' }, t.ctx);
    expect(result).toEqual({
      action: 'set',
      key: 'timeout',
      profile: null,
      file: userFile(t),
      value: 5,
      previous: 30,
      changed: true,
      warnings: [],
      exitCode: EXIT.OK,
    });
    // Its own indentation, its key order, and private.
    expect(readFileSync(userFile(t), 'utf8')).toBe('{\n    "username": "acme",\n    "timeout": 5\n}\n');
    expect(mode(userFile(t))).toBe(0o600);
    // The same value again writes nothing.
    expect(await configSet({ key: 'timeout', value: '5' }, t.ctx)).toMatchObject({ changed: false, previous: 5 });
  });

  it('unset removes a key, and a group it leaves empty; a key not there changes nothing', async () => {
    const t = testContext();
    await configSet({ key: 'limits.daily.KES', value: '50000' }, t.ctx);
    await configSet({ key: 'rate', value: '2' }, t.ctx);
    expect(json(userFile(t))).toEqual({ limits: { daily: { KES: 50000 } }, rate: 2 });
    expect(await configUnset({ key: 'limits.daily.KES' }, t.ctx)).toMatchObject({ changed: true, previous: 50000, value: null });
    expect(json(userFile(t))).toEqual({ rate: 2 });
    expect(await configUnset({ key: 'limits.daily' }, t.ctx)).toMatchObject({ changed: false });
  });

  it("--profile sets the profile's value", async () => {
    const t = testContext({ flags: { profile: 'live' } });
    expect(await configSet({ key: 'timeout', value: '10' }, t.ctx)).toMatchObject({ key: 'timeout', profile: 'live' });
    expect(json(userFile(t))).toEqual({ profiles: { live: { timeout: 10 } } });
  });

  it('refuses what loading would refuse, in its words, and writes nothing', async () => {
    const t = testContext();
    const error = await failure(configSet({ key: 'apiKeyFile', value: join(t.dir, 'missing-key') }, t.ctx));
    expect(error).toMatchObject({ code: 'USAGE', exitCode: EXIT.USAGE, hint: expect.stringContaining('nothing was written') });
    expect(error.message).toContain('cannot be read (ENOENT)');
    expect(existsSync(userFile(t))).toBe(false);
    expect((await failure(configSet({ key: 'ledger', value: 'sqlite:///x.db' }, t.ctx))).message).toContain(
      'is neither a file path nor a postgres:// URL',
    );
    expect((await failure(configSet({ key: 'apiKey', value: KEY }, t.ctx))).hint).toContain('airtime config set-key');
    expect(existsSync(userFile(t))).toBe(false);
  });

  it('--project writes the project file here, and refuses a key a project file may not set', async () => {
    const t = testContext();
    expect(await configSet({ key: 'defaultCountry', value: 'ke', project: true }, t.ctx)).toMatchObject({
      file: projectFile(t),
      value: 'KE',
    });
    expect(json(projectFile(t))).toEqual({ defaultCountry: 'KE' });
    const error = await failure(configSet({ key: 'ledger', value: 'books.db', project: true }, t.ctx));
    expect(error.message).toContain('sets ledger, which a project file may not');
    expect(json(projectFile(t))).toEqual({ defaultCountry: 'KE' });
    expect(await configGet({ key: 'defaultCountry', project: true }, t.ctx)).toMatchObject({ value: 'KE', source: projectFile(t) });
  });

  it("a relative path is stored whole (loading reads one from the file's folder); a database URL is shown without its password", async () => {
    const t = testContext();
    const stored = await configSet({ key: 'ledger', value: 'books/ledger.db' }, t.ctx);
    expect(json(userFile(t))).toEqual({ ledger: join(t.ctx.cwd, 'books', 'ledger.db') });
    expect(stored.value).toBe(join(t.ctx.cwd, 'books', 'ledger.db'));
    const url = await configSet({ key: 'ledger', value: 'postgres://airtime:s3cret@db.internal/payouts' }, t.ctx);
    expect(url.value).toBe('postgres://airtime:***@db.internal/payouts');
    expect(url.warnings).toContainEqual(expect.stringContaining('now holds the database password'));
    expect(JSON.stringify(url)).not.toContain('s3cret');
  });

  it('get answers the value in use and where it came from; a key not set is NOT_FOUND (exit 1)', async () => {
    const t = testContext();
    t.settings.sources.timeout = '/etc/airtime.json';
    t.settings.timeoutMs = 12_000;
    expect(await configGet({ key: 'timeout' }, t.ctx)).toEqual({
      key: 'timeout',
      value: 12,
      source: '/etc/airtime.json',
      exitCode: EXIT.OK,
    });
    expect(await configGet({ key: 'apiKey' }, t.ctx)).toMatchObject({ value: `…${API_KEY.slice(-4)}` });
    expect(await configGet({ key: 'limits.daily.KES' }, t.ctx)).toMatchObject({ value: '100000.00', source: 'default' });
    const missing = await failure(configGet({ key: 'rate' }, t.ctx));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', exitCode: EXIT.FAILED, message: 'rate is not set' });
  });
});
