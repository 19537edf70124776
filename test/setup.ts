// Every test file starts hermetic: no developer config, ledger, credentials, proxy or colour
// settings leak in, and HOME points at a fresh temporary folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const CLEARED =
  /^(AT_|AIRTIME_|XDG_)|^(NO_COLOR|FORCE_COLOR|CI|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|ALL_PROXY|all_proxy|COLORTERM)$/;
// The PostgreSQL test server (test/helpers/postgres.ts) is the one AIRTIME_ variable kept: it is
// the suite's own, and no test hands it to a command unless it means to.
for (const name of Object.keys(process.env)) {
  if (CLEARED.test(name) && name !== 'AIRTIME_TEST_POSTGRES_URL') delete process.env[name];
}

const home = mkdtempSync(join(tmpdir(), 'airtime-test-home-'));
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, '.config');
process.env.XDG_DATA_HOME = join(home, '.local', 'share');
process.env.XDG_CACHE_HOME = join(home, '.cache');
process.env.TERM = 'xterm-256color';

afterAll(async () => {
  rmSync(home, { recursive: true, force: true });
  await checkNoKeyLeaked();
});

/**
 * The security check over the whole end-to-end suite: no API key given to a run appears in what
 * any run printed, or in any file the runs wrote (ledgers, reports, exports, logs), except the
 * user config files and key files where a person put a key on purpose. Keys shorter than 8
 * characters ("k") are no secret and would match everywhere.
 */
async function checkNoKeyLeaked(): Promise<void> {
  const { RUNS } = await import('./helpers/cli.js');
  const keys = [...new Set(RUNS.map((r) => r.key).filter((k): k is string => typeof k === 'string' && k.length >= 8))];
  if (keys.length === 0) return;
  const leaks: string[] = [];
  for (const run of RUNS) {
    for (const text of run.output) for (const key of keys) if (text.includes(key)) leaks.push(`output of a run in ${run.home}`);
  }
  for (const home of new Set(RUNS.map((r) => r.home))) {
    for (const file of filesUnder(home)) {
      // Where the person chose to keep a key: the user config and key files.
      if (file.includes('/.config/airtime/') || /key/i.test(file.split('/').pop() ?? '')) continue;
      const bytes = readFileSync(file);
      for (const key of keys) if (bytes.includes(key)) leaks.push(file);
    }
  }
  if (leaks.length > 0) throw new Error(`an API key leaked into: ${[...new Set(leaks)].join(', ')}`);
}

function* filesUnder(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) yield* filesUnder(path);
    else if (stat?.isFile()) yield path;
  }
}
