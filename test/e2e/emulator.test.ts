// `airtime emulator` end to end, as Africa's Talking's twin: the built binary as a server process,
// spoken to over real HTTP the way the API document says clients speak to Africa's Talking (form
// and JSON sends, status queries, the balance), and asking a validation URL about each recipient.
import type { ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CliResult, collect, FAST, makeSandbox, parseJson, runCli, type Sandbox, spawnCli, writeUserConfig } from '../helpers/cli.js';

const KEY = 'emulator-e2e-key';
const children = new Set<ChildProcess>();
const servers = new Set<Server>();

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await Promise.all(
    [...servers].map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
  servers.clear();
});

interface Running {
  url: string;
  stop(): Promise<CliResult>;
}

/** `airtime emulator --port 0 …`, its address read from the first stdout line. */
async function startEmulatorProcess(sandbox: Sandbox, args: string[] = []): Promise<Running> {
  const child = spawnCli(['emulator', '--port', '0', ...args], { sandbox });
  children.add(child);
  const done = collect(child, { keepStdinOpen: true, timeoutMs: 60_000 });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0] ?? '');
    });
    void done.then((result) => reject(new Error(`the emulator exited ${result.code}: ${result.stderr}`)));
  });
  return {
    url: firstLine.replace('AIRTIME_API_URL=', ''),
    stop: () => {
      child.kill('SIGTERM');
      children.delete(child);
      return done;
    },
  };
}

const recipients = (phoneNumber: string, amount = 'KES 50') => [{ phoneNumber, amount }];

function sendForm(url: string, phoneNumber: string, amount?: string, key?: string) {
  return fetch(`${url}/version1/airtime/send`, {
    method: 'POST',
    headers: {
      apiKey: KEY,
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
      ...(key ? { 'Idempotency-Key': key } : {}),
    },
    body: new URLSearchParams({ username: 'sandbox', recipients: JSON.stringify(recipients(phoneNumber, amount)) }).toString(),
  });
}

