import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, type LoadOptions } from '../src/config.js';
import { AirtimeError } from '../src/core/errors.js';
import { ROOT } from './helpers/cli.js';

let home: string;
let project: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  // Each test gets its own HOME (cosmiconfig stops its upward search there).
  home = mkdtempSync(join(process.env.HOME ?? '/tmp', 'cfg-'));
  process.env.HOME = home;
  project = join(home, 'project', 'sub');
  mkdirSync(project, { recursive: true });
  env = { XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
});

function userFile(config: unknown, name = 'config.json'): string {
  const dir = join(home, '.config', 'airtime');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config), { mode: 0o600 });
  return path;
}

function projectFile(config: unknown, name = '.airtimerc', dir = join(home, 'project')): string {
  const path = join(dir, name);
  writeFileSync(path, typeof config === 'string' ? config : JSON.stringify(config), { mode: 0o600 });
  return path;
}

const load = (extra: Partial<LoadOptions> = {}) => loadSettings({ cwd: project, env, ...extra });

async function configError(promise: Promise<unknown>): Promise<AirtimeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AirtimeError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('loadSettings', () => {
  it('uses the defaults when there is no file', async () => {
    const settings = await load();
    expect(settings).toMatchObject({
      username: undefined,
      apiKey: undefined,
      retryDelayMs: 1000,
      timeoutMs: 30_000,
      duplicateWindowMs: 300_000,
      retries: 3,
      concurrency: 4,
      ledgerPath: join(home, '.local', 'share', 'airtime', 'ledger.db'),
      files: [],
    });
  });

  it('merges the user file and a project file found upward, the project winning', async () => {
    const user = userFile({ username: 'from-user', timeout: 5, defaultCountry: 'UG' });
    const proj = projectFile({ username: 'from-project', retryDelay: 0.5 });
    const settings = await load();
    expect(settings.username).toBe('from-project');
    expect(settings.timeoutMs).toBe(5000);
    expect(settings.retryDelayMs).toBe(500);
    expect(settings.defaultCountry).toBe('UG');
    expect(settings.files).toEqual([user, proj]);
    expect(settings.sources).toMatchObject({ username: proj, timeout: user, retryDelay: proj, retries: 'default' });
  });

  it('reads YAML rc files and package.json#airtime', async () => {
    projectFile('username: yaml-user\ntimeout: 2.5\n');
    expect((await load()).timeoutMs).toBe(2500);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'x', airtime: { username: 'pkg-user' } }));
    expect((await load()).username).toBe('pkg-user');
  });

  it('ranks flags over environment over profile over files', async () => {
    projectFile({ username: 'file', timeout: 9, profiles: { test: { username: 'profile', timeout: 8 } } });
    expect((await load()).username).toBe('file');
    expect((await load({ flags: { profile: 'test' } })).username).toBe('profile');
    expect((await load({ env: { ...env, AIRTIME_PROFILE: 'test' } })).timeoutMs).toBe(8000);
    const withEnv = await load({ env: { ...env, AT_USERNAME: 'env' }, flags: { profile: 'test', timeout: 3 } });
    expect(withEnv.username).toBe('env');
    expect(withEnv.timeoutMs).toBe(3000);
    expect(withEnv.sources).toMatchObject({ username: 'environment AT_USERNAME', timeout: 'flag --timeout' });
  });

  it('takes credentials and overrides from the environment', async () => {
    const settings = await load({
      env: { ...env, AT_USERNAME: 'sandbox', AT_API_KEY: 'k', AIRTIME_API_URL: 'http://127.0.0.1:1', AIRTIME_LEDGER: '/tmp/l.db' },
    });
    expect(settings).toMatchObject({ username: 'sandbox', apiKey: 'k', apiUrl: 'http://127.0.0.1:1', ledgerPath: '/tmp/l.db' });
  });

  it('reads apiKeyFile relative to the file that names it', async () => {
    writeFileSync(join(home, 'project', 'key.txt'), 'secret-from-file\n', { mode: 0o600 });
    projectFile({ apiKeyFile: 'key.txt' });
    expect((await load()).apiKey).toBe('secret-from-file');
  });

  it('uses only the named file with --config or AIRTIME_CONFIG', async () => {
    userFile({ username: 'user' });
    const named = join(home, 'named.json');
    writeFileSync(named, JSON.stringify({ timeout: 4 }));
    const settings = await load({ flags: { config: named } });
    expect(settings.username).toBeUndefined();
    expect(settings.timeoutMs).toBe(4000);
    expect((await load({ env: { ...env, AIRTIME_CONFIG: named } })).timeoutMs).toBe(4000);
    const missing = await configError(load({ flags: { config: join(home, 'nope.json') } }));
    expect(missing.exitCode).toBe(4);
    expect(missing.message).toContain('nope.json');
  });

  it.each([
    [{ timeout: 'fast' }, 'timeout', 'a number above 0'],
    [{ timeout: -1 }, 'timeout', 'a number above 0'],
    [{ retries: 1.5 }, 'retries', 'whole number'],
    [{ duplicateWindow: 301 }, 'duplicateWindow', 'at most 300'],
    [{ defaultCountry: 'US' }, 'defaultCountry', 'supported country'],
    [{ apiUrl: 'ftp://x' }, 'apiUrl', 'http(s) URL'],
    [{ username: 42 }, 'username', 'non-empty string'],
    [{ limits: { daily: { USD: 5 } } }, 'limits.daily.USD', 'not a supported currency'],
    [{ limits: { perRecipient: { KES: '10.001' } } }, 'limits.perRecipient.KES', 'decimals'],
    [{ limits: { perRun: { UGX: 'lots' } } }, 'limits.perRun.UGX', 'not an amount'],
    [{ serve: { allowedSourceIps: '1.2.3.4' } }, 'serve.allowedSourceIps', 'a list of strings'],
  ])('refuses %j with exit 4 naming %s', async (config, key, expected) => {
    const path = projectFile(config);
    const error = await configError(load());
    expect(error.code).toBe('CONFIG_ERROR');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain(key);
    expect(error.message).toContain(path);
    expect(error.message).toContain(expected);
  });

  it('never shows the value of a badly typed apiKey', async () => {
    projectFile({ apiKey: ['atsk_secret_in_a_list_1234'] });
    const error = await configError(load());
    expect(error.message).toContain('config key apiKey');
    expect(error.message).not.toContain('atsk_secret_in_a_list_1234');
  });

  it('refuses an unknown profile and a file that does not parse', async () => {
    projectFile({ profiles: { a: {} } });
    expect((await configError(load({ flags: { profile: 'b' } }))).message).toContain('profile b is not defined (defined: a)');
    projectFile('{ not json');
    expect((await configError(load())).code).toBe('CONFIG_ERROR');
  });

  it('warns about unknown keys without failing', async () => {
    projectFile({ usernme: 'typo', limits: { weekly: {} } });
    const { warnings } = await load();
    expect(warnings.join('\n')).toContain('unknown config key "usernme"');
    expect(warnings.join('\n')).toContain('unknown config key "limits.weekly"');
  });

  it('warns when a file holding apiKey can be read by others or sits in a git work tree', async () => {
    const path = projectFile({ apiKey: 'k' });
    expect((await load()).warnings).toEqual([]);
    chmodSync(path, 0o644);
    expect((await load()).warnings.join('\n')).toContain('other users can read it');
    chmodSync(path, 0o600);
    mkdirSync(join(home, 'project', '.git'));
    expect((await load()).warnings.join('\n')).toContain('git work tree');
  });

  it('parses limits into minor units, merging files', async () => {
    userFile({ limits: { perRecipient: { KES: 100 }, daily: { UGX: 5000 } } });
    projectFile({ limits: { perRecipient: { KES: 200.5 } } });
    const { limits } = await load();
    expect(limits.perRecipient).toEqual({ KES: 20_050 });
    expect(limits.daily.UGX).toBe(5000);
    expect(limits.daily.KES).toBe(10_000_000); // the default: KES 100,000 a day
  });

  it('loads .airtimerc.example, which documents every key', async () => {
    copyFileSync(join(ROOT, '.airtimerc.example'), join(home, 'project', '.airtimerc'));
    const settings = await load();
    expect(settings.warnings).toEqual([]);
    expect(settings.username).toBe('sandbox');
    expect(settings.limits.perRecipient.KES).toBe(1_000_000);
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(ROOT, '.airtimerc.example'), 'utf8');
    const { CONFIG_KEYS } = await import('../src/config.js');
    for (const key of CONFIG_KEYS) expect(text).toMatch(new RegExp(`^#? ?${key}:`, 'm'));
  });
});

describe('the config search', () => {
  it('looks in the same places as cosmiconfig, so the fast "no config file" check cannot drift', async () => {
    const { getDefaultSearchPlaces } = await import('cosmiconfig');
    const { PROJECT_PLACES } = await import('../src/config.js');
    expect(PROJECT_PLACES).toEqual(getDefaultSearchPlaces('airtime'));
  });

  it('finds a config file in each place cosmiconfig would', async () => {
    for (const place of ['.airtimerc.yml', '.config/airtimerc.json', 'airtime.config.cjs']) {
      const dir = mkdtempSync(join(home, 'place-'));
      mkdirSync(join(dir, '.config'), { recursive: true });
      const content = place.endsWith('.cjs') ? 'module.exports = { timeout: 7 };' : place.endsWith('.json') ? '{"timeout": 7}' : 'timeout: 7';
      writeFileSync(join(dir, place), content);
      expect((await loadSettings({ cwd: dir, env })).timeoutMs).toBe(7000);
    }
  });
});
