// Start-up: `airtime --version` and `airtime validate` against `node -e 0`, medians of interleaved
// runs in one session. Targets: --version at most 1.25x, validate at most 1.5x.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, benchEnv, interleaved, timeProcess } from './lib.mjs';

export async function startupBench({ rounds = 21 } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'airtime-bench-'));
  const env = benchEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, 'data') });
  const options = { env, cwd: home };
  const node = process.execPath;
  const cases = [
    { name: 'node -e 0', run: () => timeProcess(node, ['-e', '0'], options) },
    { name: 'airtime --version', run: () => timeProcess(node, [BIN, '--version'], options) },
    { name: 'airtime validate', run: () => timeProcess(node, [BIN, 'validate', '+254712345678', '50', '--json'], options) },
  ];
  // One warm-up round so the first measured run does not pay for a cold file cache.
  for (const c of cases) c.run();
  const medians = interleaved(cases, rounds);
  const base = medians['node -e 0'];
  const results = [
    { name: 'airtime --version', medianMs: medians['airtime --version'], ratio: medians['airtime --version'] / base, target: 1.25 },
    {
      name: 'airtime validate +254712345678 50 --json',
      medianMs: medians['airtime validate'],
      ratio: medians['airtime validate'] / base,
      target: 1.5,
    },
  ];
  return { baselineMs: base, rounds, results };
}
