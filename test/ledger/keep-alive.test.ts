// better-sqlite3 12 aborts the process on Node 24.19+ when V8 collects one of its Database,
// Statement or iterator objects outside JavaScript (WiseLibs/better-sqlite3#1515). src/ledger/sqlite/driver.ts
// makes every one of them through helpers that keep them for the life of the process. The machines
// that run this suite are on Node 20, where the crash cannot happen, so this guards the rule itself:
// nothing else in src/ledger (the only code that talks to the database) or in any file that imports
// better-sqlite3 may make one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const MAKERS = /\bnew Database\(|\.prepare\(|\.iterate\(|\.backup\(|\.pragma\(/; // pragma() prepares a statement too
/** The lines allowed to make one: the keeping helpers themselves. */
const HELPERS = new Set([
  'statement = db.prepare(sql);',
  'const rows = prepare(db, sql).iterate(...params);',
  'const db = new Database(path, options);',
  'const done = database.db.backup(target);',
]);

function sourceFiles(): string[] {
  return (readdirSync(SRC, { recursive: true }) as string[]).filter((name) => name.endsWith('.ts')).map((name) => join(SRC, name));
}

/** Files that can reach a better-sqlite3 object: the ledger module and anything importing the library. */
function databaseFiles(): string[] {
  return sourceFiles().filter(
    (file) => file.startsWith(join(SRC, 'ledger')) || readFileSync(file, 'utf8').includes("from 'better-sqlite3'"),
  );
}

describe('better-sqlite3 objects are only made where they are kept', () => {
  it('finds the source files and the helpers (so the scan below can fail)', () => {
    const driver = readFileSync(join(SRC, 'ledger', 'sqlite', 'driver.ts'), 'utf8');
    for (const line of HELPERS) expect(driver).toContain(line);
    expect(sourceFiles().length).toBeGreaterThan(20);
    expect(databaseFiles().map((file) => file.slice(SRC.length + 1))).toEqual(
      expect.arrayContaining(['ledger/sqlite/driver.ts', 'ledger/sqlite/batches.ts']),
    );
  });

  it('has no other new Database, prepare, iterate, backup or pragma call in src', () => {
    const offenders: string[] = [];
    for (const file of databaseFiles()) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, index) => {
          if (MAKERS.test(text) && !HELPERS.has(text.trim())) offenders.push(`${file}:${String(index + 1)}: ${text.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  // The suite itself runs on Node 24 too (by hand): a test process that drops such an object aborts
  // its whole worker, so tests reach the database only through src's helpers or rawDatabase().
  it('has none in the tests either, outside the keeping helpers', () => {
    const tests = join(SRC, '..', 'test');
    const allowed = new Set([join(tests, 'helpers', 'ledger.ts'), join(tests, 'ledger', 'keep-alive.test.ts')]);
    const files = (readdirSync(tests, { recursive: true }) as string[])
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(tests, name));
    expect(files.length).toBeGreaterThan(30);
    const offenders: string[] = [];
    for (const file of files.filter((f) => !allowed.has(f))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, index) => {
          if (MAKERS.test(text)) offenders.push(`${file}:${String(index + 1)}: ${text.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