function sendJson(url: string, body: unknown, key?: string) {
  return fetch(`${url}/version1/airtime/send`, {
    method: 'POST',
    headers: { apiKey: KEY, Accept: 'application/json', 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });
}

async function find(url: string, transactionId: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/query/transaction/find?${new URLSearchParams({ username: 'sandbox', transactionId })}`, {
    headers: { apiKey: KEY, Accept: 'application/json' },
  });
  return { status: response.status, body: await response.json() };
}

async function balanceText(url: string): Promise<string> {
  const response = await fetch(`${url}/version1/user?username=sandbox`, { headers: { apiKey: KEY, Accept: 'application/json' } });
  return ((await response.json()) as { UserData: { balance: string } }).UserData.balance;
}

describe("the emulator accepts sends as Africa's Talking does", () => {
  it('posted as a form (recipients JSON text) and as JSON (recipients a real array); other bodies are 400', async () => {
    const emu = await startEmulatorProcess(makeSandbox(), ['--delivery-delay', '60']);
    const form = await sendForm(emu.url, '+254712345601', 'KES 50', 'form-1');
    expect(form.status).toBe(201);
    expect(await form.json()).toMatchObject({
      errorMessage: 'None',
      numSent: 1,
      responses: [{ status: 'Sent', requestId: expect.stringMatching(/^ATQid_/) }],
    });

    const json = await sendJson(
      emu.url,
      { username: 'sandbox', recipients: recipients('+254712345602', 'KES 75'), maxNumRetry: 2 },
      'json-1',
    );
    expect(json.status).toBe(201);
    expect(await json.json()).toMatchObject({
      errorMessage: 'None',
      numSent: 1,
      totalAmount: 'KES 75.0000',
      totalDiscount: 'KES 3.0000',
      responses: [{ phoneNumber: '+254712345602', status: 'Sent', amount: 'KES 75.0000', requestId: expect.stringMatching(/^ATQid_/) }],
    });
    // The same key again is a duplicate, whichever way it is posted.
    expect((await sendForm(emu.url, '+254712345602', 'KES 75', 'json-1')).status).toBe(409);

    for (const bad of [
      { username: 'sandbox', recipients: JSON.stringify(recipients('+254712345603')) }, // a string, not an array
      { username: 'sandbox', recipients: [] },
      { recipients: recipients('+254712345603') },
      { username: 'sandbox', recipients: recipients('+254712345603'), maxNumRetry: -1 },
    ]) {
      const refused = await sendJson(emu.url, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
      expect(await refused.text()).toBe('The request contains bad syntax or cannot be fulfilled');
    }
    const text = await fetch(`${emu.url}/version1/airtime/send`, {
      method: 'POST',
      headers: { apiKey: KEY, 'Content-Type': 'text/plain' },
      body: 'hello',
    });
    expect(text.status).toBe(400);

    const state = (await (await fetch(`${emu.url}/__emulator/state`)).json()) as { accepted: { idempotencyKey: string }[] };
    expect(state.accepted.map((a) => a.idempotencyKey)).toEqual(['form-1', 'json-1']);
    expect((await emu.stop()).code).toBe(0);
  });
});

describe('the emulator answers status queries in the documented shape', () => {
  it("the lookup's status on top, the transaction under data; not found is a failed lookup with HTTP 200", async () => {
    const emu = await startEmulatorProcess(makeSandbox(), ['--delivery-delay', '0']);
    const sent = (await (await sendForm(emu.url, '+254712345604')).json()) as { responses: { requestId: string }[] };
    const requestId = sent.responses[0]?.requestId ?? '';
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await find(emu.url, requestId)).toEqual({
      status: 200,
      body: {
        status: 'Success',
        data: {
          requestId,
          transactionId: requestId,
          status: 'Success',
          description: 'Airtime Delivered Successfully',
          destination: '+254712345604',
          value: 'KES 50.0000',
          discount: 'KES 2.0000',
          creationTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
        },
      },
    });
    expect(await find(emu.url, 'ATQid_unknown')).toEqual({
      status: 200,
      body: { status: 'Failed', errorMessage: 'Transaction not found' },
    });

    // A test-only control makes it answer in the shapes a client must not misread.
    const control = (answer: string) => fetch(`${emu.url}/__emulator/find`, { method: 'POST', body: JSON.stringify({ answer }) });
    expect((await control('no-data')).status).toBe(200);
    expect(await find(emu.url, requestId)).toEqual({ status: 200, body: { status: 'Success' } });
    expect((await control('lookup-failed')).status).toBe(200);
    expect((await find(emu.url, requestId)).body).toMatchObject({ status: 'Failed' });
    expect((await control('sideways')).status).toBe(400);
    expect((await control('documented')).status).toBe(200);
    expect((await find(emu.url, requestId)).body).toMatchObject({ status: 'Success', data: { status: 'Success' } });
    await emu.stop();
  });

  it('while a delivery is in flight, data.status is Sent, and a failed delivery is Failed under a successful lookup', async () => {
    const sandbox = makeSandbox();
    const slow = await startEmulatorProcess(sandbox, ['--delivery-delay', '60']);
    const inFlight = (await (await sendForm(slow.url, '+254712345605')).json()) as { responses: { requestId: string }[] };
    expect((await find(slow.url, inFlight.responses[0]?.requestId ?? '')).body).toMatchObject({
      status: 'Success',
      data: { status: 'Sent' },
    });
    const failing = await startEmulatorProcess(sandbox, ['--delivery-delay', '0', '--delivery-failure-rate', '1']);
    const failed = (await (await sendForm(failing.url, '+254712345606')).json()) as { responses: { requestId: string }[] };
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await find(failing.url, failed.responses[0]?.requestId ?? '')).body).toMatchObject({
      status: 'Success',
      data: { status: 'Failed', description: 'Airtime Delivery Failed' },
    });
    await slow.stop();
    await failing.stop();
  });
});

describe('the emulator writes the balance', () => {
  it('as the live API does (no separators, four decimals), or with separators on request; airtime balance reads both', async () => {
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const live = await startEmulatorProcess(sandbox, ['--balance', 'KES 238747053.1747']);
    expect(await balanceText(live.url)).toBe('KES 238747053.1747');
    const plain = await runCli(['balance', '--json'], {
      sandbox,
      env: { AIRTIME_API_URL: live.url, AT_USERNAME: 'sandbox', AT_API_KEY: KEY },
    });
    expect(parseJson(plain)).toEqual({ ok: true, balance: 'KES 238747053.1747', currency: 'KES', amount: '238747053.1747' });

    const separated = await startEmulatorProcess(sandbox, ['--balance', 'KES 1234567.5', '--balance-format', 'separators']);
    expect(await balanceText(separated.url)).toBe('KES 1,234,567.5000');
    const read = await runCli(['balance', '--json'], {
      sandbox,
      env: { AIRTIME_API_URL: separated.url, AT_USERNAME: 'sandbox', AT_API_KEY: KEY },
    });
    expect(parseJson(read)).toEqual({ ok: true, balance: 'KES 1234567.50', currency: 'KES', amount: '1234567.50' });

    const wrong = await runCli(['emulator', '--balance-format', 'commas'], { sandbox });
    expect(wrong.code).toBe(2);
    await live.stop();
    await separated.stop();
  });
});

describe('the emulator asks the validation callback before accepting a recipient', () => {
  /** A validation endpoint that answers by phone number, and records what it was asked. */
  async function validator(answers: Record<string, (res: ServerResponse) => void>) {
    const asked: { contentType: string | undefined; fields: Record<string, unknown> }[] = [];
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const json = req.headers['content-type']?.startsWith('application/json');
        const fields = json ? (JSON.parse(body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(body));
        asked.push({ contentType: req.headers['content-type'], fields });
        const answer = answers[String(fields.phoneNumber)];
        if (answer) answer(res);
        else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"Validated"}');
      });
    });
    servers.add(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/validate`, asked };
  }
  const reply = (status: number, body: string) => (res: ServerResponse) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);

  it('Validated is accepted under the transactionId it was asked with; Failed, an error or no answer in time fail the recipient with the reason', async () => {
    const check = await validator({
      '+254712345611': reply(200, '{"status":"Failed"}'),
      '+254712345612': reply(500, 'oops'),
      '+254712345613': () => undefined, // never answers
      '+254712345614': reply(200, '{"ok":true}'),
    });
    const sandbox = makeSandbox();
    const emu = await startEmulatorProcess(sandbox, [
      '--validation-url',
      check.url,
      '--validation-timeout',
      '0.5',
      '--balance',
      'KES 1000',
    ]);

    const validated = (await (await sendForm(emu.url, '+254712345610')).json()) as { responses: Record<string, string>[] };
    expect(validated.responses[0]).toMatchObject({ status: 'Sent', errorMessage: 'None' });
    expect(check.asked[0]).toEqual({
      contentType: 'application/x-www-form-urlencoded',
      fields: {
        transactionId: validated.responses[0]?.requestId,
        phoneNumber: '+254712345610',
        sourceIpAddress: '127.0.0.1',
        currencyCode: 'KES',
        amount: '50',
      },
    });

    const refusals: [string, string][] = [
      ['+254712345611', 'Validation callback answered Failed'],
      ['+254712345612', 'Validation callback failed: HTTP 500'],
      ['+254712345613', 'Validation callback did not answer within 0.5 s'],
      ['+254712345614', 'Validation callback failed: no status in its answer'],
    ];
    for (const [phoneNumber, reason] of refusals) {
      const answer = (await (await sendForm(emu.url, phoneNumber)).json()) as Record<string, unknown>;
      expect(answer, phoneNumber).toMatchObject({
        errorMessage: 'Invalid Requests',
        numSent: 0,
        responses: [{ phoneNumber, status: 'Failed', requestId: 'None', errorMessage: reason }],
      });
    }
    // Only the validated send was accepted and debited.
    expect(await balanceText(emu.url)).toBe('KES 950.0000');
    const state = (await (await fetch(`${emu.url}/__emulator/state`)).json()) as {
      accepted: unknown[];
      validations: { outcome: string }[];
    };
    expect(state.accepted).toHaveLength(1);
    expect(state.validations.map((v) => v.outcome)).toEqual(['Validated', ...refusals.map(([, reason]) => reason)]);

    // The CLI sees a refused recipient as a rejection: exit 1, nothing sent, the reason shown.
    writeUserConfig(sandbox, FAST);
    const cli = await runCli(['send', '+254712345611', '60', '--json'], {
      sandbox,
      env: { AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: KEY },
    });
    expect(cli.code).toBe(1);
    expect(parseJson(cli)).toMatchObject({
      ok: false,
      state: 'failed',
      error: { code: 'REJECTED', message: 'Validation callback answered Failed' },
    });
    await emu.stop();
  });

  it('posts JSON, the amount a number, with --callback-format json', async () => {
    const check = await validator({});
    const emu = await startEmulatorProcess(makeSandbox(), ['--validation-url', check.url, '--callback-format', 'json']);
    const answer = (await (
      await sendJson(emu.url, { username: 'sandbox', recipients: recipients('+254712345615', 'KES 12.5') })
    ).json()) as {
      responses: { requestId: string }[];
    };
    expect(check.asked).toEqual([
      {
        contentType: 'application/json',
        fields: {
          transactionId: answer.responses[0]?.requestId,
          phoneNumber: '+254712345615',
          sourceIpAddress: '127.0.0.1',
          currencyCode: 'KES',
          amount: 12.5,
        },
      },
    ]);
    await emu.stop();
  });
});
