// `airtime doctor` through the built binary against the emulator: a good setup, and each thing a
// newcomer gets wrong, found in one run instead of one failed send at a time.
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST, ledgerPath, makeSandbox, parseJson, runCli, type Sandbox, skewedClock, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

interface Check {
  check: string;
  status: string;
  message: string;
  fix: string | null;
}

function sandboxWithConfig(): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  return sandbox;
}

const checksOf = (result: { stdout: string; stderr: string }) => parseJson({ ...result, code: 0, signal: null }).checks as Check[];
const named = (checks: Check[], name: string) => checks.filter((check) => check.check === name);

describe('airtime doctor', () => {
  it('a good setup: a line per check, each ✔, "Ready to send", exit 0; nothing sent, nothing created', async () => {
    const emu = await emulator({ balance: 'KES 777' });
    const sandbox = sandboxWithConfig();
    const result = await runCli(['doctor'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 6).map((line) => line.slice(0, 13).trimEnd())).toEqual([
      '✔ config',
      '✔ credentials',
      '✔ API',
      '✔ clock',
      '✔ proxy',
      '✔ ledger',
    ]);
    expect(result.stdout).toContain(`✔ config       read ${join(sandbox.home, '.config', 'airtime', 'config.json')} (yours)`);
    expect(result.stdout).toContain('✔ credentials  sandbox, API key …cret from environment AT_API_KEY: accepted; balance KES 777.00');
    expect(result.stdout).toContain(`✔ API          ${emu.url} (AIRTIME_API_URL in the environment) answered`);
    expect(result.stdout).toMatch(/✔ clock {8}within \d+ s of Africa's Talking's/);
    expect(result.stdout).toContain(`✔ ledger       ${ledgerPath(sandbox)}: not created yet; the first send creates it`);
    expect(lines.at(-1)).toBe('Ready to send.');
    expect(result.stderr).toBe('');
    expect(emu.state().sends).toHaveLength(0);
    expect(existsSync(ledgerPath(sandbox))).toBe(false);

    // After a send, the ledger is there: writable, at the current schema. And --json for scripts.
    expect((await runCli(['send', '+254712345678', '50'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    const json = await runCli(['doctor', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(json.code).toBe(0);
    expect(parseJson(json)).toMatchObject({ ok: true, ready: true });
    expect(named(checksOf(json), 'ledger')[0]?.message).toMatch(/ledger\.db: can be written, schema \d+$/);
  });

  it('a bad key: credentials ✖ with how to store the right one, exit 4', async () => {
    const emu = await emulator({ apiKey: 'the-right-key-0123456789' });
    const result = await runCli(['doctor'], {
      sandbox: sandboxWithConfig(),
      env: emulatorEnv(emu, { AT_API_KEY: 'the-wrong-key-0123456789' }),
    });
    expect(result.code).toBe(4);
    expect(result.stdout).toContain("✖ credentials  Africa's Talking refused sandbox, API key …6789 from environment AT_API_KEY");
    expect(result.stdout).toContain('fix: copy the key again from the dashboard and store it with `airtime config set-key`');
    expect(result.stdout).toContain('✔ API');
    expect(result.stderr).toBe('error: sending is blocked: fix what is marked ✖ above\n');
  });

  it('an unreachable API: ✖ with the address, where it was set, and what to start; exit 4', async () => {
    const result = await runCli(['doctor', '--json'], {
      sandbox: sandboxWithConfig(),
      env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'some-key-0123456789', AIRTIME_API_URL: 'http://127.0.0.1:1' },
    });
    expect(result.code).toBe(4);
    expect(named(checksOf(result), 'api')).toEqual([
      {
        check: 'api',
        status: 'fail',
        message: 'http://127.0.0.1:1 (AIRTIME_API_URL in the environment) cannot be reached: connection refused (ECONNREFUSED)',
        fix: 'start `airtime emulator` there, or correct AIRTIME_API_URL / apiUrl',
      },
    ]);
    expect(named(checksOf(result), 'credentials')[0]?.status).toBe('skip');
  });

  it('a ledger that cannot be written or created: ✖ naming why; a database URL never shows its password', async () => {
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    writeFileSync(join(sandbox.home, 'books'), 'a file where the ledger folder should be');
    const blocked = await runCli(['doctor'], {
      sandbox,
      env: emulatorEnv(emu, { AIRTIME_LEDGER: join(sandbox.home, 'books', 'ledger.db') }),
    });
    expect(blocked.code).toBe(4);
    expect(blocked.stdout).toContain(
      `✖ ledger       ${join(sandbox.home, 'books', 'ledger.db')} cannot be created: ${join(sandbox.home, 'books')} is not a folder`,
    );
    expect(blocked.stdout).toContain('fix: point the ledger at a file in a folder you can write');

    const shared = await runCli(['doctor', '--json'], {
      sandbox,
      env: emulatorEnv(emu, { AIRTIME_LEDGER: 'postgres://airtime:hunter2secret@127.0.0.1:1/payouts' }),
    });
    expect(shared.code).toBe(4);
    expect(named(checksOf(shared), 'ledger')[0]).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('airtime:***@127.0.0.1:1'),
    });
    expect(shared.stdout + shared.stderr).not.toContain('hunter2secret');
  });

  // root ignores file modes: only a normal user is refused by them.
  it.skipIf(process.getuid?.() === 0)('a read-only ledger file: ✖ cannot be written, exit 4', async () => {
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    expect((await runCli(['send', '+254712345678', '50'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    chmodSync(ledgerPath(sandbox), 0o400);
    const result = await runCli(['doctor'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/✖ ledger +.*ledger\.db cannot be written: the file cannot be written \(EACCES\)/);
  });

  it('a refused project file: ✖ with why and the fix, exit 4; a file beyond the search: a warning', async () => {
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    const project = join(sandbox.cwd, '.airtimerc');
    writeFileSync(project, '{"limits": {"perRecipient": {"KES": 100}}}');
    chmodSync(project, 0o666);
    const result = await runCli(['doctor'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(4);
    expect(result.stdout).toContain(`✖ config       ${project} is not read: it can be written by every user`);
    expect(result.stdout).toContain('fix: if it is yours, fix its owner and mode (chmod go-w), or add its folder to AIRTIME_TRUSTED_DIRS');
    // Everything else was still checked.
    expect(result.stdout).toContain('✔ credentials');
    // The same file in a trusted folder is read.
    const trusted = await runCli(['doctor'], { sandbox, env: emulatorEnv(emu, { AIRTIME_TRUSTED_DIRS: sandbox.cwd }) });
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain(`✔ config       read ${project} (a project file)`);

    const nested = makeSandbox();
    writeUserConfig(nested, FAST);
    const repo = join(nested.cwd, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    writeFileSync(join(nested.cwd, '.airtimerc'), '{}');
    const beyond = await runCli(['doctor'], { sandbox: { ...nested, cwd: repo }, env: emulatorEnv(emu) });
    expect(beyond.code).toBe(0);
    expect(beyond.stdout).toContain(`! config       ${join(nested.cwd, '.airtimerc')} is no longer read`);
  });

  it("a clock minutes off Africa's Talking's: a warning with the fix, exit 0", async () => {
    const emu = await emulator();
    const sandbox = sandboxWithConfig();
    const result = await runCli(['doctor'], { sandbox, env: { ...emulatorEnv(emu), ...skewedClock(sandbox, 10 * 60_000) } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("! clock        this machine's clock is 10 min ahead of Africa's Talking's");
    expect(result.stdout).toContain('fix: set it right (NTP');
  });

  it('proxy variables: one that is no proxy URL is ✖', async () => {
    const emu = await emulator();
    const result = await runCli(['doctor'], { sandbox: sandboxWithConfig(), env: emulatorEnv(emu, { HTTPS_PROXY: 'garbage' }) });
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('✖ proxy        HTTPS_PROXY is not a proxy URL');
  });
});
