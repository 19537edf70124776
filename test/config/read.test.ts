// A config file that does not parse is one error a person can act on: the file, the format, the
// parser's reason, and where.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatOf, lineAndColumn, readConfigFile } from '../../src/config/read.js';

const dir = mkdtempSync(join(tmpdir(), 'airtime-read-'));

async function failure(name: string, text: string): Promise<{ code: string; message: string }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  try {
    await readConfigFile(path);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error(`${name} parsed`);
}

describe('readConfigFile', () => {
  it.each([
    ['.airtimerc.json', '{\n  "username": "sandbox",\n  "timeout": 30,\n}\n', 'JSON', 'line 4, column 1'],
    ['.airtimerc.json', '{"username": "sandbox" "timeout": 30}', 'JSON', 'line 1, column 24'],
    ['.airtimerc.json', '{"username": "sandbox",', 'JSON', 'line 1, column 24'],
    // An extensionless rc file that opens like JSON is JSON, not a baffling YAML error.
    ['.airtimerc', '{\n  "timeout": 30\n  "retries": 2\n}\n', 'JSON', 'line 3, column 3'],
    ['.airtimerc', 'username: sandbox\n  timeout: [30\n', 'YAML', 'line 2, column 10'],
    ['.airtimerc.yaml', 'limits:\n  daily: {KES: 5\n', 'YAML', 'line 3'],
    ['package.json', '{"name": "x", "airtime": {', 'JSON', 'line 1'],
  ])('%s %j: not valid %s, at %s', async (name, text, format, where) => {
    const error = await failure(name, text);
    expect(error.code).toBe('CONFIG_ERROR');
    expect(error.message).toContain(`${join(dir, name)} is not valid ${format}: `);
    expect(error.message).toContain(where);
    expect(error.message).not.toContain('\n');
  });

  it('reads JSON, YAML, an empty file and package.json#airtime', async () => {
    const read = async (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return readConfigFile(join(dir, name));
    };
    expect(await read('a.json', '\uFEFF{"timeout": 5}')).toEqual({ timeout: 5 });
    expect(await read('b.yml', 'timeout: 5\n')).toEqual({ timeout: 5 });
    expect(await read('.airtimerc', '')).toEqual({});
    expect(await read('.airtimerc', '# nothing\n')).toEqual({});
    expect(await read('package.json', '{"name": "x"}')).toBeUndefined();
    expect(await read('package.json', '{"name": "x", "airtime": {"retries": 1}}')).toEqual({ retries: 1 });
  });

  it('names a file it cannot read', async () => {
    await expect(readConfigFile(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringContaining('does not exist'),
    });
  });
});

describe('formatOf and lineAndColumn', () => {
  it.each([
    ['x.json', 'a: 1', 'JSON'],
    ['package.json', 'a', 'JSON'],
    ['x.yaml', '{}', 'YAML'],
    ['.airtimerc', '  [1]', 'JSON'],
    ['.airtimerc', 'a: 1', 'YAML'],
  ] as const)('%s holding %j is %s', (path, text, format) => {
    expect(formatOf(path, text)).toBe(format);
  });

  it('counts from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(lineAndColumn('ab', 99)).toEqual({ line: 1, column: 3 });
  });
});

describe('a JSON mistake V8 reports without a position', () => {
  it("is still placed, and the message is one line without the file's text", async () => {
    const error = await failure('.airtimerc.json', '{\n  "timeout":: 30\n}\n');
    expect(error.message).toMatch(/is not valid JSON: Unexpected token ':'.* at line 2, column 13$/);
  });
});
