import { describe, expect, it } from 'vitest';
import { AtClient, type FetchLike } from '../../src/at/client.js';
import { environmentOf } from '../../src/core/environment.js';

const KEY = 'atsk_unit_secret_0123456789';

interface Call {
  url: string;
  init: RequestInit;
}

/** A fetch that records the request and answers with the given response (or throws the error). */
function fakeFetch(answer: Response | Error): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function client(answer: Response | Error, extra: Partial<ConstructorParameters<typeof AtClient>[0]> = {}) {
  const fake = fakeFetch(answer);
  const lines: string[] = [];
  const at = new AtClient({
    username: 'sandbox',
    apiKey: KEY,
    timeoutMs: 1000,
    fetch: fake.fetch,
    log: (line) => lines.push(line),
    ...extra,
  });
  return { at, calls: fake.calls, lines };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const request = { phoneNumber: '+254712345678', amount: 'KES 50.00', idempotencyKey: 'key-1' };

const accepted = {
  errorMessage: 'None',
  numSent: 1,
  totalAmount: 'KES 50.0000',
  totalDiscount: 'KES 2.0000',
  responses: [
    {
      phoneNumber: '+254712345678',
      errorMessage: 'None',
      amount: 'KES 50.0000',
      status: 'Sent',
      requestId: 'ATQid_1',
      discount: 'KES 2.0000',
    },
  ],
};

const failedRecipient = (errorMessage: string) => ({
  errorMessage: 'Invalid Requests',
  numSent: 0,
  totalAmount: '0',
  totalDiscount: '0',
  responses: [{ phoneNumber: '+254712345678', errorMessage, amount: 'KES 50.0000', status: 'Failed', requestId: 'None', discount: '0' }],
});

const duplicate = {
  errorMessage: 'A duplicate request was received within the last 5 minutes',
  numSent: 0,
  totalAmount: '0',
  totalDiscount: '0',
  responses: [],
};

describe('AtClient.send speaks the documented wire format', () => {
  it('posts a form with username, recipients and the Idempotency-Key header', async () => {
    const { at, calls } = client(json(201, accepted));
    await at.send({ ...request, maxNumRetry: 3 });
    const call = calls[0];
    expect(call?.url).toBe('https://api.sandbox.africastalking.com/version1/airtime/send');
    expect(call?.init.method).toBe('POST');
    expect(call?.init.headers).toMatchObject({
      apiKey: KEY,
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      'Idempotency-Key': 'key-1',
    });
    const form = new URLSearchParams(String(call?.init.body));
    expect(form.get('username')).toBe('sandbox');
    expect(JSON.parse(form.get('recipients') ?? '')).toEqual([{ phoneNumber: '+254712345678', amount: 'KES 50.00' }]);
    expect(form.get('maxNumRetry')).toBe('3');
  });

  it.each([
    ['sandbox', undefined, 'https://api.sandbox.africastalking.com'],
    ['Sandbox', undefined, 'https://api.africastalking.com'], // case-sensitive, unlike the official SDK
    ['acme', undefined, 'https://api.africastalking.com'],
    ['acme', 'http://127.0.0.1:9/', 'http://127.0.0.1:9'],
  ])('username %s with override %s uses %s', (username, baseUrl, expected) => {
    const { at } = client(json(201, accepted), { username, baseUrl });
    expect(at.baseUrl).toBe(expected);
    expect(at.environment).toBe(environmentOf(username));
  });
});

describe('AtClient.send classifies every answer', () => {
  it.each([
    ['201 Sent', json(201, accepted), { kind: 'accepted', requestId: 'ATQid_1', status: 'Sent', discount: 'KES 2.0000' }],
    ['limits', json(201, failedRecipient('Value Outside The Allowed Limits')), { kind: 'rejected', reason: 'limits' }],
    ['balance', json(201, failedRecipient('Insufficient Credit')), { kind: 'rejected', reason: 'balance' }],
    ['number', json(201, failedRecipient('Invalid Phone Number')), { kind: 'rejected', reason: 'number' }],
    ['country', json(201, failedRecipient('Unsupported Country')), { kind: 'rejected', reason: 'country' }],
    [
      'unknown text passed through',
      json(201, failedRecipient('Telco Says No')),
      { kind: 'rejected', reason: 'other', errorMessage: 'Telco Says No' },
    ],
    [
      'airtime not enabled',
      json(201, {
        errorMessage: 'Airtime is not enabled for this account',
        numSent: 0,
        responses: [],
        totalAmount: '0',
        totalDiscount: '0',
      }),
      { kind: 'rejected', reason: 'disabled' },
    ],
    ['duplicate at 409', json(409, duplicate), { kind: 'duplicate' }],
    ['duplicate at 201', json(201, duplicate), { kind: 'duplicate' }],
    ['duplicate at 400', json(400, duplicate), { kind: 'duplicate' }],
    ['duplicate as text', new Response(duplicate.errorMessage, { status: 200 }), { kind: 'duplicate' }],
    ['401', new Response('The supplied authentication is invalid', { status: 401 }), { kind: 'auth-failed' }],
    [
      '400',
      new Response('The request contains bad syntax or cannot be fulfilled', { status: 400 }),
      { kind: 'rejected', reason: 'bad-request' },
    ],
    [
      '429',
      new Response('slow down', { status: 429, headers: { 'Retry-After': '2' } }),
      { kind: 'transient', reached: false, retryAfterMs: 2000 },
    ],
    ['500', new Response('oops', { status: 500 }), { kind: 'transient', reached: true }],
    ['503', new Response('', { status: 503 }), { kind: 'transient', reached: true }],
    ['201 not JSON', new Response('<html>gateway</html>', { status: 201 }), { kind: 'transient', reached: true }],
    ['201 without recipients', json(201, { errorMessage: 'None', responses: [] }), { kind: 'transient', reached: true }],
  ])('%s', async (_name, response, expected) => {
    const { at } = client(response);
    expect(await at.send(request)).toMatchObject(expected);
  });

  it.each([
    ['timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' }), true],
    ['refused', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), false],
    ['no DNS', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), false],
    ['reset', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), true],
    ['socket closed', Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } }), true],
  ])('%s → transient, reached=%s', async (_name, error, reached) => {
    const { at } = client(error);
    expect(await at.send(request)).toMatchObject({ kind: 'transient', reached });
  });

  it.each([
    [
      {},
      'no such host (ENOTFOUND) at https://api.sandbox.africastalking.com (the sandbox default); check the network, and HTTPS_PROXY if a proxy is needed',
    ],
    [
      { baseUrl: 'https://at.example/', baseUrlSource: 'apiUrl in /etc/x.json' },
      'no such host (ENOTFOUND) at https://at.example (apiUrl in /etc/x.json); check the network',
    ],
    [
      { baseUrl: 'http://[::1]:8788', baseUrlSource: 'AIRTIME_API_URL in the environment' },
      'at http://[::1]:8788 (AIRTIME_API_URL in the environment); is `airtime emulator` running?',
    ],
  ])('names the address it could not reach, and where it was set: %j', async (options, reason) => {
    const { at } = client(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }), options);
    expect(await at.send(request)).toMatchObject({ kind: 'transient', reached: false, reason: expect.stringContaining(reason) });
  });

  it('never writes the API key in its verbose log, even when the server echoes it', async () => {
    const { at, lines } = client(new Response(`bad key ${KEY}`, { status: 401 }));
    await at.send(request);
    expect(lines.join('\n')).toContain('apiKey: [redacted]');
    expect(lines.join('\n')).not.toContain(KEY);
  });
});

