// The server in-process, with short timeouts: what a slow, broken or hostile client gets.
// (test/e2e/serve.test.ts drives the real command over HTTP.)

import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repeatGuard } from '../../src/core/repeat.js';
import { currentOwner } from '../../src/ledger/owner.js';
import { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import type { RequestLog } from '../../src/results/notes.js';
import type { SendService } from '../../src/server/send.js';
import { type RunningServer, startServer } from '../../src/server/server.js';
import { formatRequestLog } from '../../src/ui/notes.js';
import { claim, query, settle } from '../helpers/ledger.js';

const TOKEN = 'tok_in_process_0123456789abcdef';
const running: { server: RunningServer; ledger: SqliteLedger }[] = [];

afterEach(async () => {
  for (const { server, ledger } of running.splice(0)) {
    await server.close(0);
    await ledger.close();
  }
});

async function start(extra: { send?: SendService | null; onError?: (error: unknown) => void; token?: string } = {}) {
  const ledger = SqliteLedger.open(join(mkdtempSync(join(tmpdir(), 'serve-server-')), 'ledger.db'));
  const logs: RequestLog[] = [];
  const errors: unknown[] = [];
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    token: extra.token ?? TOKEN,
    ledger,
    rules: { maxAgeMs: 600_000, perRecipient: {}, allowedSourceIps: undefined },
    scope: null,
    send: extra.send ?? null,
    log: (entry) => logs.push(entry),
    onError: (error) => errors.push(error),
    timeouts: { headersMs: 300, requestMs: 400, keepAliveMs: 200, checkIntervalMs: 50 },
  });
  running.push({ server, ledger });
  return { server, ledger, logs, errors, url: server.url };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

