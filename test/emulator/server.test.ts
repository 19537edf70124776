// The emulator in-process (src/emulator/server.ts on 127.0.0.1 and a free port), over real HTTP:
// the decisions the client and every end-to-end test rely on it to make as Africa's Talking does.
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/server.js';
import { emulator } from '../helpers/emulator.js';

const PHONE = '+254712345678';

function send(emu: Emulator, options: { key?: string; amount?: string; phone?: string; username?: string; apiKey?: string } = {}) {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  if (options.apiKey !== '') headers.apiKey = options.apiKey ?? 'k';
  if (options.key) headers['Idempotency-Key'] = options.key;
  const recipients = JSON.stringify([{ phoneNumber: options.phone ?? PHONE, amount: options.amount ?? 'KES 50.00' }]);
  return fetch(`${emu.url}/version1/airtime/send`, {
    method: 'POST',
    headers,
    body: new URLSearchParams({ username: options.username ?? 'sandbox', recipients }),
  });
}

const get = (emu: Emulator, path: string) => fetch(`${emu.url}${path}`, { headers: { apiKey: 'k', Accept: 'application/json' } });
const balanceOf = async (emu: Emulator) =>
  ((await (await get(emu, '/version1/user?username=sandbox')).json()) as { UserData: { balance: string } }).UserData.balance;