describe('AtClient lookups', () => {
  it("reads the answer's Date header as Africa's Talking's clock, whatever the answer (doctor compares it)", async () => {
    const date = { Date: 'Mon, 16 Nov 2026 12:00:00 GMT' };
    expect(await client(json(200, { UserData: { balance: 'KES 1' } }, date)).at.balance()).toMatchObject({
      kind: 'ok',
      date: Date.UTC(2026, 10, 16, 12),
    });
    expect(await client(new Response('The supplied authentication is invalid', { status: 401, headers: date })).at.balance()).toMatchObject(
      {
        kind: 'auth-failed',
        date: Date.UTC(2026, 10, 16, 12),
      },
    );
    expect((await client(json(200, { UserData: { balance: 'KES 1' } }, { Date: 'soon' })).at.balance()).date).toBeUndefined();
  });

  it('reads the balance', async () => {
    const { at, calls } = client(json(200, { UserData: { balance: 'KES 1,234.5' } }));
    expect(await at.balance()).toMatchObject({ kind: 'ok', balance: 'KES 1,234.5' });
    expect(calls[0]?.url).toBe('https://api.sandbox.africastalking.com/version1/user?username=sandbox');
  });

  it('asks /query/transaction/find for the requestId', async () => {
    const { at, calls } = client(json(200, { status: 'Success', data: { requestId: 'ATQid_1', status: 'Success' } }));
    expect(await at.findTransaction('ATQid_1')).toMatchObject({ kind: 'ok', status: 'Success' });
    expect(calls[0]?.url).toBe('https://api.sandbox.africastalking.com/query/transaction/find?username=sandbox&transactionId=ATQid_1');
  });
});

