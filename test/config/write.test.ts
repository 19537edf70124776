// Writing config files only their owner can read, and the sources `airtime config show` names.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { userConfigFile } from '../../src/config/places.js';
import { readConfigForUpdate, writeConfigFile, writePrivateFile } from '../../src/config/write.js';

let home: string;
let env: NodeJS.ProcessEnv;

/** The test run's HOME (test/setup.ts): each test's own HOME is made beside the others, not inside the last. */
const root = process.env.HOME ?? '/tmp';

beforeEach(() => {
  // Each test gets its own HOME (the search stops there).
  home = mkdtempSync(join(root, 'cfg-files-'));
  process.env.HOME = home;
  env = { XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('sources of limits and serve settings', () => {
  it('names the file that set each one, and leaves defaults out', async () => {
    const project = join(home, 'p');
    mkdirSync(join(home, '.config', 'airtime'), { recursive: true });
    const user = join(home, '.config', 'airtime', 'config.json');
    writeFileSync(user, JSON.stringify({ limits: { daily: { KES: 10 }, perRun: { UGX: 5000 } }, serve: { validationMaxAge: 60 } }));
    mkdirSync(project);
    writeFileSync(join(project, '.airtimerc'), JSON.stringify({ limits: { daily: { KES: 5 } } }));
    const settings = await loadSettings({ cwd: project, env });
    expect(settings.sources).toMatchObject({
      'limits.daily.KES': join(project, '.airtimerc'),
      'limits.perRun.UGX': user,
      'serve.validationMaxAge': user,
    });
    expect(settings.sources['limits.daily.UGX']).toBeUndefined();
    expect(settings.sources['serve.allowedSourceIps']).toBeUndefined();
  });
});

describe('writing config files', () => {
  it('creates missing folders 0700 and the file 0600, and tightens a file it replaces', () => {
    const path = join(home, 'new', 'deeper', 'config.json');
    writeConfigFile(path, { username: 'sandbox' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ username: 'sandbox' });
    expect(mode(path)).toBe(0o600);
    expect(mode(join(home, 'new'))).toBe(0o700);
    expect(mode(join(home, 'new', 'deeper'))).toBe(0o700);

    const loose = join(home, 'loose');
    writeFileSync(loose, 'old');
    chmodSync(loose, 0o644);
    writePrivateFile(loose, 'secret\n');
    expect(readFileSync(loose, 'utf8')).toBe('secret\n');
    expect(mode(loose)).toBe(0o600);
  });

  it('will not turn code into JSON, nor read it for an update', () => {
    expect(() => writeConfigFile(join(home, 'config.js'), {})).toThrow(/is code/);
    writeFileSync(join(home, 'config.cjs'), 'module.exports = {}');
    expect(() => readConfigForUpdate(join(home, 'config.cjs'))).toThrow(/is code/);
  });

  it('reads for an update only what it can write back: JSON', () => {
    const path = join(home, 'c');
    expect(readConfigForUpdate(path)).toEqual({});
    writeFileSync(path, '  \n');
    expect(readConfigForUpdate(path)).toEqual({});
    writeFileSync(path, '{"timeout": 5}');
    expect(readConfigForUpdate(path)).toEqual({ timeout: 5 });
    writeFileSync(path, '# a comment\ntimeout: 5\n');
    expect(() => readConfigForUpdate(path)).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR', exitCode: 4 }));
    writeFileSync(path, '[1]');
    expect(() => readConfigForUpdate(path)).toThrow(/object of settings/);
  });

  it('finds the user file that is read, or names config.json', () => {
    const dir = join(home, '.config', 'airtime');
    expect(userConfigFile(env)).toBe(join(dir, 'config.json'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.yaml'), 'timeout: 5\n');
    expect(userConfigFile(env)).toBe(join(dir, 'config.yaml'));
  });
});
