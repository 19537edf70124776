// scripts/check-layers.mjs, run by `npm run lint`: it finds each kind of problem it is there for,
// and the house itself has none.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { checkLayers } from '../../scripts/check-layers.mjs';
import { ROOT } from '../helpers/cli.js';

type Check = (root: string) => { files: number; problems: string[] };
const check = checkLayers as Check;

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  for (const [name, text] of Object.entries(files)) {
    const path = join(root, 'src', name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return root;
}

describe('check-layers', () => {
  it('passes the house as it is', () => {
    const { files, problems } = check(ROOT);
    expect(files).toBeGreaterThan(80);
    expect(problems).toEqual([]);
  });

  it('passes imports that point down', () => {
    const root = tree({
      'commands/send.ts': "import { a } from '../core/a.js';\nimport type { R } from '../results/r.js';",
      'results/r.ts': "import { a } from '../core/a.js';",
      'core/a.ts': 'export const a = 1;',
    });
    expect(check(root).problems).toEqual([]);
  });

  it.each([
    [
      'an upward import',
      { 'core/a.ts': "import { x } from '../ledger/x.js';", 'ledger/x.ts': '' },
      'core/a.ts (core) imports ledger/x.ts (adapters), a layer above it',
    ],
    [
      'a type-only upward import',
      { 'results/r.ts': "import type { X } from '../ui/x.js';", 'ui/x.ts': '' },
      'results/r.ts (results) imports ui/x.ts (ui)',
    ],
    [
      'a lazy upward import',
      { 'ui/p.ts': "const m = await import('../commands/send.js');", 'commands/send.ts': '' },
      'ui/p.ts (ui) imports commands/send.ts',
    ],
    [
      'a printer running an engine',
      { 'ui/p.ts': "import { t } from '../transaction.js';", 'transaction.ts': '' },
      'the two are kept apart',
    ],
    [
      'a cycle',
      { 'core/a.ts': "import { b } from './b.js';", 'core/b.ts': "import { a } from './a.js';" },
      'import cycle: core/a.ts -> core/b.ts -> core/a.ts',
    ],
    ['a file in no layer', { 'stray.ts': '' }, 'stray.ts belongs to no layer'],
    ['chalk outside ui', { 'commands/send.ts': "import chalk from 'chalk';" }, 'commands/send.ts imports chalk, which only ui/ may import'],
    ['the database outside the ledger', { 'bulk/x.ts': "import Database from 'better-sqlite3';" }, 'bulk/x.ts imports better-sqlite3'],
    [
      'a scoped package outside its room',
      { 'core/x.ts': "import { select } from '@inquirer/prompts';" },
      'core/x.ts imports @inquirer/prompts',
    ],
    ['an exit outside main', { 'commands/send.ts': 'process.exit(1);' }, 'commands/send.ts calls process.exit'],
  ])('finds %s', (_name, files, problem) => {
    expect(check(tree(files)).problems.join('\n')).toContain(problem);
  });
});
