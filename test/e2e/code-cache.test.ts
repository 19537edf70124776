// The code cache (src/code-cache.ts): compiled code kept in $XDG_CACHE_HOME/airtime between runs.
// It is an optimisation only: whatever state the cache is in, a command prints the same and exits
// with the same code as it does with no cache at all.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, canMount, makeSandbox, ROOT, runCli, type Sandbox } from '../helpers/cli.js';

/** Node 22.1+ keeps the cache itself (module.enableCompileCache); Node 20 goes through airtime's own files. */
const OWN_CACHE = !('enableCompileCache' in nodeModule);
const owned = it.skipIf(!OWN_CACHE);

const CREDENTIALS = { AT_USERNAME: 'sandbox', AT_API_KEY: 'code-cache-test-key' };

/** Commands of the hot path, a refusal among them: each must come out the same whatever the cache. */
const COMMANDS: string[][] = [
  ['validate', '+254711000001', '50', '--json'],
  ['validate', '+254202345678', '50'],
  ['send', '+254711000001', '50', '--dry-run'],
  ['status', '--json'],
  ['--version'],
];

const MOUNTS = canMount();

function cacheDir(sandbox: Sandbox): string {
  return join(sandbox.env.XDG_CACHE_HOME ?? join(sandbox.home, '.cache'), 'airtime');
}

function cacheFiles(sandbox: Sandbox): string[] {
  const dir = cacheDir(sandbox);
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.v8')) : [];
}

function hotCacheFile(sandbox: Sandbox): string {
  const name = cacheFiles(sandbox).find((file) => file.startsWith('airtime.cjs-'));
  if (!name) throw new Error(`no cache of dist/airtime.cjs in ${cacheDir(sandbox)}: ${cacheFiles(sandbox).join(', ')}`);
  return join(cacheDir(sandbox), name);
}

const outcome = (result: CliResult) => ({
  code: result.code,
  stdout: result.stdout.replace(/key [0-9a-f-]{36}/, 'key <uuid>'),
  stderr: result.stderr,
});

async function runAll(sandbox: Sandbox, options: { wrap?: string[]; before?: () => void } = {}) {
  const results = [];
  for (const args of COMMANDS) {
    options.before?.();
    results.push(outcome(await runCli(args, { sandbox, env: CREDENTIALS, ...(options.wrap ? { wrap: options.wrap } : {}) })));
  }
  return results;
}

/** What every command prints, and its exit code, with the code cache turned off. */
async function withoutCache() {
  return runAll(makeSandbox({ AIRTIME_CODE_CACHE: '0' }));
}

