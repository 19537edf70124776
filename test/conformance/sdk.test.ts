// The official africastalking SDK is the referee: it was written by Africa's Talking from their own
// API, so if it can talk to the emulator, the emulator speaks the documented protocol. (The SDK is a
// devDependency only; the tool itself never loads it.)
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';

const require = createRequire(import.meta.url);
// The SDK's own axios, whose create() the SDK calls with a hard-coded baseURL.
const axios = createRequire(require.resolve('africastalking'))('axios') as {
  create: (config: Record<string, unknown>) => unknown;
};

interface Sdk {
  AIRTIME: {
    send(options: unknown): Promise<Record<string, unknown>>;
    findTransactionStatus(id: string): Promise<Record<string, unknown>>;
  };
  APPLICATION: { fetchApplicationData(): Promise<Record<string, unknown>> };
}

let emu: Emulator;
let sdk: Sdk;
let originalCreate: typeof axios.create;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, apiKey: 'sdk-key', deliveryDelayMs: 0, balance: 'KES 5000' });
  originalCreate = axios.create;
  // The SDK has no base-URL option: point its axios at the emulator for this test only.
  axios.create = (config) => originalCreate.call(axios, { ...config, baseURL: emu.url, proxy: false });
  const AfricasTalking = require('africastalking') as (options: Record<string, string>) => Sdk;
  sdk = AfricasTalking({ username: 'sandbox', apiKey: 'sdk-key' });
});

afterAll(async () => {
  axios.create = originalCreate;
  await emu.close();
});

describe('the official SDK against the emulator', () => {
  let requestId = '';

  it('sends airtime with an idempotency key', async () => {
    const answer = await sdk.AIRTIME.send({
      recipients: [{ phoneNumber: '+254712345678', currencyCode: 'KES', amount: 50 }],
      idempotencyKey: 'sdk-key-1',
      maxNumRetry: 2,
    });
    expect(answer).toMatchObject({ errorMessage: 'None', numSent: 1, totalAmount: 'KES 50.0000', totalDiscount: 'KES 2.0000' });
    const response = (answer.responses as Record<string, string>[])[0];
    expect(response).toMatchObject({ phoneNumber: '+254712345678', status: 'Sent', amount: 'KES 50.0000', errorMessage: 'None' });
    requestId = response?.requestId ?? '';
    expect(requestId).toMatch(/^ATQid_[0-9a-f]{32}$/);
    expect(emu.state().accepted.map((a) => a.idempotencyKey)).toEqual(['sdk-key-1']);
  });

  it('is told about a repeated key, which is not sent again', async () => {
    const error = await sdk.AIRTIME.send({
      recipients: [{ phoneNumber: '+254712345678', currencyCode: 'KES', amount: 50 }],
      idempotencyKey: 'sdk-key-1',
    }).catch((e: { response?: { data?: unknown } }) => e.response?.data);
    expect(error).toMatchObject({ errorMessage: 'A duplicate request was received within the last 5 minutes', numSent: 0 });
    expect(emu.state().accepted).toHaveLength(1);
  });

  it('reports per-recipient failures the way the document shows', async () => {
    const answer = await sdk.AIRTIME.send({ recipients: [{ phoneNumber: '+254712345678', currencyCode: 'KES', amount: 50000 }] });
    expect(answer).toMatchObject({ errorMessage: 'Invalid Requests', numSent: 0, totalAmount: '0' });
    expect((answer.responses as unknown[])[0]).toMatchObject({
      errorMessage: 'Value Outside The Allowed Limits',
      status: 'Failed',
      requestId: 'None',
      discount: '0',
    });
  });

  it("finds a transaction: the lookup's status on top, the transaction under data", async () => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const answer = await sdk.AIRTIME.findTransactionStatus(requestId);
    expect(answer).toMatchObject({
      status: 'Success',
      data: { requestId, transactionId: requestId, status: 'Success', destination: '+254712345678', value: 'KES 50.0000' },
    });
  });

  it('is answered a failed lookup, with HTTP 200, for a transaction that does not exist', async () => {
    // The SDK resolves any HTTP 200: a not-found that came as 404 would reject instead.
    expect(await sdk.AIRTIME.findTransactionStatus('ATQid_00000000000000000000000000000000')).toEqual({
      status: 'Failed',
      errorMessage: 'Transaction not found',
    });
  });

  it('reads the balance as the live API writes it', async () => {
    expect(await sdk.APPLICATION.fetchApplicationData()).toEqual({ UserData: { balance: 'KES 4950.0000' } });
  });

  it('gets the 401 with a wrong key', async () => {
    const AfricasTalking = require('africastalking') as (options: Record<string, string>) => Sdk;
    const wrong = AfricasTalking({ username: 'sandbox', apiKey: 'not-it' });
    const status = await wrong.APPLICATION.fetchApplicationData().catch((e: { response?: { status?: number } }) => e.response?.status);
    expect(status).toBe(401);
  });
});
