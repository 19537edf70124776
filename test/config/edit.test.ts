// Changing one setting of a config file: names, values, and the file written back in its format.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  editYamlLines,
  emitYaml,
  parseSettingKey,
  parseSettingValue,
  readForEdit,
  renderEdit,
  settingAt,
  withSetting,
} from '../../src/config/edit.js';
import { defaultLoaders } from '../../src/config/yaml.js';

describe('parseSettingKey', () => {
  it.each([
    ['timeout', 'set', undefined, 'timeout', ['timeout']],
    ['limits.daily.kes', 'set', undefined, 'limits.daily.KES', ['limits', 'daily', 'KES']],
    ['serve.allowedSourceIps', 'get', undefined, 'serve.allowedSourceIps', ['serve', 'allowedSourceIps']],
    ['timeout', 'set', 'live', 'timeout', ['profiles', 'live', 'timeout']],
    ['limits.daily', 'unset', undefined, 'limits.daily', ['limits', 'daily']],
    ['serve', 'unset', undefined, 'serve', ['serve']],
    ['apiKey', 'unset', undefined, 'apiKey', ['apiKey']],
    ['apiKey', 'get', undefined, 'apiKey', ['apiKey']],
  ] as const)('%j to %s (profile %s) is %s at %j', (text, action, profile, name, path) => {
    expect(parseSettingKey(text, action, profile)).toMatchObject({ name, path });
  });

  it.each([
    ['nonsense', 'set', 'unknown config key "nonsense"'],
    ['timeout.extra', 'set', 'unknown config key "timeout.extra"'],
    ['limits.weekly.KES', 'set', 'unknown config key "limits.weekly.KES"'],
    ['limits.daily.USD', 'set', "limits.daily.USD: USD is not a currency Africa's Talking sells airtime in: use one of KES"],
    ['serve.port', 'set', 'unknown config key "serve.port"'],
    ['limits.daily', 'set', 'limits.daily holds several settings: name one, e.g. limits.daily.KES'],
    ['serve', 'get', 'serve holds several settings: name one, e.g. serve.validationMaxAge'],
    ['profiles.live.timeout', 'set', "a profile's settings are named with --profile"],
    ['apiKey', 'set', 'config set apiKey is refused: a key on the command line lands in shell history and in ps'],
    ['constructor', 'get', 'unknown config key "constructor"'],
  ] as const)('%j to %s is a usage error: %s', (text, action, message) => {
    expect(() => parseSettingKey(text, action)).toThrow(
      expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(message) }),
    );
  });
});

describe('parseSettingValue', () => {
  const value = (name: string, text: string) => parseSettingValue(parseSettingKey(name, 'set'), text);

  it.each([
    ['timeout', '2.5', 2.5],
    ['retries', '0', 0],
    ['repeatWindow', '0', 0],
    ['rate', '12', 12],
    ['defaultCountry', 'ke', 'KE'],
    ['username', ' acme ', 'acme'],
    ['apiUrl', 'http://127.0.0.1:8788', 'http://127.0.0.1:8788'],
    ['limits.daily.KES', '50000', 50000],
    ['limits.daily.KES', '10.5', 10.5],
    ['limits.perRecipient.UGX', '100000', 100000],
    ['serve.allowedSourceIps', '198.51.100.7, 203.0.113.10', ['198.51.100.7', '203.0.113.10']],
    ['serve.validationMaxAge', '120', 120],
  ])('%s %j is stored as %j', (name, text, stored) => {
    expect(value(name, text)).toEqual(stored);
  });

  it.each([
    ['timeout', 'soon', 'timeout must be a number above 0 (got "soon")'],
    ['timeout', '0', 'timeout must be a number above 0 (got "0")'],
    ['retries', '1.5', 'retries must be a whole number from 0 to 100'],
    ['maxNumRetry', '0', 'maxNumRetry must be a whole number from 1 to 100'],
    ['duplicateWindow', '600', 'duplicateWindow must be a number of seconds above 0 and at most 300'],
    ['concurrency', '65', 'concurrency must be a whole number from 1 to 64'],
    ['defaultCountry', 'FR', 'defaultCountry must be a supported country code'],
    ['apiUrl', 'ftp://x', 'apiUrl must be an http(s) URL'],
    ['username', ' ', 'username must be a non-empty string'],
    ['limits.daily.KES', 'lots', 'config key limits.daily.KES: "lots" is not an amount'],
    ['limits.daily.UGX', '10.5', 'config key limits.daily.UGX: '],
  ])('%s %j is refused: %s', (name, text, message) => {
    expect(() => value(name, text)).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining(message) }));
  });
});