describe('code cache', () => {
  owned('is written on the first run, for the hot path alone, and read after', async () => {
    const sandbox = makeSandbox();
    const first = await runCli(COMMANDS[0] as string[], { sandbox });
    expect(first.code).toBe(0);
    // validate loads one file: nothing of SQLite, HTTP, prompts, YAML or bulk.
    expect(cacheFiles(sandbox)).toEqual([
      expect.stringMatching(new RegExp(`^airtime\\.cjs-[0-9a-f]{16}-${process.version}-${process.arch}\\.v8$`)),
    ]);
    const file = hotCacheFile(sandbox);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = statSync(file).mtimeMs;
    const second = await runCli(COMMANDS[0] as string[], { sandbox });
    expect(outcome(second)).toEqual(outcome(first));
    // An accepted cache is not written again.
    expect(statSync(file).mtimeMs).toBe(written);
  });

  owned('send --dry-run with no ledger file loads neither SQLite nor HTTP', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['send', '+254711000001', '50', '--dry-run'], { sandbox, env: CREDENTIALS });
    expect(result.code).toBe(0);
    expect(cacheFiles(sandbox).map((name) => name.split('-')[0])).toEqual(['airtime.cjs']);
  });

  it('leaves the same output and exit codes whether the cache is missing, written or warm', async () => {
    const expected = await withoutCache();
    const sandbox = makeSandbox();
    expect(await runAll(sandbox)).toEqual(expected);
    expect(await runAll(sandbox)).toEqual(expected);
    if (!OWN_CACHE) expect(existsSync(join(cacheDir(sandbox), 'node'))).toBe(true);
  });

  owned('a corrupt cache is ignored and replaced', async () => {
    const expected = await withoutCache();
    const sandbox = makeSandbox();
    await runCli(COMMANDS[0] as string[], { sandbox });
    const file = hotCacheFile(sandbox);
    const good = readFileSync(file);
    // The header stays whole: only our checksum can tell, V8 itself would take the payload as it is.
    const corrupt = Buffer.from(good);
    const middle = Math.floor(corrupt.length / 2);
    for (let i = middle; i < middle + 64; i += 1) corrupt.writeUInt8((corrupt.readUInt8(i) ^ 0xa5) & 0xff, i);
    const damaged = [corrupt, good.subarray(0, good.length - 100), Buffer.from('not a cache at all'), Buffer.alloc(0)];
    for (const bytes of damaged) {
      expect(await runAll(sandbox, { before: () => writeFileSync(file, bytes) })).toEqual(expected);
    }
    writeFileSync(file, corrupt);
    await runCli(COMMANDS[0] as string[], { sandbox });
    expect(readFileSync(file).equals(corrupt)).toBe(false);
  });

  owned('a stale cache (made for other code) is ignored and replaced', async () => {
    const expected = await withoutCache();
    // A copy of the install whose hot bundle differs by a comment writes a cache under the same name.
    const copy = mkdtempSync(join(tmpdir(), 'airtime-copy-'));
    try {
      for (const dir of ['bin', 'dist']) spawnSync('cp', ['-r', join(ROOT, dir), join(copy, dir)]);
      const bundle = join(copy, 'dist', 'airtime.cjs');
      writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\n// another build\n`);
      const other = makeSandbox();
      expect(spawnSync(process.execPath, [join(copy, 'bin', 'airtime.cjs'), ...(COMMANDS[0] as string[])], { env: other.env }).status).toBe(
        0,
      );
      const stale = readFileSync(hotCacheFile(other));

      const sandbox = makeSandbox();
      await runCli(COMMANDS[0] as string[], { sandbox });
      const file = hotCacheFile(sandbox);
      expect(stale.equals(readFileSync(file))).toBe(false);
      // Other builds' caches beside it are ignored; one unused for over a month is removed when the
      // cache is next written, a recent one kept (another install may be taking turns with this one).
      const old = join(cacheDir(sandbox), `airtime.cjs-0123456789abcdef-${process.version}-${process.arch}.v8`);
      const recent = join(cacheDir(sandbox), `airtime.cjs-fedcba9876543210-${process.version}-${process.arch}.v8`);
      writeFileSync(old, stale);
      writeFileSync(recent, stale);
      const monthsAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
      utimesSync(old, monthsAgo, monthsAgo);
      expect(await runAll(sandbox, { before: () => writeFileSync(file, stale) })).toEqual(expected);
      writeFileSync(file, stale);
      await runCli(COMMANDS[0] as string[], { sandbox });
      expect(readFileSync(file).equals(stale)).toBe(false);
      expect(existsSync(old)).toBe(false);
      expect(existsSync(recent)).toBe(true);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('a cache folder that cannot be created or written changes nothing', async () => {
    const expected = await withoutCache();
    // Its parent is a file: no folder can be made there, whoever runs it (root ignores modes).
    const blocked = makeSandbox();
    writeFileSync(join(blocked.home, 'not-a-folder'), '');
    blocked.env.XDG_CACHE_HOME = join(blocked.home, 'not-a-folder', 'cache');
    expect(await runAll(blocked)).toEqual(expected);
    // A folder of another user, or one locked read-only.
    const locked = makeSandbox();
    mkdirSync(cacheDir(locked), { recursive: true });
    const root = process.getuid?.() === 0;
    if (root) {
      for (const dir of [locked.home, locked.cwd, join(locked.home, '.cache')]) chmodSync(dir, 0o755);
    }
    chmodSync(cacheDir(locked), 0o555);
    try {
      const wrap = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
      expect(await runAll(locked, wrap ? { wrap } : {})).toEqual(expected);
      expect(readdirSync(cacheDir(locked))).toEqual([]);
    } finally {
      chmodSync(cacheDir(locked), 0o700);
    }
  });

  it.skipIf(!MOUNTS)(
    `a read-only home changes nothing${MOUNTS ? '' : ' (skipped: needs a private mount namespace: root, or unshare allowed)'}`,
    async () => {
      const expected = await withoutCache();
      const sandbox = makeSandbox();
      const readOnly = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"';
      expect(await runAll(sandbox, { wrap: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', readOnly, sandbox.home] })).toEqual(
        expected,
      );
      expect(existsSync(cacheDir(sandbox))).toBe(false);
    },
  );

  it('AIRTIME_CODE_CACHE=0 turns it off', async () => {
    const sandbox = makeSandbox({ AIRTIME_CODE_CACHE: '0' });
    expect((await runCli(COMMANDS[0] as string[], { sandbox })).code).toBe(0);
    expect(existsSync(cacheDir(sandbox))).toBe(false);
  });
});
