// Fuzzed config files: whatever a file holds (valid or broken JSON and YAML, random keys, types and
// nesting), loading gives settings or one CONFIG_ERROR line naming the file, never a crash; and the
// built binary, beside such a file, exits 0, 2 or 4 with nothing sent.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load.js';
import { AirtimeError } from '../../src/core/errors.js';
import { makeSandbox, runCli } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : 80;
const root = process.env.HOME ?? '/tmp';

const KEYS = [
  'username',
  'apiKey',
  'apiKeyFile',
  'apiUrl',
  'defaultCountry',
  'ledger',
  'timeout',
  'retries',
  'retryDelay',
  'duplicateWindow',
  'repeatWindow',
  'maxNumRetry',
  'concurrency',
  'rate',
  'limits',
  'serve',
  'profiles',
  '__proto__',
  'constructor',
];
const scalar = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('KES', 'sandbox', 'http://127.0.0.1:1', '~/x', '5', '-1', '1e309'),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { maxDepth: 3 },
    scalar,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...KEYS, 'perRecipient', 'daily', 'perRun', 'KES', 'UGX', 'validationMaxAge'), fc.string({ maxLength: 6 })),
      tie('node'),
      { maxKeys: 4 },
    ),
  ),
})).node;
const settings = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), value, { maxKeys: 6 });

/** A document as JSON or YAML, intact or cut short, or with a stray character in it. */
const document = fc
  .tuple(
    settings,
    fc.constantFrom('json', 'yaml'),
    fc.constantFrom('whole', 'cut', 'stray'),
    fc.nat(),
    fc.constantFrom('}', ':', '"', '\t', '- ', '\u0000', '{'),
  )
  .map(([values, format, damage, at, stray]) => {
    const text = format === 'json' ? JSON.stringify(values, null, 2) : yamlOf(values);
    if (damage === 'cut') return { format, text: text.slice(0, at % (text.length + 1)) };
    if (damage === 'stray') {
      const i = at % (text.length + 1);
      return { format, text: `${text.slice(0, i)}${stray}${text.slice(i)}` };
    }
    return { format, text };
  });

/** A small YAML writer: enough for fuzzing (quoted strings, nested maps and lists). */
function yamlOf(node: unknown, indent = ''): string {
  if (node === null || typeof node !== 'object') return `${JSON.stringify(node) ?? 'null'}\n`;
  const entries = Array.isArray(node)
    ? node.map((v) => ['-', v] as const)
    : Object.entries(node).map(([k, v]) => [`${JSON.stringify(k)}:`, v] as const);
  if (entries.length === 0) return Array.isArray(node) ? '[]\n' : '{}\n';
  return `\n${entries.map(([k, v]) => `${indent}${k} ${yamlOf(v, `${indent}  `)}`).join('')}`;
}

let n = 0;
async function load(text: string, name: string) {
  const home = mkdtempSync(join(root, 'fuzz-config-'));
  const cwd = join(home, 'work');
  mkdirSync(cwd);
  writeFileSync(join(cwd, name), text);
  n += 1;
  process.env.HOME = home;
  const env = { XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
  try {
    await loadSettings({ cwd, env });
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    expect(error.code).toBe('CONFIG_ERROR');
    expect(error.exitCode).toBe(4);
    expect(error.message).not.toContain('\n');
    expect(error.message).toMatch(/config|profile|\.airtimerc/);
  }
}

describe('fuzzed config files', () => {
  it('load to settings or one CONFIG_ERROR line, as JSON and YAML, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(document, fc.boolean(), async ({ format, text }, extensionless) => {
        await load(text, extensionless ? '.airtimerc' : format === 'json' ? '.airtimerc.json' : '.airtimerc.yaml');
      }),
      { numRuns: RUNS },
    );
    expect(n).toBeGreaterThan(0);
  });

  it('arbitrary bytes as a config file', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('.airtimerc', '.airtimerc.json', '.airtimerc.yml', 'package.json'),
        async (bytes, name) => {
          await load(Buffer.from(bytes).toString('latin1'), name);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('beside the built binary: exit 0, 2 or 4 with one clear line, and nothing sent', async () => {
    const emu = await emulator();
    await fc.assert(
      fc.asyncProperty(document, async ({ format, text }) => {
        const sandbox = makeSandbox();
        writeFileSync(join(sandbox.cwd, format === 'json' ? '.airtimerc.json' : '.airtimerc.yaml'), text);
        const result = await runCli(['send', '+254712345678', '50', '--dry-run'], { sandbox, env: emulatorEnv(emu) });
        expect([0, 2, 4], result.stderr).toContain(result.code);
        expect(result.stderr).not.toContain('unexpected failure');
        if (result.code !== 0) expect(result.stderr.split('\n').filter((line) => line.startsWith('error:'))).toHaveLength(1);
      }),
      { numRuns: Math.min(RUNS, 8) },
    );
    expect(emu.state().sends).toHaveLength(0);
  }, 60_000);
});
