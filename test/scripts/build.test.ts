// scripts/build.mjs cuts the CLI into files (docs/design.md): the hot path in one, each heavy
// module in its own, and every module in exactly one of them, so a class is one class everywhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { LAZY } from '../../scripts/build.mjs';
import { ROOT } from '../helpers/cli.js';

type Manifest = Record<string, { hash: string; inputs: string[] }>;
const manifest = JSON.parse(readFileSync(join(ROOT, 'dist', 'bundles.json'), 'utf8')) as Manifest;
const lazy = LAZY as Record<string, string>;

describe('the build', () => {
  it('makes the hot path one file and each heavy module a file of its own', () => {
    expect(Object.keys(manifest).sort()).toEqual(['airtime.cjs', 'shared.cjs', ...Object.keys(lazy)].sort());
    for (const [file, source] of Object.entries(lazy)) {
      if (source.startsWith('src/')) expect(manifest[file]?.inputs).toContain(source);
    }
  });

  it('puts every module in one file only', () => {
    const owners = new Map<string, string[]>();
    for (const [file, { inputs }] of Object.entries(manifest)) {
      for (const input of inputs) owners.set(input, [...(owners.get(input) ?? []), file]);
    }
    expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
    // The class every exit code is read from, and the kept SQLite statements, among them.
    expect(owners.get('src/core/errors.ts')).toEqual(['airtime.cjs']);
    expect(owners.get('src/ledger/sqlite/driver.ts')).toEqual(['sqlite.cjs']);
    expect(owners.get('src/ledger/postgres/connection.ts')).toEqual(['postgres.cjs']);
  });

  it('keeps the heavy packages and engines out of the hot path', () => {
    const hot = manifest['airtime.cjs']?.inputs ?? [];
    const heavy = ['better-sqlite3', 'undici', '@inquirer/', 'cosmiconfig', 'js-yaml', 'ora', 'node_modules/pg/'];
    expect(hot.filter((input) => heavy.some((name) => input.includes(`node_modules/${name}`) || input.includes(name)))).toEqual([]);
    expect(hot.filter((input) => /^src\/(bulk|server|emulator)\/|^src\/ledger\/(sqlite|postgres)\/|^src\/at\/http/.test(input))).toEqual(
      [],
    );
  });
});