describe('withSetting and settingAt', () => {
  it.each([
    [{}, ['timeout'], 5, { timeout: 5 }],
    [{ timeout: 30, rate: 2 }, ['timeout'], 5, { timeout: 5, rate: 2 }],
    [{}, ['limits', 'daily', 'KES'], 5, { limits: { daily: { KES: 5 } } }],
    [{ limits: { daily: { KES: 5, UGX: 50 } } }, ['limits', 'daily', 'KES'], undefined, { limits: { daily: { UGX: 50 } } }],
    // A group left empty goes with its last member.
    [{ rate: 1, limits: { daily: { KES: 5 } } }, ['limits', 'daily', 'KES'], undefined, { rate: 1 }],
    [{ rate: 1 }, ['limits', 'daily', 'KES'], undefined, { rate: 1 }],
    [{ profiles: { live: { timeout: 5 }, test: {} } }, ['profiles', 'live', 'timeout'], undefined, { profiles: { test: {} } }],
  ])('%j with %j = %j is %j', (values, path, value, expected) => {
    const before = structuredClone(values);
    expect(withSetting(values, path, value)).toEqual(expected);
    expect(values).toEqual(before);
    if (value !== undefined) expect(settingAt(withSetting(values, path, value), path)).toEqual(value);
  });
});

const yaml = (text: string) => defaultLoaders['.yaml']('x.yaml', text) ?? {};

describe('editYamlLines', () => {
  const FILE = `# mine
username: sandbox   # for now
timeout: 30 # seconds

limits:
  daily:
    KES: 50000   # a day
# end
`;
  it.each([
    // path, value, the text expected
    [['timeout'], 12, FILE.replace('timeout: 30 # seconds', 'timeout: 12 # seconds')],
    [['limits', 'daily', 'KES'], 6, FILE.replace('KES: 50000   # a day', 'KES: 6   # a day')],
    [['limits', 'daily', 'UGX'], 100, FILE.replace('    KES: 50000   # a day\n', '    KES: 50000   # a day\n    UGX: 100\n')],
    [['limits', 'perRun', 'KES'], 7, FILE.replace('    KES: 50000   # a day\n', '    KES: 50000   # a day\n  perRun:\n    KES: 7\n')],
    [['rate'], 2, FILE.replace('    KES: 50000   # a day\n', '    KES: 50000   # a day\nrate: 2\n')],
    [
      ['apiUrl'],
      'http://127.0.0.1:1/#x',
      FILE.replace('    KES: 50000   # a day\n', '    KES: 50000   # a day\napiUrl: "http://127.0.0.1:1/#x"\n'),
    ],
    [['timeout'], undefined, FILE.replace('timeout: 30 # seconds\n', '')],
    // The last of a group takes the group with it; comments elsewhere stay.
    [['limits', 'daily', 'KES'], undefined, FILE.replace('limits:\n  daily:\n    KES: 50000   # a day\n', '')],
    [['rate'], undefined, FILE],
  ])('%j = %j keeps every comment', (path, value, expected) => {
    const edited = editYamlLines(FILE, path, value);
    expect(edited).toBe(expected);
    const parsed = yaml(edited ?? '') as Record<string, unknown>;
    expect(settingAt(parsed, path)).toEqual(value);
  });

  it.each([
    ['limits: {daily: {KES: 5}}\n', ['limits', 'daily', 'KES']],
    ['---\ntimeout: 5\n', ['timeout']],
    ['serve:\n\tvalidationMaxAge: 5\n', ['serve', 'validationMaxAge']],
    ['serve:\n  allowedSourceIps:\n  - 1.2.3.4\n', ['serve', 'validationMaxAge']],
  ])('%j cannot be edited in place at %j: undefined, for the caller to do otherwise', (text, path) => {
    expect(editYamlLines(text, path, 1)).toBeUndefined();
  });

  it('adds a line to a file that does not end with a newline, ending it with one', () => {
    expect(editYamlLines('timeout: 5', ['rate'], 2)).toBe('timeout: 5\nrate: 2\n');
  });

  it('reads quoted keys, and keeps them as written', () => {
    expect(editYamlLines(`"timeout": 5\n'rate': 1\n`, ['rate'], 3)).toBe(`"timeout": 5\n'rate': 3\n`);
  });
});