describe('AtClient.findTransaction reads the transaction from data.status, and nothing else', () => {
  const asked = 'ATQid_1';
  const documented = (status: string, extra: Record<string, unknown> = {}) => ({
    status: 'Success',
    data: { requestId: asked, status, destination: '+254712345678', value: 'KES 50.0000', creationTime: '2026-11-27 10:00:00', ...extra },
  });
  const body = (text: string, status = 200) => new Response(text, { status });
  it.each([
    // the documented shape: the lookup's status on top, the transaction's under data
    ['delivered', json(200, documented('Success')), { kind: 'ok', status: 'Success' }],
    ['failed, under a successful lookup', json(200, documented('Failed')), { kind: 'ok', status: 'Failed' }],
    ['queued', json(200, documented('Queued')), { kind: 'ok', status: 'Queued' }],
    ['sent (in flight)', json(200, documented('Sent')), { kind: 'ok', status: 'Sent' }],
    [
      'named by transactionId',
      json(200, { status: 'Success', data: { transactionId: asked, status: 'Success' } }),
      { kind: 'ok', status: 'Success' },
    ],
    ['named by both ids', json(200, documented('Success', { transactionId: asked })), { kind: 'ok', status: 'Success' }],
    // the official SDK's test mock: a lookup status alone is not the transaction's
    ['the SDK mock {"status":"Success"}', json(200, { status: 'Success' }), { kind: 'inconclusive', status: 'Success' }],
    ['a failed lookup alone', json(200, { status: 'Failed' }), { kind: 'inconclusive', status: 'Failed' }],
    [
      'not found',
      json(200, { status: 'Failed', errorMessage: 'Transaction not found' }),
      { kind: 'inconclusive', status: 'Failed', reason: expect.stringContaining('Transaction not found') },
    ],
    [
      'a failed lookup with data',
      json(200, { status: 'Failed', data: { requestId: asked, status: 'Failed' } }),
      { kind: 'inconclusive', status: 'Failed' },
    ],
    ['no lookup status, with data', json(200, { data: { requestId: asked, status: 'Failed' } }), { kind: 'inconclusive', status: null }],
    [
      'another transaction',
      json(200, documented('Failed', { requestId: 'ATQid_2' })),
      { kind: 'inconclusive', status: 'Failed', reason: expect.stringContaining('ATQid_2') },
    ],
    ['ids that disagree', json(200, documented('Success', { transactionId: 'ATQid_2' })), { kind: 'inconclusive', status: 'Success' }],
    [
      'data naming no transaction',
      json(200, { status: 'Success', data: { status: 'Failed' } }),
      { kind: 'inconclusive', status: 'Failed' },
    ],
    ['an unknown word', json(200, documented('Reversed')), { kind: 'inconclusive', status: 'Reversed', reason: 'an unknown status word' }],
    ['a lower-case word', json(200, documented('failed')), { kind: 'inconclusive', status: 'failed' }],
    ['no word', json(200, { status: 'Success', data: { requestId: asked } }), { kind: 'inconclusive', status: null }],
    ['data not an object', json(200, { status: 'Success', data: 'Failed' }), { kind: 'inconclusive', status: 'Success' }],
    ['data an array', json(200, { status: 'Success', data: [{ requestId: asked, status: 'Failed' }] }), { kind: 'inconclusive' }],
    ['not JSON', body('<html>gateway</html>'), { kind: 'inconclusive', status: null }],
    ['a JSON string', body('"Failed"'), { kind: 'inconclusive', status: null }],
    ['empty', body(''), { kind: 'inconclusive', status: null }],
    ['HTTP 201', json(201, documented('Success')), { kind: 'inconclusive', status: 'Success', reason: 'HTTP 201' }],
    ['HTTP 404', json(404, { status: 'Failed', errorMessage: 'Transaction not found' }), { kind: 'inconclusive', status: 'Failed' }],
    ['HTTP 400', body('The request contains bad syntax or cannot be fulfilled', 400), { kind: 'inconclusive', reason: 'HTTP 400' }],
    ['HTTP 500', body('oops', 500), { kind: 'transient', reason: 'HTTP 500' }],
    ['HTTP 429', body('slow down', 429), { kind: 'transient', reason: 'HTTP 429' }],
    ['HTTP 401', body('The supplied authentication is invalid', 401), { kind: 'auth-failed' }],
  ])('%s', async (_name, response, expected) => {
    const { at } = client(response);
    const answer = await at.findTransaction(asked);
    expect(answer).toMatchObject(expected);
    // The raw body is kept whatever it said.
    expect(answer.raw).toBeDefined();
  });

  it('is transient when no answer comes', async () => {
    const { at } = client(Object.assign(new Error('timed out'), { name: 'TimeoutError' }));
    expect(await at.findTransaction(asked)).toMatchObject({ kind: 'transient', reached: true });
  });
});

describe('AtClient.balance', () => {
  it.each([
    [json(404, { errorMessage: 'Transaction not found' }), 'not-found'],
    [new Response('nope', { status: 401 }), 'auth-failed'],
    [new Response('x', { status: 502 }), 'transient'],
    [new Response('not json', { status: 200 }), 'transient'],
  ])('balance answer %# → %s', async (response, kind) => {
    const { at } = client(response);
    expect((await at.balance()).kind).toBe(kind);
  });
});