/** Writes raw bytes and collects everything the server says until it closes the connection. */
function raw(url: string, chunks: string[], { endAfter = false } = {}): Promise<{ text: string; ms: number }> {
  const { port } = new URL(url);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      for (const chunk of chunks) socket.write(chunk);
      if (endAfter) socket.end();
    });
    let text = '';
    socket.setEncoding('utf8').on('data', (data: string) => {
      text += data;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, ms: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a stalled connection open: ${text}`));
    }, 5000);
  });
}

const callbackUrl = (url: string, path = '/callbacks/status') => `${url}${path}?token=${TOKEN}`;

describe('the server under hostile input', () => {
  it('cuts off a client that stalls in its headers or its body', async () => {
    const { url } = await start();
    const headers = await raw(url, ['POST /callbacks/status?token=x HTTP/1.1\r\nHost: a\r\n']);
    expect(headers.text).toMatch(/^HTTP\/1\.1 408/);
    const body = await raw(url, [`POST /callbacks/status?token=${TOKEN} HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nrequestId=`]);
    expect(body.text).toMatch(/^HTTP\/1\.1 408/);
    expect(body.ms).toBeLessThan(3000);
    const silent = await raw(url, []);
    expect(silent.ms).toBeLessThan(3000);
  });

  it('answers 413 to a chunked body that grows past 64 KiB, without reading it all', async () => {
    const { url, logs } = await start();
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(callbackUrl(url), { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(`{"requestId":"${'x'.repeat(40 * 1024)}`);
      req.write('x'.repeat(40 * 1024));
      // Never ended: the server must answer without waiting for the rest.
    });
    expect(status).toBe(413);
    expect(logs.at(-1)).toMatchObject({ status: 413, decision: expect.stringContaining('PAYLOAD_TOO_LARGE') });
  });

  it('survives garbage and keeps serving', async () => {
    const { url } = await start();
    const garbage = await raw(url, ['\x00\x01\x02 not http at all\r\n\r\n']);
    expect(garbage.text).toMatch(/^HTTP\/1\.1 400/);
    for (const target of ['//evil.example/callbacks/status', '/callbacks/status/../healthz', '*', '/%ff%fe?token=%zz']) {
      const answer = await raw(url, [`GET ${target} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n`]);
      expect(answer.text).toMatch(/^HTTP\/1\.1 (400|404)/);
    }
    const weird = await fetch(callbackUrl(url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"requestId":{"$ne":1},"status":["Success"]}',
    });
    expect(weird.status).toBe(400);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('keeps each log line one line, whatever a client puts in its fields', async () => {
    const { url, logs } = await start();
    const forged = 'T1\n2026-11-27T00:00:00.000Z POST /callbacks/validation 200 1ms Validated transactionId forged';
    await fetch(`${url}/callbacks/validation?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ transactionId: forged, phoneNumber: '+254712345678', currencyCode: 'KES', amount: 50 }),
    });
    const line = formatRequestLog(logs[0] as RequestLog, false);
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('transactionId T1\\u000a2026-11-27');
  });

  it('answers 503 when the ledger cannot be written, and 500 without a stack to a bug', async () => {
    const boom = new Error('boom at /home/op/secret-path');
    const { url, ledger, errors } = await start({
      send: {
        defaultCountry: undefined,
        perRecipient: {},
        perRun: {},
        maxNumRetry: undefined,
        repeatGuard: repeatGuard(900_000),
        send: async () => {
          throw boom;
        },
      },
    });
    const bug = await fetch(`${url}/send`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: '{"phone":"+254712345678","amount":"50"}',
    });
    expect(bug.status).toBe(500);
    expect(await bug.text()).toBe('{"ok":false,"error":{"code":"INTERNAL","message":"internal error"}}');
    expect(errors).toEqual([boom]);
    await ledger.close();
    const busy = await fetch(callbackUrl(url), { method: 'POST', body: new URLSearchParams({ requestId: 'ATQid_1', status: 'Success' }) });
    expect(busy.status).toBe(503);
    expect(await busy.json()).toEqual({ ok: false, error: { code: 'LEDGER_ERROR', message: 'the ledger cannot be written right now' } });
  });

  it('never logs the token, nor keeps it in the ledger, wherever a client puts it', async () => {
    const { url, logs, ledger } = await start();
    await fetch(`${url}/callbacks/status&token=${TOKEN}`, { method: 'POST' });
    await fetch(`${url}/${encodeURIComponent(TOKEN)}/x`);
    await fetch(callbackUrl(url), { method: 'POST', body: new URLSearchParams({ requestId: `ATQid_${TOKEN}`, status: 'Success' }) });
    await fetch(callbackUrl(url, '/callbacks/validation'), {
      method: 'POST',
      body: new URLSearchParams({ transactionId: TOKEN, phoneNumber: '+254712345678', currencyCode: 'KES', amount: '50' }),
    });
    expect(logs).toHaveLength(4);
    const text = logs.map((entry) => formatRequestLog(entry, false) + formatRequestLog(entry, true)).join('\n');
    expect(text).not.toContain(TOKEN);
    expect(text).toContain('[redacted]');
    expect(logs[0]?.path).toBe('/callbacks/status&token=[redacted]');
    const events = query<{ kind: string; payload: string }>(ledger, 'SELECT kind, payload FROM events');
    expect(events.map((e) => e.kind)).toEqual(['orphan-callback', 'validation-refused']);
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(JSON.parse(events[0]?.payload ?? '{}')).toMatchObject({ requestId: 'ATQid_[redacted]' });
  });

  it('acts on the fields as received: a token that also appears among them is redacted only where it is kept', async () => {
    const token = 'Success'; // absurdly short, but what it may collide with must still be read as sent
    const { url, ledger } = await start({ token });
    const claimed = await claim(
      ledger,
      {
        account: 'sandbox',
        environment: 'sandbox',
        idempotencyKey: 'k',
        phoneNumber: '+254712345678',
        country: 'KE',
        currency: 'KES',
        amountMinor: 5000,
        owner: currentOwner(),
        osUser: 'u',
        host: 'h',
      },
      Date.now(),
    );
    if (claimed.kind !== 'created') throw new Error('expected a new row');
    await settle(
      ledger,
      claimed.row.id,
      {
        state: 'sent',
        atStatus: 'Sent',
        requestId: 'ATQid_1',
        discountCurrency: null,
        discountUnits4: null,
        errorCode: null,
        errorMessage: null,
        exitCode: 0,
      },
      Date.now(),
    );
    const answer = await fetch(`${url}/callbacks/status?token=${token}`, {
      method: 'POST',
      body: new URLSearchParams({ requestId: 'ATQid_1', status: 'Success' }),
    });
    expect(answer.status).toBe(200);
    expect((await ledger.get(claimed.row.id))?.state).toBe('delivered');
    const events = query<{ payload: string }>(ledger, "SELECT payload FROM events WHERE kind = 'delivery'");
    // The word acted on is recorded; the fields as received are kept with the token redacted.
    expect(events.map((e) => JSON.parse(e.payload) as unknown)).toEqual([
      { source: 'callback', status: 'Success', description: null, payload: { requestId: 'ATQid_1', status: '[redacted]' } },
    ]);
  });

  /** A send service whose sends wait for `gate`, and how many it was asked for. */
  function gatedSend(gate: Promise<void>): SendService & { calls: number } {
    const service = {
      calls: 0,
      defaultCountry: undefined,
      perRecipient: {},
      perRun: {},
      maxNumRetry: undefined,
      repeatGuard: repeatGuard(900_000),
      send: async (req: Parameters<SendService['send']>[0]) => {
        service.calls += 1;
        await gate;
        return {
          state: 'sent' as const,
          status: 'Sent',
          phoneNumber: req.recipient.phoneNumber,
          country: 'KE',
          amount: '50.00',
          currency: 'KES',
          idempotencyKey: req.idempotencyKey,
          requestId: 'ATQid_1',
          discount: null,
          errorMessage: null,
          error: null,
          replayed: false,
          attempts: 1,
          environment: 'sandbox' as const,
          exitCode: 0,
        };
      },
    };
    return service;
  }
  const postSend = (url: string, key: string) =>
    fetch(`${url}/send`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
      body: '{"phone":"+254712345678","amount":"50"}',
    });

  it('on close, answers every send it took however long it takes, answers new sends and /healthz 503, and still serves callbacks', async () => {
    let release: () => void = () => undefined;
    const service = gatedSend(
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    const { url, server } = await start({ send: service });
    const inFlight = postSend(url, 'taken-1');
    await waitUntil(() => server.sendsInFlight() === 1);
    let closed = false;
    const closing = server.close(60_000).then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    const refused = await postSend(url, 'new-1');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    // A send in flight may be retried, and its validation callback must still be answered.
    const validation = await fetch(`${url}/callbacks/validation?token=${TOKEN}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ transactionId: 'T1', phoneNumber: '+254712345678', currencyCode: 'KES', amount: 50 }),
    });
    expect(validation.status).toBe(200);
    expect(service.calls).toBe(1);
    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('connection')).toBe('close');
    await closing;
    expect(closed).toBe(true);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('cuts off a send still running when the drain budget runs out, and stops', async () => {
    const { url, server } = await start({ send: gatedSend(new Promise<void>(() => undefined)) });
    const inFlight = postSend(url, 'stuck-1').then(
      (response) => response.status,
      () => 'cut off',
    );
    await waitUntil(() => server.sendsInFlight() === 1);
    await server.close(200);
    expect(await inFlight).toBe('cut off');
  });
});
