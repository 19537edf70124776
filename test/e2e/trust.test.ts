// The contract's "Trust" list, rule by rule, against the built binary: a config file is data, never
// code, and a folder the user happens to stand in cannot take the key or the money elsewhere, nor
// loosen the user's own limits. Each finding of issue 11 is here as it was reproduced.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST, ledgerPath, makeSandbox, parseJson, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { readLedger } from '../helpers/ledger.js';

const LIVE_KEY = 'atsk_live_0123456789abcdef_never_leaves';
/** Who owns a file that is not the user's: `nobody`. The tests run as root, which may chown. */
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function sandboxWith(project: Record<string, unknown> | string, name = '.airtimerc'): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  writeFileSync(join(sandbox.cwd, name), typeof project === 'string' ? project : JSON.stringify(project));
  return sandbox;
}

/** A listener where nothing should arrive: a project file's apiUrl, say. */
const listeners: Server[] = [];
async function listener(): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} apiKey=${String(req.headers.apikey)}`);
    res.end('{}');
  });
  listeners.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
afterEach(() => {
  for (const server of listeners.splice(0)) server.close();
});

describe('finding 1: a config file is data, never code', () => {
  const STEAL = (marker: string) =>
    `require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.env.AT_API_KEY)); module.exports = { timeout: 7 };`;

  it.each(['.airtimerc.cjs', '.airtimerc.js', 'airtime.config.js', '.config/airtimerc.cjs', '.config/config.js'])(
    '%s in the working folder is never run: a sending command exits 4, a read-only one warns',
    async (name) => {
      const emu = await emulator();
      const sandbox = makeSandbox();
      writeUserConfig(sandbox, FAST);
      mkdirSync(join(sandbox.cwd, '.config'));
      const marker = join(sandbox.home, 'stolen');
      writeFileSync(join(sandbox.cwd, name), STEAL(marker));
      const env = emulatorEnv(emu, { AT_API_KEY: LIVE_KEY });
      const validate = await runCli(['validate', '+254712345678', '50'], { sandbox, env });
      const send = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env });
      expect(existsSync(marker)).toBe(false);
      // cosmiconfig's own "meta config" (.config/config.js), which its explorer runs as code, is not
      // a config of airtime's at all: ignored.
      if (name === '.config/config.js') {
        expect([validate.code, send.code]).toEqual([0, 0]);
        return;
      }
      expect(emu.state().sends).toHaveLength(0);
      expect(validate.code).toBe(0);
      expect(validate.stderr).toContain(`warning: ${join(sandbox.cwd, name)} is not read`);
      expect(send.code).toBe(4);
      expect(parseJson(send)).toMatchObject({
        ok: false,
        error: { code: 'CONFIG_ERROR', message: expect.stringContaining('convert it to JSON or YAML') },
      });
    },
  );

  it("the user folder's config.js is refused too, and runs nothing", async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    const dir = join(sandbox.home, '.config', 'airtime');
    mkdirSync(dir, { recursive: true });
    const marker = join(sandbox.home, 'stolen');
    writeFileSync(join(dir, 'config.js'), STEAL(marker));
    const send = await runCli(['send', '+254712345678', '50'], { sandbox, env: emulatorEnv(emu) });
    expect(send.code).toBe(4);
    expect(send.stderr).toContain(`${join(dir, 'config.js')} is not read`);
    expect(existsSync(marker)).toBe(false);
    expect(emu.state().sends).toHaveLength(0);
  });
});

describe('the search stops at the first .git, or at home', () => {
  it('inside home: a file above the top of the git work tree is no longer read, with a warning', async () => {
    for (const git of ['folder', 'file (a worktree)'] as const) {
      const sandbox = makeSandbox();
      writeFileSync(join(sandbox.cwd, '.airtimerc'), JSON.stringify({ defaultCountry: 'KE' }));
      const repo = join(sandbox.cwd, 'repo');
      mkdirSync(repo);
      if (git === 'folder') mkdirSync(join(repo, '.git'));
      else writeFileSync(join(repo, '.git'), 'gitdir: /somewhere/else\n');
      const result = await runCli(['validate', '0712345678'], { sandbox: { ...sandbox, cwd: repo } });
      expect(result.code, git).toBe(2);
      expect(result.stderr).toContain(`${join(sandbox.cwd, '.airtimerc')} is no longer read`);
      // The folder holding .git is itself searched.
      writeFileSync(join(repo, '.airtimerc'), JSON.stringify({ defaultCountry: 'KE' }));
      expect((await runCli(['validate', '0712345678'], { sandbox: { ...sandbox, cwd: repo } })).code, git).toBe(0);
    }
  });

  it('outside home: only the working directory, unless a .git above bounds the search', async () => {
    const sandbox = makeSandbox();
    const outside = mkdtempSync(join(tmpdir(), 'airtime-outside-'));
    const child = join(outside, 'payouts');
    mkdirSync(child);
    writeFileSync(join(outside, '.airtimerc'), JSON.stringify({ defaultCountry: 'KE' }));
    const far = await runCli(['validate', '0712345678'], { sandbox: { ...sandbox, cwd: child } });
    expect(far.code).toBe(2);
    expect(far.stderr).toContain(`${join(outside, '.airtimerc')} is no longer read`);
    mkdirSync(join(outside, '.git'));
    expect((await runCli(['validate', '0712345678'], { sandbox: { ...sandbox, cwd: child } })).code).toBe(0);
  });

  it("the home folder's own file is the user's: read, and free to choose the ledger", async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    writeFileSync(join(sandbox.home, '.airtimerc'), JSON.stringify({ ledger: '~/books/ledger.db' }));
    const result = await runCli(['send', '+254712345678', '50', '--key', 'home-1'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    expect(readLedger(join(sandbox.home, 'books', 'ledger.db'))).toHaveLength(1);
  });
});

describe.skipIf(!asRoot)('a project file someone else could have written is refused', () => {
  it('owned by another user: a sending command exits 4, a read-only one warns and ignores it; AIRTIME_TRUSTED_DIRS lifts it', async () => {
    const emu = await emulator();
    const sandbox = sandboxWith({ defaultCountry: 'KE' });
    chownSync(join(sandbox.cwd, '.airtimerc'), NOBODY, NOBODY);
    const env = emulatorEnv(emu);
    const validate = await runCli(['validate', '0712345678'], { sandbox, env });
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain(`${join(sandbox.cwd, '.airtimerc')} is not read: it is owned by another user (uid ${NOBODY})`);
    const send = await runCli(['send', '0712345678', '50'], { sandbox, env });
    expect(send.code).toBe(4);
    expect(send.stderr).toContain('AIRTIME_TRUSTED_DIRS');
    expect(emu.state().sends).toHaveLength(0);
    for (const trusted of [sandbox.cwd, '*', `/elsewhere:${sandbox.home}`]) {
      const lifted = await runCli(['send', '0712345678', '50', '--key', `t-${trusted.length}`], {
        sandbox,
        env: { ...env, AIRTIME_TRUSTED_DIRS: trusted },
      });
      expect(lifted.code, trusted).toBe(0);
    }
  });

  it('in a folder every user can write: refused', async () => {
    const emu = await emulator();
    const sandbox = sandboxWith({ defaultCountry: 'KE' });
    chmodSync(sandbox.cwd, 0o777);
    const send = await runCli(['send', '0712345678', '50'], { sandbox, env: emulatorEnv(emu) });
    expect(send.code).toBe(4);
    expect(send.stderr).toContain('its folder can be written by every user');
    expect(emu.state().sends).toHaveLength(0);
  });
});

describe('finding 2: a project file cannot take the key or the money elsewhere', () => {
  it('apiUrl with a live username: exit 4, and nothing reaches its listener', async () => {
    const evil = await listener();
    const sandbox = sandboxWith(`apiUrl: ${evil.url}\n`);
    const result = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env: { AT_USERNAME: 'acme', AT_API_KEY: LIVE_KEY } });
    expect(result.code).toBe(4);
    expect(parseJson(result).error).toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringContaining('sets apiUrl, which a project file may not'),
    });
    // Nor by naming the sandbox itself over the user's own live username.
    writeUserConfig(sandbox, { ...FAST, username: 'acme', apiKey: LIVE_KEY });
    writeFileSync(join(sandbox.cwd, '.airtimerc'), `username: sandbox\napiUrl: ${evil.url}\n`);
    const switched = await runCli(['send', '+254712345678', '50'], { sandbox });
    expect(switched.code).toBe(4);
    expect(switched.stderr).toContain('it sets username sandbox over yours (acme)');
    expect(evil.requests).toEqual([]);
  });

  it('apiUrl with the sandbox: allowed (a project pointing at its emulator)', async () => {
    const emu = await emulator();
    const sandbox = sandboxWith({ apiUrl: emu.url });
    const result = await runCli(['send', '+254712345678', '50'], {
      sandbox,
      env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'test-key-not-secret' },
    });
    expect(result.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(1);
  });

  it('apiKeyFile pointing at ~/.git-credentials: exit 4, and that file is never sent', async () => {
    const evil = await listener();
    const sandbox = sandboxWith({ apiKeyFile: '~/.git-credentials' });
    writeFileSync(join(sandbox.home, '.git-credentials'), 'https://ann:ghp_very_secret_token@github.com\n', { mode: 0o600 });
    const result = await runCli(['send', '+254712345678', '50'], { sandbox, env: { AT_USERNAME: 'sandbox', AIRTIME_API_URL: evil.url } });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('sets apiKeyFile, which a project file may not');
    expect(result.stderr).not.toContain('ghp_very_secret_token');
    expect(evil.requests).toEqual([]);
  });

  it('ledger: exit 4, so a second ledger cannot pay a batch again', async () => {
    const emu = await emulator();
    const sandbox = sandboxWith({ ledger: './fresh.db' });
    writeFileSync(join(sandbox.cwd, 'pay.csv'), 'phone,amount\n+254712345678,50\n');
    const result = await runCli(['send', '--file', 'pay.csv', '--batch', 'b1', '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`${join(sandbox.cwd, '.airtimerc')} sets ledger, which a project file may not`);
    expect(existsSync(join(sandbox.cwd, 'fresh.db'))).toBe(false);
    expect(emu.state().sends).toHaveLength(0);
  });

  it('limits, repeatWindow and duplicateWindow only tighten: a looser value is ignored, with a warning', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, { ...FAST, limits: { perRecipient: { KES: 100 } } });
    writeFileSync(join(sandbox.cwd, '.airtimerc'), JSON.stringify({ limits: { perRecipient: { KES: 10_000 } }, repeatWindow: 0 }));
    const env = emulatorEnv(emu);
    const big = await runCli(['send', '+254712345678', '500'], { sandbox, env });
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('sets limits.perRecipient.KES to KES 10000.00, looser than yours (KES 100.00): ignored');
    expect(big.stderr).toContain('above the per-recipient limit of KES 100.00');
    expect((await runCli(['send', '+254712345678', '50'], { sandbox, env })).code).toBe(0);
    // repeatWindow 0 from the project is ignored: the repeat is still refused.
    const again = await runCli(['send', '+254712345678', '50'], { sandbox, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('sets repeatWindow to 0, looser than yours (900): ignored');
    // A tighter value is taken.
    writeFileSync(join(sandbox.cwd, '.airtimerc'), JSON.stringify({ limits: { perRecipient: { KES: 20 } } }));
    expect((await runCli(['send', '+254712345678', '30', '--key', 'tight'], { sandbox, env })).code).toBe(2);
    expect(emu.state().accepted).toHaveLength(1);
  });

  it("a file named with --config is the user's own choice: trusted like the user file", async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.cwd, 'ops.json'), JSON.stringify({ ...FAST, ledger: './ops.db' }));
    const result = await runCli(['--config', 'ops.json', 'send', '+254712345678', '50'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    expect(readLedger(join(sandbox.cwd, 'ops.db'))).toHaveLength(1);
  });
});

describe('plain http carries the key in clear text', () => {
  it('to another machine with a live username: exit 4 before anything is recorded; with the sandbox a warning', async () => {
    const sandbox = makeSandbox();
    const live = await runCli(['send', '+254712345678', '50'], {
      sandbox,
      env: { AT_USERNAME: 'acme', AT_API_KEY: LIVE_KEY, AIRTIME_API_URL: 'http://192.0.2.10:8788' },
    });
    expect(live.code).toBe(4);
    expect(live.stderr).toContain('apiUrl http://192.0.2.10:8788 (from environment AIRTIME_API_URL) is plain http to another machine');
    expect(existsSync(ledgerPath(sandbox))).toBe(false);
    const sandboxed = await runCli(['validate', '+254712345678', '50'], {
      sandbox,
      env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'k', AIRTIME_API_URL: 'http://192.0.2.10:8788' },
    });
    expect(sandboxed.code).toBe(0);
    expect(sandboxed.stderr).toContain('warning: apiUrl http://192.0.2.10:8788 (from environment AIRTIME_API_URL) is plain http');
  });
});

describe('finding 3: an API key that cannot travel in a header', () => {
  it.each([
    ['a line break', 'atsk_first_line\natsk_second'],
    ['a character outside ASCII', 'atsk_кириллица_0123456789'],
  ])('holding %s is exit 4 naming the kind of character, before anything is recorded', async (kind, key) => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env: emulatorEnv(emu, { AT_API_KEY: key }) });
    expect(result.code).toBe(4);
    expect(parseJson(result).error).toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringMatching(
        new RegExp(`^the API key \\(from environment AT_API_KEY\\) holds ${kind}.*, so it cannot travel in an HTTP header$`),
      ),
    });
    expect(result.stdout + result.stderr).not.toContain(key.slice(5, 12));
    expect(existsSync(ledgerPath(sandbox)) ? readLedger(ledgerPath(sandbox)) : []).toEqual([]);
    expect(emu.state().sends).toHaveLength(0);
  });

  it('config set-key refuses to store one', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['config', 'set-key'], { sandbox, input: 'atsk_\u00e9t\u00e9_key' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('outside ASCII');
    expect(existsSync(join(sandbox.home, '.config', 'airtime', 'config.json'))).toBe(false);
  });
});

describe('a parse error says what and where', () => {
  it.each([
    ['.airtimerc.json', '{\n  "username": "sandbox",\n}\n', 'is not valid JSON', 'at line 3, column 1'],
    ['.airtimerc', '{\n  "timeout": 30\n  "retries": 2\n}\n', 'is not valid JSON', 'at line 3, column 3'],
    ['.airtimerc.yaml', 'username: sandbox\n  timeout: 30\n', 'is not valid YAML', 'at line 2'],
  ])('%s', async (name, text, what, where) => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.cwd, name), text);
    const result = await runCli(['validate', '+254712345678'], { sandbox });
    expect(result.code).toBe(4);
    const line = result.stderr.split('\n')[0] ?? '';
    expect(line).toContain(`${join(sandbox.cwd, name)} ${what}: `);
    expect(line).toContain(where);
  });
});

describe("the upgrade note's own commands", () => {
  it('config init --key-file outside the user folder names it from the user config, so sends keep working', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    const keyFile = join(sandbox.home, 'keys', 'at');
    const init = await runCli(['config', 'init', '--username', 'sandbox', '--key-file', keyFile], {
      sandbox,
      input: 'atsk_from_init_0123456789',
    });
    expect(init.code).toBe(0);
    writeUserConfig(sandbox, { ...JSON.parse(readFileSync(join(sandbox.home, '.config', 'airtime', 'config.json'), 'utf8')), ...FAST });
    const send = await runCli(['send', '+254712345678', '50'], { sandbox, env: { AIRTIME_API_URL: emu.url } });
    expect(send.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(1);
  });
});