describe('the emulator', () => {
  it('accepts a send once per key within the duplicate window, answering a repeat with the duplicate message', async () => {
    const emu = await emulator();
    const first = await send(emu, { key: 'k-1' });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ errorMessage: 'None', numSent: 1, responses: [{ status: 'Sent', amount: 'KES 50.0000' }] });

    const again = await send(emu, { key: 'k-1' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ errorMessage: 'A duplicate request was received within the last 5 minutes', numSent: 0 });
    // Another account's key of the same name is its own.
    expect((await send(emu, { key: 'k-1', username: 'acme' })).status).toBe(201);
    expect(emu.acceptancesByKey().get('k-1')).toBe(2);
    expect(emu.state().sends.map((s) => s.outcome)).toEqual(['accepted', 'duplicate', 'accepted']);
  });

  it('without a key, the same content is the duplicate; after the window, a key is new again', async () => {
    const emu = await emulator({ duplicateWindowMs: 40, duplicateStatus: 200 });
    expect((await send(emu)).status).toBe(201);
    expect((await send(emu)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await send(emu)).status).toBe(201);
    expect(emu.state().accepted).toHaveLength(2);
  });

  it('answers send requests from its fault script, in order, then normally', async () => {
    const emu = await emulator({ faultScript: ['500', '429', 'malformed'], retryAfterSeconds: 3 });
    expect((await send(emu, { key: 'a' })).status).toBe(500);
    const limited = await send(emu, { key: 'b' });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    // malformed: processed (accepted), then an answer that is not JSON.
    const malformed = await send(emu, { key: 'c' });
    expect([malformed.status, await malformed.text()]).toEqual([201, '<html><body>Gateway hiccup</body></html>']);
    expect((await send(emu, { key: 'd' })).status).toBe(201);

    expect(emu.state().sends.map((s) => [s.idempotencyKey, s.fault, s.outcome])).toEqual([
      ['a', '500', '500'],
      ['b', '429', '429'],
      ['c', 'malformed', 'accepted'],
      ['d', 'ok', 'accepted'],
    ]);
    expect(emu.state().faultsInjected).toBe(3);
  });

  it('drop accepts the send and cuts the connection: the answer is lost, the money is not', async () => {
    const emu = await emulator({ faultScript: ['drop'] });
    await expect(send(emu, { key: 'lost' })).rejects.toThrow();
    expect(emu.acceptancesByKey().get('lost')).toBe(1);
  });

  it('faults can be queued over HTTP, and a bad script is refused', async () => {
    const emu = await emulator();
    const queue = (body: unknown) => fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect(await (await queue({ script: ['500'] })).json()).toEqual({ queued: 1 });
    expect((await queue({ script: ['explode'] })).status).toBe(400);
    expect((await send(emu)).status).toBe(500);
  });

  it.each([
    ['plain', 'KES 1234.5000'],
    ['separators', 'KES 1,234.5000'],
  ] as const)('writes the balance %s, and debits accepted sends in its currency', async (balanceFormat, written) => {
    const emu = await emulator({ balance: 'KES 1234.5', balanceFormat });
    expect(await balanceOf(emu)).toBe(written);
    await send(emu, { amount: 'KES 34.50' });
    await send(emu, { phone: '+256712345678', amount: 'UGX 1000' });
    expect(await balanceOf(emu)).toBe(balanceFormat === 'plain' ? 'KES 1200.0000' : 'KES 1,200.0000');
  });

  it("refuses what Africa's Talking refuses, per recipient", async () => {
    const emu = await emulator({ balance: 'KES 100' });
    const reason = async (options: Parameters<typeof send>[1]) => {
      const body = (await (await send(emu, options)).json()) as { errorMessage: string; responses: { errorMessage: string }[] };
      return [body.errorMessage, body.responses[0]?.errorMessage];
    };
    expect(await reason({ phone: '0712345678' })).toEqual(['Invalid Requests', 'Invalid Phone Number']);
    expect(await reason({ phone: '+33612345678' })).toEqual(['Invalid Requests', 'Unsupported Country']);
    expect(await reason({ amount: 'KES 4' })).toEqual(['Invalid Requests', 'Value Outside The Allowed Limits']);
    expect(await reason({ amount: 'KES 10001' })).toEqual(['Invalid Requests', 'Value Outside The Allowed Limits']);
    expect(await reason({ amount: 'KES 150' })).toEqual(['Invalid Requests', 'Insufficient Credit']);
  });

  it('an account without airtime is refused as a whole', async () => {
    const emu = await emulator({ airtimeDisabled: true });
    expect(await (await send(emu)).json()).toMatchObject({ errorMessage: 'Airtime is not enabled for this account', numSent: 0 });
  });

  it('without an apiKey, or with another than the one it was given, every request is 401', async () => {
    const emu = await emulator({ apiKey: 'right' });
    expect((await send(emu, { apiKey: '' })).status).toBe(401);
    expect((await send(emu, { apiKey: 'wrong' })).status).toBe(401);
    expect((await send(emu, { apiKey: 'right' })).status).toBe(201);
    expect(emu.state().sends.map((s) => s.outcome)).toEqual(['401', '401', 'accepted']);
  });

  it('answers status queries in the documented shape, or in the shape a test asks for', async () => {
    const emu = await emulator();
    const { responses } = (await (await send(emu)).json()) as { responses: { requestId: string }[] };
    const requestId = responses[0]?.requestId ?? '';
    const find = async (id: string) => {
      const response = await get(emu, `/query/transaction/find?username=sandbox&transactionId=${id}`);
      return [response.status, response.status === 200 ? await response.json() : await response.text()];
    };

    expect(await find(requestId)).toEqual([
      200,
      {
        status: 'Success',
        data: expect.objectContaining({ requestId, status: 'Sent', destination: PHONE, value: 'KES 50.0000', discount: 'KES 2.0000' }),
      },
    ]);
    expect(await find('ATQid_nobody')).toEqual([200, { status: 'Failed', errorMessage: 'Transaction not found' }]);
    emu.answerFinds('no-data');
    expect(await find(requestId)).toEqual([200, { status: 'Success' }]);
    emu.answerFinds('unknown-status');
    expect(await find(requestId)).toEqual([200, { status: 'Success', data: expect.objectContaining({ requestId, status: 'Reversed' }) }]);
    emu.answerFinds('500');
    expect(await find(requestId)).toEqual([500, 'Internal Server Error']);
  });
});
