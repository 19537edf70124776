// Start-up: each command against `node -e 0`, 31 interleaved rounds in one session, every timed
// run with NODE_EXTRA_CA_CERTS unset. A ratio is the median over rounds of a run's time over its
// round's baseline run. The code cache is measured warm (the usual case), and for `validate` also
// missing, stale, corrupt and in a folder that cannot be written: a broken cache must cost no more
// than having none (within 5% of the first run, which has none yet).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleBench } from './build.mjs';
import { BIN, benchEnv, interleavedSamples, median, pairedRatio, ROOT, timeProcess } from './lib.mjs';

const PHONE = '+254711000001';

/** The one cache file of the hot path's bundle under the cache folder `root`. */
function hotCache(root) {
  const dir = join(root, 'airtime');
  const name = readdirSync(dir).find((file) => file.startsWith('airtime.cjs-') && file.endsWith('.v8'));
  if (!name) throw new Error(`no code cache of airtime.cjs in ${dir}`);
  return join(dir, name);
}

export async function startupBench({ rounds = 31 } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'airtime-bench-'));
  try {
    return await measure(home, rounds);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function measure(home, rounds) {
  const cache = (name) => join(home, 'cache', name);
  const base = benchEnv({
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: cache('warm'),
  });
  const credentials = { AT_USERNAME: 'sandbox', AT_API_KEY: 'bench-key-not-secret' };
  const ledger = join(home, 'empty-ledger.db');
  const { createEmptyLedger } = await import(await bundleBench('bench/ledger-file.ts'));
  createEmptyLedger(ledger);

  const node = process.execPath;
  const validate = [BIN, 'validate', PHONE, '50', '--json'];
  const run = (args, env) => () => timeProcess(node, args, { env: { ...base, ...env }, cwd: home });

  // The broken caches, made once from a real one: the warm run below writes it.
  timeProcess(node, validate, { env: base, cwd: home });
  const warm = hotCache(cache('warm'));
  const name = warm.split('/').pop();
  const good = readFileSync(warm);
  const corrupt = Buffer.from(good);
  for (let i = 0; i < 64; i += 1) corrupt[Math.floor(corrupt.length / 2) + i] ^= 0xa5;
  // Stale: a cache V8 made for other source under the same name, as after a rebuild: a copy of the
  // install whose bundle differs by one comment writes it.
  const copy = join(home, 'copy');
  cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
  writeFileSync(join(copy, 'dist', 'airtime.cjs'), `${readFileSync(join(copy, 'dist', 'airtime.cjs'), 'utf8')}\n// another build\n`);
  timeProcess(node, [join(copy, 'bin', 'airtime.cjs'), ...validate.slice(1)], {
    env: { ...base, XDG_CACHE_HOME: cache('made-stale') },
    cwd: home,
  });
  const stale = readFileSync(hotCache(cache('made-stale')));
  // Unwritable, even for root: the cache folder's parent is a file.
  writeFileSync(join(home, 'not-a-folder'), '');

  /** A cache folder holding only `bytes` under the hot bundle's name (or nothing), laid before every run. */
  const laid = (dir, bytes) => () => {
    rmSync(cache(dir), { recursive: true, force: true });
    mkdirSync(join(cache(dir), 'airtime'), { recursive: true });
    if (bytes) writeFileSync(join(cache(dir), 'airtime', name), bytes);
  };

  const cases = [
    { name: 'node -e 0', run: () => timeProcess(node, ['-e', '0'], { env: base, cwd: home }) },
    { name: '--version', run: run([BIN, '--version']), target: 1.25 },
    { name: `validate ${PHONE} 50 --json`, run: run(validate), target: 1.6, goal: 1.5 },
    { name: `send ${PHONE} 50 --dry-run (no ledger file)`, run: run([BIN, 'send', PHONE, '50', '--dry-run'], credentials), target: 1.7 },
    { name: 'status (empty ledger)', run: run([BIN, 'status'], { ...credentials, AIRTIME_LEDGER: ledger }), target: 2 },
    { name: 'validate, no code cache yet', prepare: laid('cold'), run: run(validate, { XDG_CACHE_HOME: cache('cold') }) },
    {
      name: 'validate, stale code cache',
      prepare: laid('stale', stale),
      run: run(validate, { XDG_CACHE_HOME: cache('stale') }),
      versus: 'cold',
    },
    {
      name: 'validate, corrupt code cache',
      prepare: laid('corrupt', corrupt),
      run: run(validate, { XDG_CACHE_HOME: cache('corrupt') }),
      versus: 'cold',
    },
    {
      name: 'validate, code cache folder unwritable',
      run: run(validate, { XDG_CACHE_HOME: join(home, 'not-a-folder', 'cache') }),
      versus: 'cold',
    },
    { name: 'validate, code cache off (AIRTIME_CODE_CACHE=0)', run: run(validate, { AIRTIME_CODE_CACHE: '0' }) },
  ];
  // One warm-up round so the first measured run does not pay for a cold file cache.
  for (const c of cases) {
    c.prepare?.();
    c.run();
  }
  const samples = interleavedSamples(cases, rounds);
  const baseline = median(samples['node -e 0']);
  const cold = 'validate, no code cache yet';
  const results = cases.slice(1).map((c) => ({
    name: c.name,
    medianMs: median(samples[c.name]),
    // Each run against the baseline run of its own round; the median of those ratios.
    ratio: pairedRatio(samples, c.name, c.versus ? cold : 'node -e 0'),
    versus: c.versus ? cold : 'node -e 0',
    // A broken cache: within 5% of none.
    target: c.target ?? (c.versus ? 1.05 : undefined),
    goal: c.goal,
  }));
  // Node 22.1+ keeps compiled code itself (module.enableCompileCache), and airtime's own cache
  // files are not read there: the broken-cache rows then measure only that they are ignored.
  return { baselineMs: baseline, rounds, ownCodeCache: !('enableCompileCache' in nodeModule), results };
}
