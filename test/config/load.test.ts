import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type LoadOptions, loadSettings } from '../../src/config/load.js';
import type { TrustSeam } from '../../src/config/trust.js';
import { AirtimeError } from '../../src/core/errors.js';
import { ROOT } from '../helpers/cli.js';

let home: string;
let project: string;
let env: NodeJS.ProcessEnv;

/** The test run's HOME (test/setup.ts): each test's own HOME is made beside the others, not inside the last. */
const root = process.env.HOME ?? '/tmp';

beforeEach(() => {
  // Each test gets its own HOME (cosmiconfig stops its upward search there).
  home = mkdtempSync(join(root, 'cfg-'));
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
      ledgerLocation: join(home, '.local', 'share', 'airtime', 'ledger.db'),
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
    expect(settings).toMatchObject({ username: 'sandbox', apiKey: 'k', apiUrl: 'http://127.0.0.1:1', ledgerLocation: '/tmp/l.db' });
  });

  it('reads apiKeyFile relative to the file that names it', async () => {
    userFile({ apiKeyFile: 'key.txt' });
    writeFileSync(join(home, '.config', 'airtime', 'key.txt'), 'secret-from-file\n', { mode: 0o600 });
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
    projectFile({ limits: { perRecipient: { KES: 50.5 } } });
    const { limits } = await load();
    expect(limits.perRecipient).toEqual({ KES: 5050 });
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
    const { CONFIG_KEYS } = await import('../../src/config/schema.js');
    for (const key of CONFIG_KEYS) expect(text).toMatch(new RegExp(`^#? ?${key}:`, 'm'));
  });
});

