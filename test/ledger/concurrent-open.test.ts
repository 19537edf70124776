// Two cron jobs on a fresh machine create the ledger at the same moment: both must succeed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/ledger/sqlite/driver.js';
import { ROOT } from '../helpers/cli.js';
import { readLedger } from '../helpers/ledger.js';

/**
 * Another process holds the write lock of a new ledger (still in rollback mode) for holdMs;
 * resolves once it holds it, with a promise for its exit.
 */
async function holdWriteLock(path: string, holdMs: number): Promise<{ exited: Promise<number | null>; kill: () => void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const db = new (require('better-sqlite3'))(process.argv[1]);
       db.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS held (x)');
       process.stdout.write('held\\n');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));`,
      path,
      String(holdMs),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('close', (code) => reject(new Error(`the lock holder exited ${code} before holding the lock`)));
  });
  return { exited, kill: () => child.kill('SIGKILL') };
}

// SQLite answers a mode change at once with SQLITE_BUSY, without its busy timeout, when another
// connection holds a new file's write lock: this is what made two cron jobs at the same instant
// fail now and then. Held for a known time here, so the race is the same on every run.
it('waits for a new ledger another process is writing, instead of failing at once', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'concurrent-open-')), 'ledger.db');
  // Held long enough that the open below starts while it is held, however slow the machine.
  const holder = await holdWriteLock(path, 1_000);
  SqliteDatabase.open(path, { busyTimeoutMs: 10_000 }).close();
  expect(await holder.exited).toBe(0);
  expect(readLedger(path)).toEqual([]);
});

it('still gives up on a ledger held past the busy timeout, with LEDGER_ERROR', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'concurrent-open-')), 'ledger.db');
  const holder = await holdWriteLock(path, 5_000);
  const started = Date.now();
  expect(() => SqliteDatabase.open(path, { busyTimeoutMs: 300 })).toThrow(/cannot be used: another process held it locked/);
  expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  holder.kill();
  await holder.exited;
});

it('lets several processes create and migrate one new ledger at the same instant', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concurrent-open-'));
  // A tiny program that waits for a shared start time, then opens the ledger: bundled from the
  // source, so it runs the same code as the CLI.
  const entry = join(dir, 'open.ts');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    `import { SqliteDatabase } from ${JSON.stringify(join(ROOT, 'src/ledger/sqlite/driver.ts'))};
     const [path, start] = process.argv.slice(2);
     while (Date.now() < Number(start)) {}
     SqliteDatabase.open(path).close();`,
  );
  // Inside the project, so the bundle finds better-sqlite3 in node_modules.
  const programDir = join(ROOT, 'node_modules', '.cache', 'airtime-tests');
  mkdirSync(programDir, { recursive: true });
  const program = join(programDir, `open-${process.pid}.mjs`);
  await build({
    entryPoints: [entry],
    outfile: program,
    bundle: true,
    format: 'esm',
    platform: 'node',
    external: ['better-sqlite3'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'silent',
  });
  for (let round = 0; round < 3; round += 1) {
    const path = join(dir, `ledger-${round}.db`);
    const start = Date.now() + 600;
    const errors: string[] = [];
    const codes = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, [program, path, String(start)], {
              stdio: ['ignore', 'ignore', 'pipe'],
            });
            let stderr = '';
            child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
            child.on('close', (code) => {
              if (stderr) errors.push(stderr);
              resolve(code);
            });
          }),
      ),
    );
    // What a process that failed said, so a rare failure can be diagnosed from the CI log.
    expect(codes, errors.join('\n---\n')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(readLedger(path)).toEqual([]);
  }
  rmSync(program, { force: true });
});
