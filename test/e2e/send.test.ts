// `airtime send` end to end: the built binary, a real emulator on 127.0.0.1, real HTTP.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSI, FAST, ledgerPath, makeSandbox, parseJson, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { startProxy } from '../helpers/proxy.js';

const SECRET = 'atsk_e2e_5ecret_do_not_print_42';

function fastSandbox(config: Record<string, unknown> = {}): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, ...config });
  return sandbox;
}

describe('airtime send', () => {
  it('sends once and prints the contract JSON', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const result = await runCli(['send', '+254 712 345 678', '50', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    const doc = parseJson(result);
    expect(doc).toEqual({
      ok: true,
      status: 'Sent',
      state: 'sent',
      phoneNumber: '+254712345678',
      amount: '50.00',
      currency: 'KES',
      idempotencyKey: expect.stringMatching(/^[0-9a-f-]{36}$/),
      requestId: expect.stringMatching(/^ATQid_/),
      discount: 'KES 2.0000',
      errorMessage: null,
      replayed: false,
      attempts: 1,
      environment: 'sandbox',
    });
    const state = emu.state();
    expect(state.accepted).toHaveLength(1);
    expect(state.accepted[0]).toMatchObject({ idempotencyKey: doc.idempotencyKey, value: 'KES 50.0000', requestId: doc.requestId });
  });

  it('prints a plain human result when piped, and colour only when forced', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const plain = await runCli(['send', '+256701234567', '500', '--key', 'human-1'], { sandbox, env: emulatorEnv(emu) });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Sent UGX 500 to +256701234567');
    expect(plain.stdout).toContain('key human-1');
    expect(plain.stdout + plain.stderr).not.toMatch(ANSI);
    const forced = await runCli(['send', '+256701234567', '500', '--key', 'human-2'], {
      sandbox,
      env: emulatorEnv(emu, { FORCE_COLOR: '1' }),
    });
    expect(forced.stdout).toMatch(ANSI);
    const quiet = await runCli(['send', '+256701234567', '500', '--key', 'human-3', '--quiet'], { sandbox, env: emulatorEnv(emu) });
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('shows a dry run without any request', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const result = await runCli(['send', '0712345678', '50', '--country', 'KE', '--dry-run', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toMatchObject({ ok: true, dryRun: true, phoneNumber: '+254712345678', amount: '50.00' });
    expect(emu.state().sends).toHaveLength(0);
    expect(existsSync(ledgerPath(sandbox))).toBe(false); // and no record: a dry run counts for nothing
  });

  it('a dry run shows no key the real send would not use: none without --key, the given one with it', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const keyless = await runCli(['send', '+254712345678', '50', '--dry-run', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(parseJson(keyless)).toMatchObject({ ok: true, dryRun: true, idempotencyKey: null });
    const human = await runCli(['send', '+254712345678', '50', '--dry-run'], { sandbox, env: emulatorEnv(emu) });
    expect(human.stdout).toBe('Would send KES 50.00 to +254712345678 (KE) on sandbox, under a new key. Nothing was sent.\n');
    const keyed = await runCli(['send', '+254712345678', '50', '--dry-run', '--key', 'order-9'], { sandbox, env: emulatorEnv(emu) });
    expect(keyed.stdout).toContain(', key order-9. Nothing was sent.');
  });

  it('-c with a code that is no currency lists the ones that are', async () => {
    const emu = await emulator();
    const result = await runCli(['send', '+254712345678', '50', '-c', 'XYZ'], { sandbox: fastSandbox(), env: emulatorEnv(emu) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "error: XYZ is not a currency Africa's Talking sells airtime in: use one of KES, UGX, TZS, NGN, RWF, MWK, ZMW, ZAR, ETB, GHS, XOF\n",
    );
    expect(emu.state().sends).toHaveLength(0);
  });

  it.each([
    [['+254202345678', '50'], 'INVALID_PHONE'],
    [['+234803456789', '100'], 'INVALID_PHONE'],
    [['0712345678', '50'], 'INVALID_PHONE'],
    [['+447911123456', '50'], 'UNSUPPORTED_COUNTRY'],
    [['+254712345678', '0'], 'INVALID_AMOUNT'],
    [['+254712345678', '-5'], 'INVALID_AMOUNT'],
    [['+254712345678', '10.001'], 'INVALID_AMOUNT'],
    [['+254712345678', '1e3'], 'INVALID_AMOUNT'],
    [['+254712345678', 'NaN'], 'INVALID_AMOUNT'],
    [['+254712345678', ''], 'INVALID_AMOUNT'],
    [['+254712345678', '4'], 'AMOUNT_OUT_OF_RANGE'],
    [['+254712345678', '10001'], 'AMOUNT_OUT_OF_RANGE'],
    [['+255712345678', '1000', '--currency', 'KES'], 'CURRENCY_MISMATCH'],
    [['+254712345678', '50', '--key', 'has space'], 'USAGE'],
    [['+254712345678'], 'USAGE'],
    [['+254712345678', '50', '--retries', 'many'], 'USAGE'],
    [['+254712345678', '50', '--bogus'], 'USAGE'],
  ])('refuses %j with exit 2 %s and sends nothing', async (args, code) => {
    const emu = await emulator();
    const result = await runCli(['send', ...args, '--json'], { sandbox: fastSandbox(), env: emulatorEnv(emu) });
    expect(result.code).toBe(2);
    const doc = parseJson(result);
    expect(doc).toMatchObject({ ok: false, error: { code } });
    expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(emu.state().sends).toHaveLength(0);
  });

  it('exits 4 without credentials, with a bad config value, and on HTTP 401', async () => {
    const emu = await emulator({ apiKey: 'the-right-key' });
    const sandbox = fastSandbox();
    const missing = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env: { AIRTIME_API_URL: emu.url } });
    expect(missing.code).toBe(4);
    expect(parseJson(missing)).toMatchObject({ error: { code: 'MISSING_CREDENTIALS' } });

    const badConfig = await runCli(['send', '+254712345678', '50'], { sandbox: fastSandbox({ timeout: 'soon' }), env: emulatorEnv(emu) });
    expect(badConfig.code).toBe(4);
    expect(badConfig.stderr).toContain('config key timeout');

    const refused = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env: emulatorEnv(emu, { AT_API_KEY: SECRET }) });
    expect(refused.code).toBe(4);
    expect(parseJson(refused)).toMatchObject({ ok: false, state: 'failed', error: { code: 'AUTH_FAILED' } });
    expect(emu.state().sends.map((s) => s.outcome)).toEqual(['401']); // never retried
    expect(emu.state().accepted).toHaveLength(0);
  });

  it('exits 1 on a top-level rejection, without retrying', async () => {
    const emu = await emulator({ airtimeDisabled: true });
    const result = await runCli(['send', '+254712345678', '50', '--json'], { sandbox: fastSandbox(), env: emulatorEnv(emu) });
    expect(result.code).toBe(1);
    expect(parseJson(result)).toMatchObject({
      ok: false,
      state: 'failed',
      status: 'Failed',
      error: { code: 'REJECTED', message: 'Airtime is not enabled for this account' },
    });
    expect(emu.state().sends).toHaveLength(1);
  });

  it('exits 1 INSUFFICIENT_BALANCE when the account cannot pay', async () => {
    const emu = await emulator({ balance: 'KES 10' });
    const result = await runCli(['send', '+254712345678', '50', '--json'], { sandbox: fastSandbox(), env: emulatorEnv(emu) });
    expect(result.code).toBe(1);
    expect(parseJson(result)).toMatchObject({ error: { code: 'INSUFFICIENT_BALANCE' }, errorMessage: 'Insufficient Credit' });
    expect(result.stderr).toContain('airtime balance');
  });

  it("exits 1 NETWORK_ERROR when Africa's Talking cannot be reached at all", async () => {
    const emu = await emulator();
    const closedUrl = emu.url;
    await emu.close();
    const result = await runCli(['send', '+254712345678', '50', '--retries', '2', '--json'], {
      sandbox: fastSandbox(),
      env: { AIRTIME_API_URL: closedUrl, AT_USERNAME: 'sandbox', AT_API_KEY: 'k' },
    });
    expect(result.code).toBe(1);
    expect(parseJson(result)).toMatchObject({ state: 'failed', attempts: 3, error: { code: 'NETWORK_ERROR' } });
  });

  it('names the address it could not reach and where it was set; for this machine, asks whether the emulator runs', async () => {
    const emu = await emulator();
    const closedUrl = emu.url;
    await emu.close();
    const fromEnv = await runCli(['send', '+254712345678', '50', '--retries', '0'], {
      sandbox: fastSandbox(),
      env: { AIRTIME_API_URL: closedUrl, AT_USERNAME: 'sandbox', AT_API_KEY: 'k' },
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toContain(
      `connection refused (ECONNREFUSED) at ${closedUrl} (AIRTIME_API_URL in the environment); is \`airtime emulator\` running?`,
    );
    expect(fromEnv.stderr).not.toContain('HTTPS_PROXY');

    const sandbox = makeSandbox();
    const config = writeUserConfig(sandbox, { ...FAST, apiUrl: closedUrl.replace('127.0.0.1', 'localhost') });
    const fromFile = await runCli(['send', '+254712345678', '50', '--retries', '0', '--json'], {
      sandbox,
      env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'k' },
    });
    expect(fromFile.code).toBe(1);
    expect(parseJson(fromFile)).toMatchObject({
      error: {
        code: 'NETWORK_ERROR',
        message: expect.stringContaining(
          `at ${closedUrl.replace('127.0.0.1', 'localhost')} (apiUrl in ${config}); is \`airtime emulator\` running?`,
        ),
      },
    });
  });

  it.each(['garbage', 'localhost:3128', 'socks5://proxy:1080', 'http://'])(
    'refuses HTTPS_PROXY=%s: exit 4 CONFIG_ERROR naming the variable, before anything is recorded',
    async (value) => {
      const emu = await emulator();
      const sandbox = fastSandbox();
      const result = await runCli(['send', '+254712345678', '50', '--json'], { sandbox, env: emulatorEnv(emu, { HTTPS_PROXY: value }) });
      expect(result.code).toBe(4);
      expect(parseJson(result)).toEqual({
        ok: false,
        error: { code: 'CONFIG_ERROR', message: 'HTTPS_PROXY is not a proxy URL: it must look like http://proxy.example:3128' },
      });
      expect(result.stderr).not.toContain('bug');
      expect(existsSync(ledgerPath(sandbox))).toBe(false);
      expect(emu.state().sends).toHaveLength(0);
      const lower = await runCli(['balance'], { sandbox, env: emulatorEnv(emu, { http_proxy: value }) });
      expect(lower.code).toBe(4);
      expect(lower.stderr).toContain('error: http_proxy is not a proxy URL');
    },
  );

  it('retries transient faults under one key and is accepted exactly once', async () => {
    const emu = await emulator({ faultScript: ['500', '429', 'reset', 'ok'] });
    const result = await runCli(['send', '+254712345678', '50', '--key', 'retry-me', '--json'], {
      sandbox: fastSandbox(),
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(0);
    expect(parseJson(result)).toMatchObject({ state: 'sent', attempts: 4 });
    const { sends, accepted } = emu.state();
    expect(sends.map((s) => s.idempotencyKey)).toEqual(['retry-me', 'retry-me', 'retry-me', 'retry-me']);
    expect(sends.map((s) => s.outcome)).toEqual(['500', '429', 'reset', 'accepted']);
    expect(accepted).toHaveLength(1);
  });

  it.each([
    ['hang', 409],
    ['malformed', 201],
    ['drop', 200],
  ] as const)(
    'a first attempt accepted but unanswered (%s), then "duplicate" (HTTP %d), ends unknown with one acceptance',
    async (fault, duplicateStatus) => {
      const emu = await emulator({ faultScript: [fault], duplicateStatus });
      const result = await runCli(['send', '+254712345678', '50', '--timeout', '0.5', '--json'], {
        sandbox: fastSandbox(),
        env: emulatorEnv(emu),
      });
      expect(result.code).toBe(5);
      const doc = parseJson(result);
      expect(doc).toMatchObject({ ok: false, state: 'unknown', status: null, attempts: 2, error: { code: 'OUTCOME_UNKNOWN' } });
      expect(emu.state().sends.map((s) => s.outcome)).toEqual(['accepted', 'duplicate']);
      expect(emu.acceptancesByKey().get(String(doc.idempotencyKey))).toBe(1);
      expect(result.stderr).toContain(String(doc.idempotencyKey));
    },
  );

  it('exits 5 when every attempt may have arrived and none was answered', async () => {
    const emu = await emulator({ faultScript: ['500', '500'] });
    const result = await runCli(['send', '+254712345678', '50', '--retries', '1', '--json'], {
      sandbox: fastSandbox(),
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(5);
    expect(parseJson(result)).toMatchObject({ state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' } });
  });

  it('refuses --max-num-retry 0, single and bulk: exit 2, nothing sent, nothing recorded', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const single = await runCli(['send', '+254712345678', '50', '--max-num-retry', '0', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(single.code).toBe(2);
    expect(parseJson(single)).toMatchObject({
      ok: false,
      error: { code: 'USAGE', message: expect.stringContaining("omit the flag for Africa's Talking's default") },
    });
    writeFileSync(join(sandbox.cwd, 'pay.csv'), 'phone,amount\n+254712345678,50\n');
    const bulk = await runCli(['send', '--file', 'pay.csv', '--yes', '--max-num-retry', '0'], { sandbox, env: emulatorEnv(emu) });
    expect(bulk.code).toBe(2);
    expect(bulk.stderr).toContain(
      "--max-num-retry <n>' argument '0' is invalid. 0 is refused: omit the flag for Africa's Talking's default",
    );
    expect(emu.state().sends).toHaveLength(0);
    expect(existsSync(ledgerPath(sandbox))).toBe(false);
    // 1 and more go to Africa's Talking as maxNumRetry.
    expect((await runCli(['send', '+254712345678', '50', '--max-num-retry', '1'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
  });

  it('does not hang without a terminal: a missing value is a usage error at once', async () => {
    const result = await runCli(['send', '+254712345678'], { sandbox: fastSandbox(), keepStdinOpen: true, timeoutMs: 5000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing argument <amount>');
  });

  it('never prints the API key, even with --verbose', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu, { AT_API_KEY: SECRET });
    const runs = await Promise.all([
      runCli(['send', '+254712345678', '50', '--verbose'], { sandbox, env }),
      // Different amounts: these run at once, and the repeat guard would refuse the same send twice.
      runCli(['send', '+254712345678', '51', '--verbose', '--json'], { sandbox, env }),
      runCli(['balance', '--verbose'], { sandbox, env }),
      runCli(['send', '+254712345678', '4', '--verbose'], { sandbox, env }),
      runCli(['send', '+254712345678', '52', '--verbose', '--debug'], { sandbox, env: { ...env, AIRTIME_API_URL: 'http://127.0.0.1:1' } }),
    ]);
    expect(runs[0]?.stderr).toContain('> POST');
    expect(runs[0]?.stderr).toContain('apiKey: [redacted]');
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('sends through HTTP_PROXY when one is set', async () => {
    const emu = await emulator();
    const proxy = await startProxy();
    try {
      const result = await runCli(['send', '+254712345678', '50', '--json'], {
        sandbox: fastSandbox(),
        env: emulatorEnv(emu, { HTTP_PROXY: proxy.url }),
      });
      expect(result.code).toBe(0);
      expect(proxy.seen).toEqual([`CONNECT ${emu.url.replace('http://', '')}`]);
      expect(emu.state().accepted).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('skips the proxy for hosts in NO_PROXY', async () => {
    const emu = await emulator();
    const proxy = await startProxy();
    try {
      const result = await runCli(['send', '+254712345678', '50'], {
        sandbox: fastSandbox(),
        env: emulatorEnv(emu, { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }),
      });
      expect(result.code).toBe(0);
      expect(proxy.seen).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("tunnels to Africa's Talking's own host through HTTPS_PROXY", async () => {
    const proxy = await startProxy();
    try {
      const result = await runCli(['send', '+254712345678', '50', '--retries', '0', '--json'], {
        sandbox: fastSandbox(),
        env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'k', HTTPS_PROXY: proxy.url },
      });
      // The proxy refuses the tunnel, so the send does not complete; what matters is where it went.
      expect(proxy.seen).toEqual(['CONNECT api.sandbox.africastalking.com:443']);
      expect([1, 5]).toContain(result.code);
    } finally {
      await proxy.close();
    }
  });
});
