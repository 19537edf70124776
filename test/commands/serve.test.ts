// `serve(options, ctx)` in-process: the token rules, a real server on 127.0.0.1 and a free port
// (callbacks and POST /send over real HTTP, Africa's Talking faked), and a stop when untilStopped
// resolves. (test/e2e/serve.test.ts runs the binary and sends it signals.)
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serve } from '../../src/commands/serve.js';
import { EXIT } from '../../src/core/errors.js';
import type { Note } from '../../src/results/notes.js';
import { failure, type TestContext, testContext } from '../helpers/context.js';

const TOKEN = 'serve-token-0123456789abcdef';

/** The address once the server listens (its `serving` note). */
async function serving(t: TestContext, running: Promise<unknown>): Promise<Extract<Note, { kind: 'serving' }>> {
  let failed: unknown;
  running.catch((error: unknown) => {
    failed = error;
  });
  for (let i = 0; i < 500; i += 1) {
    const note = t.notes.find((n) => n.kind === 'serving');
    if (note) return note;
    if (failed) throw failed;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('serve never listened');
}

describe('serve', () => {
  it('serves on a free port until untilStopped resolves, then stops with exit 0', async () => {
    const t = testContext({ env: { AIRTIME_WEBHOOK_TOKEN: TOKEN } });
    const running = serve({ port: 0, host: '127.0.0.1' }, t.ctx);
    const note = await serving(t, running);

    expect(note).toMatchObject({ sending: false, insecure: false, drainSeconds: null });
    expect(note.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(t.calls.untilStopped).toBe(1);
    const health = await fetch(`${note.url}/healthz`);
    expect(health.status).toBe(200);
    const callback = await fetch(`${note.url}/callbacks/status?token=wrong`, { method: 'POST', body: 'requestId=x&status=Success' });
    expect(callback.status).toBe(401);

    t.stop('SIGTERM');
    expect(await running).toEqual({ exitCode: EXIT.OK });
    expect(t.notes.filter((n) => n.kind === 'request').map((n) => n.kind === 'request' && [n.entry.path, n.entry.status])).toEqual([
      ['/healthz', 200],
      ['/callbacks/status', 401],
    ]);
    expect(t.notes.at(-1)).toEqual({ kind: 'stopping', signal: 'SIGTERM', inFlight: null, drainSeconds: null });
    // It writes status callbacks: the ledger is opened for writing, and the settings are a sender's.
    expect(t.calls.ledger).toBe(1);
    expect(t.calls.settings[0]?.use).toBe('send');
  });

  it('--enable-send sends through the fake Africa, records it, and counts the drain', async () => {
    const t = testContext({ env: { AIRTIME_WEBHOOK_TOKEN: TOKEN } });
    const running = serve({ port: 0, host: '127.0.0.1', enableSend: true }, t.ctx);
    const note = await serving(t, running);
    expect(note.sending).toBe(true);
    expect(note.drainSeconds).toBeGreaterThan(300);

    const response = await fetch(`${note.url}/send`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Idempotency-Key': 'http-1' },
      body: JSON.stringify({ phone: '+254712345678', amount: '50' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, state: 'sent', idempotencyKey: 'http-1', requestId: 'ATQid_fake_1' });
    expect(t.at.sends).toEqual([expect.objectContaining({ phoneNumber: '+254712345678', amount: 'KES 50.00', idempotencyKey: 'http-1' })]);
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'http-1'))?.state).toBe('sent');

    t.stop('SIGINT');
    expect(await running).toEqual({ exitCode: EXIT.OK });
    expect(t.notes.at(-1)).toMatchObject({ kind: 'stopping', signal: 'SIGINT', inFlight: 0 });
  });

  it.each([
    [{}, 'no webhook token: pass --token or set AIRTIME_WEBHOOK_TOKEN'],
    [{ token: '  ' }, '--token is empty'],
    [
      { token: TOKEN, enableSend: true, insecureNoToken: true },
      '--enable-send refuses --insecure-no-token: POST /send moves money and needs a token',
    ],
  ])('%j is a usage error before anything opens', async (options, message) => {
    const t = testContext();
    const error = await failure(serve({ port: 0, host: '127.0.0.1', ...options }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(message);
    expect(t.calls).toMatchObject({ settings: [], ledger: 0, untilStopped: 0 });
  });

  it('warns about a token given as a flag, a short one, and no username', async () => {
    const t = testContext({ settings: { username: undefined } });
    const running = serve({ port: 0, host: '127.0.0.1', token: 'short' }, t.ctx);
    await serving(t, running);
    t.stop();
    await running;
    const warnings = t.notes.flatMap((n) => (n.kind === 'warning' ? [n.message.split(/[,:;]/)[0]] : []));
    expect(warnings).toEqual([
      '--token shows in `ps` and stays in shell history',
      'the webhook token is shorter than 16 characters',
      'no username is configured (AT_USERNAME or `username`)',
    ]);
  });

  it('--insecure-no-token serves without a token, on purpose', async () => {
    const t = testContext();
    const running = serve({ port: 0, host: '127.0.0.1', insecureNoToken: true }, t.ctx);
    expect((await serving(t, running)).insecure).toBe(true);
    t.stop();
    await running;
  });

  it('--enable-send checks the credentials before it listens (exit 4)', async () => {
    const t = testContext({ env: { AIRTIME_WEBHOOK_TOKEN: TOKEN }, settings: { apiKey: undefined } });
    const error = await failure(serve({ port: 0, host: '127.0.0.1', enableSend: true }, t.ctx));
    expect(error.code).toBe('MISSING_CREDENTIALS');
    expect(t.notes.some((n) => n.kind === 'serving')).toBe(false);
  });

  it('a port in use is a usage error naming it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const t = testContext({ env: { AIRTIME_WEBHOOK_TOKEN: TOKEN } });
      const error = await failure(serve({ port, host: '127.0.0.1' }, t.ctx));
      expect(error.exitCode).toBe(EXIT.USAGE);
      expect(error.message).toBe(`cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
