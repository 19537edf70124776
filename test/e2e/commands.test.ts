// `validate`, `balance`, `emulator` and the command line itself, end to end.
import { describe, expect, it } from 'vitest';
import { ANSI, collect, FAST, makeSandbox, parseJson, runCli, runInTerminal, spawnCli, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

describe('airtime validate', () => {
  it('checks a number and an amount offline, with no credentials', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['validate', '254712345678', '50', '--json'], {
      sandbox,
      env: { AIRTIME_API_URL: 'http://127.0.0.1:1' },
    });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toEqual({
      ok: true,
      valid: true,
      phoneNumber: '+254712345678',
      country: 'KE',
      currency: 'KES',
      amount: '50.00',
      errors: [],
    });
    const human = await runCli(['validate', '+256701234567'], { sandbox });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('+256701234567  UG  UGX');
  });

  it('lists every problem and exits 2', async () => {
    const result = await runCli(['validate', '+2547', '10.001', '--currency', 'KES', '--json'], { sandbox: makeSandbox() });
    expect(result.code).toBe(2);
    const doc = parseJson(result);
    expect(doc).toMatchObject({ ok: false, valid: false });
    expect((doc.errors as { code: string }[]).map((e) => e.code)).toEqual(['INVALID_PHONE', 'INVALID_AMOUNT']);
  });

  it('reads national numbers with defaultCountry from the config', async () => {
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, { defaultCountry: 'KE' });
    const result = await runCli(['validate', '0712345678', '--json'], { sandbox });
    expect(parseJson(result)).toMatchObject({ valid: true, phoneNumber: '+254712345678' });
  });
});

