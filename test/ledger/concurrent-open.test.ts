// Two cron jobs on a fresh machine create the ledger at the same moment: both must succeed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { readLedger } from '../helpers/ledger.js';

it('lets several processes create and migrate one new ledger at the same instant', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'concurrent-open-'));
  // A tiny program that waits for a shared start time, then opens the ledger: bundled from the
  // source, so it runs the same code as the CLI.
  const entry = join(dir, 'open.ts');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(
    entry,
    `import { Ledger } from ${JSON.stringify(join(ROOT, 'src/ledger/ledger.ts'))};
     const [path, start] = process.argv.slice(2);
     while (Date.now() < Number(start)) {}
     Ledger.open(path).close();`,
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
