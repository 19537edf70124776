// `emulator(options, ctx)` in-process: the command's reading of its flags, a real emulator on a free
// port until untilStopped resolves. (test/emulator/server.test.ts tests the emulator itself.)
import { describe, expect, it } from 'vitest';
import { emulator } from '../../src/commands/emulator.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, type TestContext, testContext } from '../helpers/context.js';

async function emulating(t: TestContext): Promise<string> {
  for (let i = 0; i < 500; i += 1) {
    const note = t.notes.find((n) => n.kind === 'emulating');
    if (note?.kind === 'emulating') return note.url;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('the emulator never listened');
}

describe('emulator', () => {
  it('runs with the balance and format asked for until stopped, logging each request', async () => {
    const t = testContext({ env: { AIRTIME_EMULATOR_KEY: 'emu-key' } });
    const running = emulator({ port: 0, host: '127.0.0.1', balance: 'KES 12345.5', balanceFormat: 'separators' }, t.ctx);
    const url = await emulating(t);

    const user = await fetch(`${url}/version1/user?username=sandbox`, { headers: { apiKey: 'emu-key', Accept: 'application/json' } });
    expect(await user.json()).toEqual({ UserData: { balance: 'KES 12,345.5000' } });
    // AIRTIME_EMULATOR_KEY from the context's environment: any other key is refused.
    expect((await fetch(`${url}/version1/user?username=sandbox`, { headers: { apiKey: 'other' } })).status).toBe(401);

    t.stop('SIGINT');
    expect(await running).toEqual({ exitCode: EXIT.OK });
    expect(t.notes.filter((n) => n.kind === 'emulated').map((n) => n.kind === 'emulated' && n.line.replace(/ \d+ms$/, ''))).toEqual([
      'GET /version1/user 200',
      'GET /version1/user 401',
    ]);
  });

  it('--fault-script is the next send requests, in order', async () => {
    const t = testContext();
    const running = emulator({ port: 0, host: '127.0.0.1', faultScript: '500, 429', retryAfter: 7 }, t.ctx);
    const url = await emulating(t);
    const post = () =>
      fetch(`${url}/version1/airtime/send`, {
        method: 'POST',
        headers: { apiKey: 'k', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'sandbox', recipients: '[{"phoneNumber":"+254712345678","amount":"KES 50"}]' }),
      });
    expect((await post()).status).toBe(500);
    const limited = await post();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await post()).status).toBe(201);
    t.stop();
    await running;
  });

  it.each([
    [{ faults: '500,boom' }, '--faults: unknown fault boom; use ok, 500, 429, reset, stall, hang, malformed, drop'],
    [{ faultScript: 'ok,later' }, '--fault-script: unknown fault later; use ok, 500, 429, reset, stall, hang, malformed, drop'],
  ])('%j is a usage error', async (options, message) => {
    const t = testContext();
    const error = await failure(emulator({ port: 0, host: '127.0.0.1', ...options }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(message);
  });

  it('a port in use is a usage error, as for serve', async () => {
    const t = testContext();
    const first = emulator({ port: 0, host: '127.0.0.1' }, t.ctx);
    const port = new URL(await emulating(t)).port;
    const error = await failure(emulator({ port: Number(port), host: '127.0.0.1' }, testContext().ctx));
    expect(error.message).toBe(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    t.stop();
    await first;
  });
});
