// Every test file starts hermetic: no developer config, ledger, credentials, proxy or colour
// settings leak in, and HOME points at a fresh temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const CLEARED = /^(AT_|AIRTIME_|XDG_)|^(NO_COLOR|FORCE_COLOR|CI|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|ALL_PROXY|all_proxy|COLORTERM)$/;
for (const name of Object.keys(process.env)) {
  if (CLEARED.test(name)) delete process.env[name];
}

const home = mkdtempSync(join(tmpdir(), 'airtime-test-home-'));
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = join(home, '.config');
process.env.XDG_DATA_HOME = join(home, '.local', 'share');
process.env.TERM = 'xterm-256color';

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});