describe('airtime balance', () => {
  it('prints the balance as JSON and for people', async () => {
    const emu = await emulator({ balance: 'KES 1234.5' });
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const json = await runCli(['balance', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(json.code).toBe(0);
    expect(parseJson(json)).toEqual({ ok: true, balance: 'KES 1234.50', currency: 'KES', amount: '1234.50' });
    const human = await runCli(['balance'], { sandbox, env: emulatorEnv(emu) });
    expect(human.stdout).toBe('KES 1234.50  (sandbox)\n');
  });

  it('exits 4 on a refused key', async () => {
    const emu = await emulator({ apiKey: 'right' });
    const result = await runCli(['balance', '--json'], { sandbox: makeSandbox(), env: emulatorEnv(emu, { AT_API_KEY: 'wrong' }) });
    expect(result.code).toBe(4);
    expect(parseJson(result)).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
  });
});

describe('the command line', () => {
  it('prints the version and help', async () => {
    const sandbox = makeSandbox();
    const version = await runCli(['--version'], { sandbox });
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const help = await runCli(['send', '--help'], { sandbox });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--dry-run');
    expect(help.stdout).toContain('Examples:');
  });

  it('with no arguments off a terminal prints the help and exits 2', async () => {
    const result = await runCli([], { sandbox: makeSandbox(), keepStdinOpen: true, timeoutMs: 5000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: airtime');
  });

  it('suggests the nearest command and option', async () => {
    const sandbox = makeSandbox();
    const command = await runCli(['sned'], { sandbox });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Did you mean send?');
    const option = await runCli(['send', '--dry-rn'], { sandbox });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain('--dry-run');
  });

  it('puts parser errors in the JSON document with --json', async () => {
    const result = await runCli(['send', '--timeout', 'x', '--json'], { sandbox: makeSandbox() });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(result.stdout + result.stderr).not.toMatch(ANSI);
  });

  it('uses no colour with --json even at a terminal, where the same error is red without it', async () => {
    const sandbox = makeSandbox();
    const json = await runInTerminal(['send', '--timeout', 'x', '--json'], { sandbox });
    expect(json.code).toBe(2);
    expect(json.stdout).toContain('"USAGE"');
    expect(json.stdout).not.toMatch(ANSI);
    const human = await runInTerminal(['send', '--timeout', 'x'], { sandbox });
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(ANSI);
  });
});

describe('--debug', () => {
  it('shows the stack trace in the TypeScript sources, not in minified chunks', async () => {
    const sandbox = makeSandbox();
    const result = await runCli(['send', '+447911123456', '50', '--debug'], { sandbox });
    expect(result.code).toBe(2);
    // The error first, as without --debug; then the stack, mapped to src/.
    expect(result.stderr).toMatch(/^error: \+447911123456 is not in a country/);
    expect(result.stderr).toMatch(/\n {4}at parsePhone \(.*\/src\/core\/phone\.ts:\d+:\d+\)\n/);
    expect(result.stderr).toMatch(/\/src\/commands\/send\.ts:\d+:\d+/);
    expect(result.stderr).not.toMatch(/chunk|dist\//);
    // Without --debug, no stack at all.
    const plain = await runCli(['send', '+447911123456', '50'], { sandbox });
    expect(plain.stderr).not.toContain(' at ');
  });
});

describe('a single send at a terminal', () => {
  it('shows its spinner without colour under NO_COLOR, in colour otherwise', async () => {
    const emu = await emulator({ latencyMs: 300 });
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const plainRun = await runInTerminal(['send', '+254712345678', '50', '--yes'], {
      sandbox,
      env: { ...emulatorEnv(emu), NO_COLOR: '1' },
    });
    expect(plainRun.code).toBe(0);
    expect(plainRun.stdout).toContain('Sending KES 50.00');
    expect(plainRun.stdout).not.toMatch(ANSI);
    const coloured = await runInTerminal(['send', '+254712345679', '50', '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(coloured.stdout).toMatch(ANSI);
  });

  it('finishes on a terminal that reports zero columns (some containers do), instead of spinning for ever', async () => {
    const emu = await emulator({ latencyMs: 200 });
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await runInTerminal(['send', '+254712345678', '50', '--yes'], {
      sandbox,
      env: emulatorEnv(emu),
      columns: 0,
      timeoutMs: 10_000,
    });
    expect(result.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(1);
  });
});

describe('airtime emulator', () => {
  it('prints its address first, serves the API, and stops cleanly on SIGTERM', async () => {
    const sandbox = makeSandbox();
    const child = spawnCli(['emulator', '--port', '0', '--balance', 'KES 500'], { sandbox });
    const done = collect(child, { keepStdinOpen: true });
    const firstLine = await new Promise<string>((resolve) => {
      let buffer = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        buffer += chunk.toString();
        if (buffer.includes('\n')) resolve(buffer.split('\n')[0] ?? '');
      });
    });
    expect(firstLine).toMatch(/^AIRTIME_API_URL=http:\/\/127\.0\.0\.1:\d+$/);
    const url = firstLine.replace('AIRTIME_API_URL=', '');
    writeUserConfig(sandbox, FAST);
    const balance = await runCli(['balance', '--json'], {
      sandbox,
      env: { AIRTIME_API_URL: url, AT_USERNAME: 'sandbox', AT_API_KEY: 'x' },
    });
    expect(parseJson(balance)).toMatchObject({ balance: 'KES 500.00' });
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('GET /version1/user 200');
  });

  it('refuses a port in use with exit 2, as serve does', async () => {
    const busy = await emulator();
    const port = new URL(busy.url).port;
    const result = await runCli(['emulator', '--port', port, '--json'], { sandbox: makeSandbox() });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: `cannot listen on 127.0.0.1:${port}: the port is in use` },
    });
    expect(result.stderr).toContain('choose another --port (0 picks a free one) or --host');
  });

  it('answers 401 to every other key when AIRTIME_EMULATOR_KEY is set', async () => {
    const sandbox = makeSandbox();
    const child = spawnCli(['emulator', '--port', '0'], { sandbox, env: { AIRTIME_EMULATOR_KEY: 'only-this' } });
    const done = collect(child, { keepStdinOpen: true });
    const url = await new Promise<string>((resolve) => {
      child.stdout?.once('data', (chunk: Buffer | string) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
    });
    const response = await fetch(`${url}/version1/user?username=sandbox`, { headers: { apiKey: 'other' } });
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('The supplied authentication is invalid');
    const ok = await fetch(`${url}/version1/user?username=sandbox`, { headers: { apiKey: 'only-this' } });
    expect(ok.status).toBe(200);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});
