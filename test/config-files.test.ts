// The parts of src/config.ts that `airtime config` builds on: the places searched, the sources of
// limits and serve settings, and writing files only their owner can read.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  configCandidates,
  loadSettings,
  readConfigForUpdate,
  userConfigFile,
  writeConfigFile,
  writePrivateFile,
} from '../src/config.js';

let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  // Each test gets its own HOME (the search stops there).
  home = mkdtempSync(join(process.env.HOME ?? '/tmp', 'cfg-files-'));
  process.env.HOME = home;
  env = { XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('configCandidates', () => {
  it('walks from the working directory up to HOME, every cosmiconfig place in each, then the user folder', () => {
    const cwd = join(home, 'a', 'b');
    const paths = configCandidates({ cwd, env }).map((c) => `${c.kind} ${c.path}`);
    expect(paths[0]).toBe(`project ${join(cwd, 'package.json')}`);
    expect(paths[1]).toBe(`project ${join(cwd, '.airtimerc')}`);
    expect(paths).toContain(`project ${join(home, 'a', 'airtime.config.js')}`);
    expect(paths).toContain(`project ${join(home, '.config', 'airtimerc.yaml')}`);
    expect(paths.filter((p) => p.endsWith('/package.json'))).toEqual(
      [cwd, join(home, 'a'), home].map((dir) => `project ${join(dir, 'package.json')}`),
    );
    expect(paths.slice(-7)).toEqual(
      ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.cjs', 'config.mjs'].map(
        (name) => `user ${join(home, '.config', 'airtime', name)}`,
      ),
    );
  });

  it('is the one named file with --config or AIRTIME_CONFIG', () => {
    expect(configCandidates({ cwd: home, env, flags: { config: 'x.json' } })).toEqual([{ path: join(home, 'x.json'), kind: 'explicit' }]);
    expect(configCandidates({ cwd: home, env: { ...env, AIRTIME_CONFIG: '/etc/airtime.yaml' } })).toEqual([
      { path: '/etc/airtime.yaml', kind: 'explicit' },
    ]);
  });
});

describe('sources of limits and serve settings', () => {
  it('names the file that set each one, and leaves defaults out', async () => {
    const project = join(home, 'p');
    mkdirSync(join(home, '.config', 'airtime'), { recursive: true });
    const user = join(home, '.config', 'airtime', 'config.json');
    writeFileSync(user, JSON.stringify({ limits: { daily: { KES: 10 }, perRun: { UGX: 5000 } }, serve: { validationMaxAge: 60 } }));
    mkdirSync(project);
    writeFileSync(join(project, '.airtimerc'), JSON.stringify({ limits: { daily: { KES: 20 } } }));
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

  it('will not turn a script config into JSON', () => {
    expect(() => writeConfigFile(join(home, 'config.js'), {})).toThrow(/is a script/);
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