describe('the config search', () => {
  it("looks in cosmiconfig's places, reading the data ones and refusing the code ones", async () => {
    const { getDefaultSearchPlaces } = await import('cosmiconfig');
    const { PROJECT_CODE_PLACES, PROJECT_PLACES } = await import('../../src/config/places.js');
    expect([...PROJECT_PLACES, ...PROJECT_CODE_PLACES].sort()).toEqual([...getDefaultSearchPlaces('airtime')].sort());
  });

  it('finds a config file in each data place, and refuses each code place without running it', async () => {
    for (const place of ['.airtimerc.yml', '.config/airtimerc.json', '.airtimerc']) {
      const dir = mkdtempSync(join(home, 'place-'));
      mkdirSync(join(dir, '.config'), { recursive: true });
      writeFileSync(join(dir, place), place.endsWith('.json') ? '{"timeout": 7}' : 'timeout: 7');
      expect((await loadSettings({ cwd: dir, env })).timeoutMs).toBe(7000);
    }
    for (const place of ['airtime.config.cjs', '.airtimerc.js', '.config/airtimerc.mjs', '.airtimerc.ts']) {
      const dir = mkdtempSync(join(home, 'code-'));
      mkdirSync(join(dir, '.config'), { recursive: true });
      const marker = join(dir, 'ran');
      writeFileSync(join(dir, place), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = { timeout: 7 };`);
      const settings = await loadSettings({ cwd: dir, env });
      expect(settings.timeoutMs).toBe(30_000);
      expect(settings.refused.join('\n')).toContain(`${join(dir, place)} is not read`);
      expect(existsSync(marker)).toBe(false);
    }
  });
});

describe('what a project file may do', () => {
  const keyInUserFolder = (mode = 0o600) => {
    const path = join(home, '.config', 'airtime', 'live-key');
    mkdirSync(join(home, '.config', 'airtime'), { recursive: true });
    writeFileSync(path, 'atsk_from_the_user_folder\n', { mode });
    chmodSync(path, mode);
    return path;
  };

  it('may not set the ledger; the user file and the environment may', async () => {
    const path = projectFile({ ledger: './fresh.db' });
    const error = await configError(load());
    expect(error.message).toContain(`${path} sets ledger, which a project file may not`);
    expect(error.hint).toContain('user config');
    projectFile({});
    userFile({ ledger: '~/my.db' });
    expect((await load()).ledgerLocation).toBe(join(home, 'my.db'));
    expect((await load({ env: { ...env, AIRTIME_LEDGER: '/tmp/x.db' } })).ledgerLocation).toBe('/tmp/x.db');
  });

  it('may name a key file only inside the user config folder, owned by the user and private', async () => {
    writeFileSync(join(home, '.git-credentials'), 'https://ann:ghp_secret@github.com\n', { mode: 0o600 });
    projectFile({ apiKeyFile: '~/.git-credentials' });
    expect((await configError(load())).message).toContain('sets apiKeyFile, which a project file may not');
    keyInUserFolder(0o644);
    projectFile({ apiKeyFile: '~/.config/airtime/live-key' });
    expect((await configError(load())).message).toContain('readable by nobody else');
    keyInUserFolder(0o600);
    expect((await load()).apiKey).toBe('atsk_from_the_user_folder');
    // Not by climbing out of it.
    projectFile({ apiKeyFile: '~/.config/airtime/../../.git-credentials' });
    expect((await configError(load())).message).toContain('sets apiKeyFile');
  });

  it('may set apiUrl only with the username sandbox, and may not switch the user to sandbox to use it', async () => {
    projectFile({ apiUrl: 'http://127.0.0.1:8801' });
    expect((await configError(load({ env: { ...env, AT_USERNAME: 'acme' } }))).message).toContain(
      'sets apiUrl, which a project file may not: a project file may set apiUrl only with the username sandbox',
    );
    expect((await load({ env: { ...env, AT_USERNAME: 'sandbox' } })).apiUrl).toBe('http://127.0.0.1:8801');
    userFile({ username: 'acme', apiKey: 'atsk_live_key_of_acme' });
    projectFile({ username: 'sandbox', apiUrl: 'http://127.0.0.1:8801' });
    expect((await configError(load())).message).toContain('it sets username sandbox over yours (acme)');
    // The environment's own apiUrl beats the project's, and is the user's to choose.
    expect((await load({ env: { ...env, AT_USERNAME: 'acme', AIRTIME_API_URL: 'https://gw.example' } })).apiUrl).toBe('https://gw.example');
  });

  it('holds a profile defined in a project file to the same rules', async () => {
    projectFile({ profiles: { evil: { ledger: '/tmp/evil.db' } } });
    expect((await load()).ledgerLocation).toBe(join(home, '.local', 'share', 'airtime', 'ledger.db'));
    expect((await configError(load({ flags: { profile: 'evil' } }))).message).toContain('(profile evil) sets ledger');
  });

  it("may only tighten limits, repeatWindow, duplicateWindow and serve's rules: a looser value is ignored, with a warning", async () => {
    userFile({ limits: { perRecipient: { KES: 500 } }, duplicateWindow: 120, serve: { allowedSourceIps: ['203.0.113.10'] } });
    const path = projectFile({
      limits: { perRecipient: { KES: 9000, UGX: 1000 }, daily: { KES: 1_000_000, TZS: 100 }, perRun: { KES: 20 } },
      repeatWindow: 0,
      duplicateWindow: 300,
      serve: { validationMaxAge: 86_400, allowedSourceIps: ['198.51.100.66'] },
    });
    const settings = await load();
    expect(settings.limits.perRecipient).toEqual({ KES: 50_000, UGX: 1000 });
    expect(settings.limits.daily.KES).toBe(10_000_000);
    expect(settings.limits.daily.TZS).toBe(10_000);
    expect(settings.limits.perRun).toEqual({ KES: 2000 });
    expect(settings.repeatWindowMs).toBe(900_000);
    expect(settings.duplicateWindowMs).toBe(120_000);
    expect(settings.serve).toEqual({ validationMaxAge: 600, allowedSourceIps: ['203.0.113.10'] });
    const warnings = settings.warnings.join('\n');
    for (const key of [
      'limits.perRecipient.KES to KES 9000.00',
      'limits.daily.KES',
      'repeatWindow to 0',
      'duplicateWindow to 300',
      'serve.validationMaxAge',
      'serve.allowedSourceIps',
    ]) {
      expect(warnings).toContain(`${path} sets ${key}`);
    }
    expect(warnings).not.toContain('limits.perRun');
    // Tighter values are taken.
    projectFile({ repeatWindow: 3600, duplicateWindow: 60, serve: { validationMaxAge: 60 } });
    const tight = await load();
    expect([tight.repeatWindowMs, tight.duplicateWindowMs, tight.serve.validationMaxAge, tight.warnings]).toEqual([
      3_600_000,
      60_000,
      60,
      [],
    ]);
  });

  it("is not read at all when someone else could have written it; the home file is the user's own", async () => {
    const path = projectFile({ ledger: 'x.db', timeout: 9 });
    const bobOwns = (uid: number): TrustSeam => ({
      uid,
      sudoUid: undefined,
      userName: 'ann',
      stat: (p) => (p === path ? { uid: 1001, gid: 1001, mode: 0o100644 } : { uid, gid: uid, mode: 0o40755 }),
      isPrivateGroup: () => false,
    });
    for (const uid of [0, 1000]) {
      const settings = await load({ trust: bobOwns(uid) });
      expect(settings.timeoutMs).toBe(30_000);
      expect(settings.refused).toEqual([expect.stringContaining(`${path} is not read: it is owned by another user (uid 1001)`)]);
      const lifted = await configError(load({ trust: bobOwns(uid), env: { ...env, AIRTIME_TRUSTED_DIRS: join(home, 'project') } }));
      expect(lifted.message).toContain('sets ledger');
    }
    // ~/.airtimerc, owned by the user, is theirs: it may choose the ledger.
    writeFileSync(join(home, '.airtimerc'), JSON.stringify({ ledger: '~/home.db' }));
    projectFile({});
    expect((await load()).ledgerLocation).toBe(join(home, 'home.db'));
  });

  it('plain http to another machine: refused with a live username, a warning with the sandbox', async () => {
    const live = await configError(load({ env: { ...env, AT_USERNAME: 'acme', AIRTIME_API_URL: 'http://10.0.0.5:8788' } }));
    expect(live.message).toContain('apiUrl http://10.0.0.5:8788 (from environment AIRTIME_API_URL) is plain http to another machine');
    const sandbox = await load({ env: { ...env, AT_USERNAME: 'sandbox', AIRTIME_API_URL: 'http://10.0.0.5:8788' } });
    expect(sandbox.warnings.join('\n')).toContain('is plain http: the sandbox key travels in clear text');
    for (const url of ['http://127.0.0.1:8788', 'http://localhost:1', 'http://[::1]:2', 'https://10.0.0.5']) {
      expect((await load({ env: { ...env, AT_USERNAME: 'acme', AIRTIME_API_URL: url } })).warnings).toEqual([]);
    }
  });

  it('trusts a file named by --config like the user file', async () => {
    const named = join(home, 'project', 'ops.json');
    writeFileSync(named, JSON.stringify({ ledger: '/tmp/ops.db', limits: { perRecipient: { KES: 9000 } } }));
    const settings = await load({ flags: { config: named } });
    expect(settings.ledgerLocation).toBe('/tmp/ops.db');
    expect(settings.limits.perRecipient.KES).toBe(900_000);
  });

  it('warns about a config file beyond where the search stops', async () => {
    projectFile({ timeout: 9 });
    mkdirSync(join(home, 'project', 'sub', '.git'));
    const settings = await load();
    expect(settings.timeoutMs).toBe(30_000);
    expect(settings.warnings.join('\n')).toContain(`${join(home, 'project', '.airtimerc')} is no longer read`);
  });
});