describe('emitYaml', () => {
  it('writes block mappings that read back as the same settings', () => {
    const values = {
      username: 'sandbox',
      timeout: 2.5,
      limits: { daily: { KES: 5 } },
      serve: { allowedSourceIps: ['1.2.3.4'] },
      profiles: { x: {} },
    };
    const text = emitYaml(values);
    expect(text).toBe(
      'username: "sandbox"\ntimeout: 2.5\nlimits:\n  daily:\n    KES: 5\nserve:\n  allowedSourceIps: ["1.2.3.4"]\nprofiles:\n  x: {}\n',
    );
    expect(yaml(text)).toEqual(values);
  });
});

describe('renderEdit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-edit-'));
  const file = async (name: string, text?: string) => {
    const path = join(dir, name);
    if (text !== undefined) writeFileSync(path, text);
    return readForEdit(path);
  };
  const render = async (name: string, text: string | undefined, path: string[], value: unknown) => {
    const read = await file(name, text);
    return renderEdit(read, path, value, withSetting(read.values, path, value));
  };

  it.each([
    ['a.json', '{\n    "timeout": 30,\n    "rate": 1\n}\n', '{\n    "timeout": 5,\n    "rate": 1\n}\n'],
    ['b.json', '{\n\t"timeout": 30\n}', '{\n\t"timeout": 5\n}'],
    ['c.json', '{"timeout":30}\n', '{"timeout":5}\n'],
    ['d.json', '\uFEFF{\n  "timeout": 30\n}\n', '\uFEFF{\n  "timeout": 5\n}\n'],
    ['.airtimerc', '{ "timeout": 30 }\n', '{"timeout":5}\n'],
    ['e.json', undefined, '{\n  "timeout": 5\n}\n'],
    ['f.yaml', undefined, 'timeout: 5\n'],
    ['g.yml', 'timeout: 30\n', 'timeout: 5\n'],
  ])('%s %j becomes %j', async (name, text, expected) => {
    expect(await render(name, text, ['timeout'], 5)).toBe(expected);
  });

  it('a YAML file without comments that cannot be edited in place is written afresh; one with comments is refused', async () => {
    expect(await render('flow.yaml', 'limits: {daily: {KES: 5}}\n', ['limits', 'daily', 'KES'], 6)).toBe('limits:\n  daily:\n    KES: 6\n');
    await expect(render('kept.yaml', 'limits: {daily: {KES: 5}} # mine\n', ['limits', 'daily', 'KES'], 6)).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringContaining("without losing the file's comments"),
    });
  });

  it('never rewrites code or package.json', async () => {
    await expect(file('airtime.config.js', 'export default {}')).rejects.toMatchObject({ code: 'CONFIG_ERROR' });
    await expect(file('package.json', '{"airtime":{}}')).rejects.toMatchObject({ message: expect.stringContaining('does not rewrite') });
  });
});
