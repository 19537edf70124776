// The node:http transport against a real server on 127.0.0.1: it must fail the ways the client's
// classification expects (timeouts, refusals, resets, redirects), never resolve with half a body,
// and reuse connections.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AtClient } from '../../src/at/client.js';
import { nodeFetch } from '../../src/at/http.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('resolved, expected a rejection');
    },
    (error: unknown) => error as Error & { code?: string },
  );

describe('nodeFetch', () => {
  it('sends the method, headers and body, and reads the status, headers and body', async () => {
    const seen: { method?: string; key?: string; length?: string; body?: string }[] = [];
    const url = await serve((req, res, body) => {
      seen.push({ method: req.method, key: req.headers['idempotency-key'] as string, length: req.headers['content-length'], body });
      res.writeHead(201, { 'Content-Type': 'application/json', 'Retry-After': '3' });
      res.end('{"ok":"ü"}');
    });
    const answer = await nodeFetch()(`${url}/version1/airtime/send`, {
      method: 'POST',
      headers: { 'Idempotency-Key': 'k-1' },
      body: 'a=ü',
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('Retry-After')).toBe('3');
    expect(answer.headers.get('x-absent')).toBeNull();
    expect(await answer.text()).toBe('{"ok":"ü"}');
    expect(seen).toEqual([{ method: 'POST', key: 'k-1', length: String(Buffer.byteLength('a=ü')), body: 'a=ü' }]);
  });

  it('reuses one connection for requests one after another', async () => {
    const ports = new Set<number>();
    const url = await serve((req, res) => {
      ports.add(req.socket.remotePort ?? 0);
      res.end('ok');
    });
    const fetch = nodeFetch();
    for (let i = 0; i < 3; i += 1) await (await fetch(url, { method: 'GET' })).text();
    expect(ports.size).toBe(1);
  });

  it('rejects with the signal’s TimeoutError when no answer comes in time', async () => {
    const url = await serve(() => {
      // never answers
    });
    const error = await rejection(nodeFetch()(url, { method: 'POST', body: 'x', signal: AbortSignal.timeout(50) }));
    expect(error.name).toBe('TimeoutError');
  });

  it('rejects at once for a signal already aborted, without a request', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests += 1;
      res.end();
    });
    const controller = new AbortController();
    controller.abort(new DOMException('stop', 'AbortError'));
    const error = await rejection(nodeFetch()(url, { method: 'POST', signal: controller.signal }));
    expect(error.name).toBe('AbortError');
    expect(requests).toBe(0);
  });

  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const url = await serve(() => {});
    server?.close();
    const error = await rejection(nodeFetch()(url, { method: 'POST' }));
    expect(error.code).toBe('ECONNREFUSED');
  });

  it('rejects, not resolves, when the connection drops in the middle of the answer', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Length': '100' });
      res.write('{"responses":');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const error = await rejection(nodeFetch()(url, { method: 'POST' }));
    expect(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']).toContain(error.code);
  });

  it('rejects with ECONNRESET when the server hangs up before answering', async () => {
    const url = await serve((req) => req.socket.destroy());
    const error = await rejection(nodeFetch()(url, { method: 'POST' }));
    expect(error.code).toBe('ECONNRESET');
  });

  it('refuses to follow a redirect when asked to error on one', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    const error = await rejection(nodeFetch()(url, { method: 'POST', redirect: 'error' }));
    expect(error).toBeInstanceOf(TypeError);
  });

  it('rejects a protocol other than http and https', async () => {
    const error = await rejection(nodeFetch()('ftp://127.0.0.1/', { method: 'GET' }));
    expect(error.message).toMatch(/unsupported protocol/);
  });

  // The classification the send path depends on, end to end through the client.
  it('gives the client a timeout as "may have arrived" and a refusal as "did not arrive"', async () => {
    const url = await serve(() => {});
    const make = (baseUrl: string) =>
      new AtClient({ username: 'sandbox', apiKey: 'atsk_http_test_0123', baseUrl, timeoutMs: 50, fetch: nodeFetch() });
    const hung = await make(url).send({ phoneNumber: '+254712345678', amount: 'KES 10.00', idempotencyKey: 'k' });
    expect(hung).toMatchObject({ kind: 'transient', reached: true });
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
    const refused = await make(url).send({ phoneNumber: '+254712345678', amount: 'KES 10.00', idempotencyKey: 'k' });
    expect(refused).toMatchObject({ kind: 'transient', reached: false });
  });
});
