// `airtime serve` end to end: the built binary as a server process, real HTTP on 127.0.0.1, the
// emulator for Africa's Talking, and the ledger file read the way an auditor would.
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type CliResult,
  collect,
  FAST,
  ledgerPath,
  makeSandbox,
  parseJson,
  runCli,
  type Sandbox,
  spawnCli,
  waitFor,
  writeUserConfig,
} from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { rawDatabase, readLedger } from '../helpers/ledger.js';

const TOKEN = 'whk_e2e_7c1f0a9d3b5e42_never_logged';
const PHONE = '+254712345678';

interface Serving {
  url: string;
  child: ChildProcess;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

const children = new Set<ChildProcess>();
/** Every serve process's stdout and stderr, searched for the token at the end. */
const transcripts: string[] = [];

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

afterAll(() => {
  expect(transcripts.length).toBeGreaterThan(10);
  for (const text of transcripts) expect(text).not.toContain(TOKEN);
});

function fastSandbox(config: Record<string, unknown> = {}): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, ...config });
  return sandbox;
}

/** Starts `airtime serve --port 0 …` and reads its address from the first stdout line. */
async function startServe(sandbox: Sandbox, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const child = spawnCli(['serve', '--port', '0', ...args], { sandbox, env: { AIRTIME_WEBHOOK_TOKEN: TOKEN, ...env } });
  children.add(child);
  const done = collect(child, { keepStdinOpen: true, timeoutMs: 60_000 }).then((result) => {
    children.delete(child);
    transcripts.push(result.stdout + result.stderr);
    return result;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer | string) => {
      buffer += chunk.toString();
      if (buffer.includes('\n')) resolve(buffer.split('\n')[0] ?? '');
    });
    void done.then((result) => reject(new Error(`serve exited ${result.code} before printing its address: ${result.stderr}`)));
  });
  const url = firstLine.startsWith('{')
    ? String((JSON.parse(firstLine) as { url: string }).url)
    : firstLine.replace('AIRTIME_SERVE_URL=', '');
  return {
    url,
    child,
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
      return done;
    },
  };
}

function callback(url: string, path: string, fields: Record<string, unknown>, encoding: 'json' | 'form', token: string | null = TOKEN) {
  const query = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return fetch(`${url}${path}${query}`, {
    method: 'POST',
    headers: { 'Content-Type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields as Record<string, string>).toString(),
  });
}

function postSend(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Sends through the CLI, the way a user fills the ledger. */
async function send(sandbox: Sandbox, env: NodeJS.ProcessEnv, phone: string, amount: string, key: string, extra: string[] = []) {
  const result = await runCli(['send', phone, amount, '--key', key, '--json', ...extra], { sandbox, env });
  return { code: result.code, doc: parseJson(result) };
}

async function statusOf(sandbox: Sandbox, env: NodeJS.ProcessEnv, key: string): Promise<Record<string, unknown>> {
  const doc = parseJson(await runCli(['status', key, '--json'], { sandbox, env }));
  return (doc.transactions as Record<string, unknown>[])[0] ?? {};
}

/** The whole ledger, transactions and events, to prove a refused request changed nothing. */
function snapshot(sandbox: Sandbox): { transactions: unknown[]; events: unknown[] } {
  const db = rawDatabase(ledgerPath(sandbox), { readonly: true, fileMustExist: true });
  try {
    return {
      transactions: db.all('SELECT * FROM transactions ORDER BY id'),
      events: db.all('SELECT * FROM events ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

function orphanEvents(sandbox: Sandbox): { kind: string; payload: Record<string, unknown> }[] {
  return (snapshot(sandbox).events as { transaction_id: number | null; kind: string; payload: string }[])
    .filter((e) => e.transaction_id === null)
    .map((e) => ({ kind: e.kind, payload: JSON.parse(e.payload) as Record<string, unknown> }));
}

describe('airtime serve: start and stop', () => {
  it('refuses to start without a token, and refuses --enable-send without one', async () => {
    const sandbox = fastSandbox();
    const bare = await runCli(['serve', '--port', '0'], { sandbox });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--token');
    expect(bare.stderr).toContain('AIRTIME_WEBHOOK_TOKEN');
    const insecureSend = await runCli(['serve', '--port', '0', '--insecure-no-token', '--enable-send'], { sandbox });
    expect(insecureSend.code).toBe(2);
    expect(insecureSend.stderr).toContain('--enable-send refuses --insecure-no-token');
    const evenWithToken = await runCli(['serve', '--port', '0', '--insecure-no-token', '--enable-send', '--json'], {
      sandbox,
      env: { AIRTIME_WEBHOOK_TOKEN: TOKEN },
    });
    expect(evenWithToken.code).toBe(2);
    expect(parseJson(evenWithToken)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    const busy = await startServe(sandbox);
    const taken = await runCli(['serve', '--port', new URL(busy.url).port], { sandbox, env: { AIRTIME_WEBHOOK_TOKEN: TOKEN } });
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('the port is in use');
    await busy.stop();
  });

  it('prints its address first, answers /healthz, and exits 0 on SIGTERM and on SIGINT', async () => {
    const sandbox = fastSandbox();
    const serving = await startServe(sandbox);
    expect(serving.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${serving.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const stopped = await serving.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe(`AIRTIME_SERVE_URL=${serving.url}\n`);
    expect(stopped.stderr).toMatch(/GET \/healthz 200 [\d.]+ms/);
    expect(stopped.stderr).toContain('SIGTERM: finishing the requests in flight');

    const insecure = await startServe(sandbox, ['--insecure-no-token'], { AIRTIME_WEBHOOK_TOKEN: '' });
    expect((await callback(insecure.url, '/callbacks/status', { requestId: 'ATQid_x', status: 'Success' }, 'form', null)).status).toBe(200);
    const interrupted = await insecure.stop('SIGINT');
    expect(interrupted.code).toBe(0);
    expect(interrupted.stderr).toContain('--insecure-no-token: anyone who can reach this port');
  });

  it('on SIGTERM answers the send in flight, answers new sends 503 meanwhile, still takes callbacks, then exits 0', async () => {
    const emu = await emulator({ latencyMs: 1500 });
    const sandbox = fastSandbox({ timeout: 5 });
    const serving = await startServe(sandbox, ['--enable-send'], emulatorEnv(emu));
    let stderr = '';
    serving.child.stderr?.on('data', (chunk: Buffer | string) => {
      stderr += chunk.toString();
    });
    const inFlight = postSend(serving.url, { phone: PHONE, amount: '50' }, { 'Idempotency-Key': 'in-flight-1' });
    await waitFor(() => readLedger(ledgerPath(sandbox)).length === 1, 5000, 'the claimed row');
    const stopping = serving.stop('SIGTERM');
    await waitFor(() => stderr.includes('SIGTERM:'), 5000, 'the signal to be taken');
    // The budget from the settings: duplicate window 300 s + timeout 5 s + 10 s of ledger waits.
    expect(stderr).toContain('SIGTERM: new sends get 503; finishing 1 send(s) in flight (within 315 s)');
    const refused = await postSend(serving.url, { phone: '+254712345679', amount: '50' }, { 'Idempotency-Key': 'too-late-1' });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ ok: false, error: { code: 'SHUTTING_DOWN' } });
    expect((await fetch(`${serving.url}/healthz`)).status).toBe(503);
    const delivered = await callback(serving.url, '/callbacks/status', { requestId: 'ATQid_meanwhile', status: 'Success' }, 'form');
    expect(delivered.status).toBe(200);
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ ok: true, state: 'sent', idempotencyKey: 'in-flight-1' });
    expect((await stopping).code).toBe(0);
    expect(readLedger(ledgerPath(sandbox))).toMatchObject([{ idempotency_key: 'in-flight-1', state: 'sent', owner_pid: null }]);
    expect(emu.state().sends.map((s) => s.idempotencyKey)).toEqual(['in-flight-1']);
  });
});

describe('POST /send', () => {
  it('is off without --enable-send, and GET /send is 405 either way', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const off = await startServe(sandbox, [], emulatorEnv(emu));
    const refused = await postSend(off.url, { phone: PHONE, amount: '50' });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toMatchObject({ ok: false, error: { message: expect.stringContaining('--enable-send') } });
    expect((await fetch(`${off.url}/send?phone=${encodeURIComponent(PHONE)}&amount=50`)).status).toBe(405);
    await off.stop();

    const on = await startServe(sandbox, ['--enable-send'], emulatorEnv(emu));
    const crawled = await fetch(`${on.url}/send?phone=${encodeURIComponent(PHONE)}&amount=50`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(crawled.status).toBe(405);
    expect(crawled.headers.get('allow')).toBe('POST');
    expect(await crawled.json()).toMatchObject({
      error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('a link must never move money') },
    });
    await on.stop();
    expect(emu.state().sends).toHaveLength(0);
  });

  it('needs the bearer token: 401 without it, with a wrong one, or with it in the query; nothing is sent', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const serving = await startServe(sandbox, ['--enable-send'], emulatorEnv(emu));
    const body = JSON.stringify({ phone: PHONE, amount: '50' });
    const attempts = [
      fetch(`${serving.url}/send`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }),
      fetch(`${serving.url}/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}x` },
        body,
      }),
      fetch(`${serving.url}/send`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Basic ${TOKEN}` },
        body,
      }),
      fetch(`${serving.url}/send?token=${TOKEN}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    await serving.stop();
    expect(emu.state().sends).toHaveLength(0);
    expect(readLedger(ledgerPath(sandbox))).toHaveLength(0);
  });

  it('sends once, replays a repeated key, and refuses the key for another send', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const serving = await startServe(sandbox, ['--enable-send'], env);
    const first = await postSend(serving.url, { phone: '+254 712 345 678', amount: 50 }, { 'Idempotency-Key': 'order-1' });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotency-key')).toBe('order-1');
    const doc = (await first.json()) as Record<string, unknown>;
    expect(doc).toEqual({
      ok: true,
      status: 'Sent',
      state: 'sent',
      phoneNumber: PHONE,
      amount: '50.00',
      currency: 'KES',
      idempotencyKey: 'order-1',
      requestId: expect.stringMatching(/^ATQid_/),
      discount: 'KES 2.0000',
      errorMessage: null,
      replayed: false,
      attempts: 1,
      environment: 'sandbox',
    });
    const again = await postSend(serving.url, { phone: PHONE, amount: '50.00', currency: 'KES' }, { 'Idempotency-Key': 'order-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ ok: true, replayed: true, requestId: doc.requestId });
    const conflict = await postSend(serving.url, { phone: PHONE, amount: '60' }, { 'Idempotency-Key': 'order-1' });
    expect(conflict.status).toBe(422);
    expect(await conflict.json()).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect(emu.acceptancesByKey().get('order-1')).toBe(1);
    expect(emu.state().sends).toHaveLength(1);
    // The same ledger as `airtime send`: the CLI replays the HTTP send too.
    expect((await send(sandbox, env, PHONE, '50', 'order-1')).doc).toMatchObject({ replayed: true, requestId: doc.requestId });
    expect(await statusOf(sandbox, env, 'order-1')).toMatchObject({ state: 'sent', requestId: doc.requestId });
    const stopped = await serving.stop();
    expect(stopped.stderr).toMatch(/POST \/send 200 [\d.]+ms sent KES 50\.00 to \+254712345678, key order-1/);
    expect(stopped.stderr).toMatch(/POST \/send 200 [\d.]+ms sent \(replayed\)/);
  });

  it('counts HTTP and CLI sends against one limits.daily, and refuses past it with 403, nothing sent', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox({ limits: { daily: { KES: 100 } } });
    const env = emulatorEnv(emu);
    expect((await send(sandbox, env, PHONE, '40', 'cli-1')).code).toBe(0);
    const serving = await startServe(sandbox, ['--enable-send'], env);
    const fits = await postSend(serving.url, { phone: PHONE, amount: '60' }, { 'Idempotency-Key': 'http-1' });
    expect(fits.status).toBe(200);
    const over = await postSend(serving.url, { phone: PHONE, amount: '10' }, { 'Idempotency-Key': 'http-2' });
    expect(over.status).toBe(403);
    expect(await over.json()).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED' } });
    expect(emu.state().sends).toHaveLength(2);
    expect(readLedger(ledgerPath(sandbox)).map((r) => r.idempotency_key)).toEqual(['cli-1', 'http-1']);
    await serving.stop();
  });

  it('generates a key when none is given, and returns it in the header and the body', async () => {
    const emu = await emulator();
    const serving = await startServe(fastSandbox(), ['--enable-send'], emulatorEnv(emu));
    const response = await postSend(serving.url, { phone: PHONE, amount: '50' });
    expect(response.status).toBe(200);
    const key = response.headers.get('idempotency-key');
    expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(((await response.json()) as { idempotencyKey: string }).idempotencyKey).toBe(key);
    expect(emu.acceptancesByKey().get(key ?? '')).toBe(1);
    await serving.stop();
  });

  it('sends once when requests with one key arrive together', async () => {
    const emu = await emulator({ latencyMs: 300 });
    const sandbox = fastSandbox({ timeout: 5 });
    const serving = await startServe(sandbox, ['--enable-send'], emulatorEnv(emu));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => postSend(serving.url, { phone: PHONE, amount: '50' }, { 'Idempotency-Key': 'race-1' })),
    );
    const docs = (await Promise.all(answers.map((a) => a.json()))) as { ok: boolean; replayed: boolean; requestId: string }[];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(docs.filter((d) => !d.replayed)).toHaveLength(1);
    expect(new Set(docs.map((d) => d.requestId)).size).toBe(1);
    expect(emu.state().sends).toHaveLength(1);
    expect(emu.acceptancesByKey().get('race-1')).toBe(1);
    await serving.stop();
  });

  it('answers bad input with 400 or 415 and sends nothing', async () => {
    const emu = await emulator();
    const serving = await startServe(fastSandbox(), ['--enable-send'], emulatorEnv(emu));
    const cases: [unknown, Record<string, string>, number, string][] = [
      ['{"phone":', {}, 400, 'BAD_REQUEST'],
      [{ amount: '50' }, {}, 400, 'USAGE'],
      [{ phone: '+254202345678', amount: '50' }, {}, 400, 'INVALID_PHONE'],
      [{ phone: PHONE, amount: '1e3' }, {}, 400, 'INVALID_AMOUNT'],
      [{ phone: PHONE, amount: '50' }, { 'Idempotency-Key': 'has space' }, 400, 'USAGE'],
      [
        `phone=${encodeURIComponent(PHONE)}&amount=50`,
        { 'Content-Type': 'application/x-www-form-urlencoded' },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
    ];
    for (const [body, headers, status, code] of cases) {
      const response = await postSend(serving.url, body, headers);
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ ok: false, error: { code } });
    }
    await serving.stop();
    expect(emu.state().sends).toHaveLength(0);
  });
});

describe('status callbacks', () => {
  it('settle sent transactions from JSON and form bodies, idempotently, Success winning; visible through status --json', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const json = (await send(sandbox, env, PHONE, '50', 'k-json')).doc;
    const form = (await send(sandbox, env, '+254712345679', '100', 'k-form')).doc;
    const serving = await startServe(sandbox, [], env);
    const delivered = {
      phoneNumber: PHONE,
      description: 'Airtime Delivered Successfully',
      status: 'Success',
      requestId: json.requestId,
      discount: 'KES 2.0000',
      value: 'KES 50.0000',
    };
    const first = await callback(serving.url, '/callbacks/status', delivered, 'json');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, outcome: 'updated' });
    const failed = {
      ...delivered,
      phoneNumber: '+254712345679',
      status: 'Failed',
      description: 'Airtime Delivery Failed',
      requestId: String(form.requestId),
      value: 'KES 100.0000',
    };
    expect((await callback(serving.url, '/callbacks/status', failed, 'form')).status).toBe(200);
    expect(await statusOf(sandbox, env, 'k-json')).toMatchObject({ state: 'delivered', status: 'Success', errorMessage: null });
    expect(await statusOf(sandbox, env, 'k-form')).toMatchObject({
      state: 'failed',
      status: 'Failed',
      errorMessage: 'Airtime Delivery Failed',
    });

    const before = snapshot(sandbox);
    const repeat = await callback(serving.url, '/callbacks/status', delivered, 'form');
    expect(await repeat.json()).toEqual({ ok: true, outcome: 'unchanged' });
    expect(snapshot(sandbox)).toEqual(before);
    const late = await callback(
      serving.url,
      '/callbacks/status',
      { ...delivered, status: 'Failed', description: 'Airtime Delivery Failed' },
      'json',
    );
    expect(await late.json()).toEqual({ ok: true, outcome: 'unchanged' });
    expect(await statusOf(sandbox, env, 'k-json')).toMatchObject({ state: 'delivered' });
    const stopped = await serving.stop();
    expect(stopped.stderr).toMatch(/POST \/callbacks\/status 200 [\d.]+ms delivered ATQid_\w+ \(key k-json\)/);
    expect(stopped.stderr).toMatch(/POST \/callbacks\/status 200 [\d.]+ms failed ATQid_\w+ \(key k-form\)/);
  });

  it('settle an unknown send whose answer was lost, and keep an unknown requestId as an orphan event', async () => {
    const emu = await emulator({ faultScript: ['hang'] });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const lost = await send(sandbox, env, PHONE, '20', 'k-lost', ['--timeout', '0.3']);
    expect(lost).toMatchObject({ code: 5, doc: { state: 'unknown', requestId: null } });
    const accepted = emu.state().accepted[0];
    expect(accepted?.idempotencyKey).toBe('k-lost');
    const serving = await startServe(sandbox, [], env);
    const fields = {
      phoneNumber: PHONE,
      description: 'Airtime Delivered Successfully',
      status: 'Success',
      requestId: accepted?.requestId,
      discount: 'KES 0.8000',
      value: accepted?.value,
    };
    expect((await callback(serving.url, '/callbacks/status', fields, 'form')).status).toBe(200);
    expect(await statusOf(sandbox, env, 'k-lost')).toMatchObject({
      state: 'delivered',
      requestId: accepted?.requestId,
      discount: 'KES 0.8000',
    });
    // The key now replays as delivered, exit 0: the lost answer has been found.
    expect(await send(sandbox, env, PHONE, '20', 'k-lost')).toMatchObject({
      code: 0,
      doc: { ok: true, replayed: true, state: 'delivered' },
    });

    const orphan = { ...fields, requestId: 'ATQid_not_ours', phoneNumber: '+254712000000' };
    const response = await callback(serving.url, '/callbacks/status', orphan, 'json');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: 'orphan' });
    expect(orphanEvents(sandbox)).toEqual([{ kind: 'orphan-callback', payload: orphan }]);
    const stopped = await serving.stop();
    expect(stopped.stderr).toContain('(key k-lost, was unknown)');
    expect(stopped.stderr).toContain('orphan ATQid_not_ours');
  });

  it('never settle across environments: a sandbox callback is not adopted by a live send, nor a live send settled by a serve with no username', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const sandboxEnv = emulatorEnv(emu);
    const liveEnv = emulatorEnv(emu, { AT_USERNAME: 'acme' });
    const fields = (requestId: string) => ({
      phoneNumber: PHONE,
      description: 'Airtime Delivered Successfully',
      status: 'Success',
      requestId,
      discount: 'KES 0.8000',
      value: 'KES 20.0000',
    });
    const sandboxServe = await startServe(sandbox, [], sandboxEnv);
    /** A send Africa's Talking accepts and never answers; `meanwhile` runs while it waits. */
    const losingAnswer = async (env: NodeJS.ProcessEnv, key: string, meanwhile: () => Promise<void>) => {
      emu.script(['hang']);
      const accepted = emu.state().accepted.length;
      const child = spawnCli(['send', PHONE, '20', '--key', key, '--timeout', '1.5', '--retries', '0', '--json'], { sandbox, env });
      const done = collect(child);
      await waitFor(() => emu.state().accepted.length > accepted, 5000, 'the acceptance');
      await meanwhile();
      expect((await done).code).toBe(5);
    };
    const post = async (url: string, requestId: string) =>
      (await (await callback(url, '/callbacks/status', fields(requestId), 'form')).json()) as unknown;

    // While a live send waits for its answer, the sandbox serve gets a callback of the same number
    // and value: a sandbox transaction's, kept as the sandbox's orphan. The live send is not it.
    await losingAnswer(liveEnv, 'k-live-lost', async () =>
      expect(await post(sandboxServe.url, 'ATQid_sandbox')).toEqual({ ok: true, outcome: 'orphan' }),
    );
    expect(await statusOf(sandbox, liveEnv, 'k-live-lost')).toMatchObject({ state: 'unknown', requestId: null });
    // The same in the sandbox: adopted (the control).
    await losingAnswer(sandboxEnv, 'k-sandbox-lost', async () =>
      expect(await post(sandboxServe.url, 'ATQid_sandbox2')).toEqual({ ok: true, outcome: 'orphan' }),
    );
    expect(await statusOf(sandbox, sandboxEnv, 'k-sandbox-lost')).toMatchObject({ state: 'delivered', requestId: 'ATQid_sandbox2' });
    await sandboxServe.stop();

    // A serve with no username cannot tell whose a callback is: it settles nothing by value.
    const unscoped = await startServe(sandbox, [], { ...sandboxEnv, AT_USERNAME: '' });
    expect(await post(unscoped.url, 'ATQid_whose')).toEqual({ ok: true, outcome: 'orphan' });
    const stopped = await unscoped.stop();
    expect(stopped.stderr).toContain('no username is configured');
    expect(await statusOf(sandbox, liveEnv, 'k-live-lost')).toMatchObject({ state: 'unknown', requestId: null });
  });

  it('answer 401 to a missing or wrong token, and leave the ledger unchanged', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const sent = (await send(sandbox, env, PHONE, '50', 'k-auth')).doc;
    const serving = await startServe(sandbox, [], env);
    const before = snapshot(sandbox);
    const fields = { requestId: sent.requestId, status: 'Failed', phoneNumber: PHONE, value: 'KES 50.0000' };
    const validation = { transactionId: 'T-auth', phoneNumber: PHONE, currencyCode: 'KES', amount: '50' };
    const answers = await Promise.all([
      callback(serving.url, '/callbacks/status', fields, 'form', null),
      callback(serving.url, '/callbacks/status', fields, 'json', 'wrong-token'),
      callback(serving.url, '/callbacks/status', fields, 'json', TOKEN.slice(0, -1)),
      callback(serving.url, '/callbacks/status', fields, 'json', ''),
      fetch(`${serving.url}/callbacks/status`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: new URLSearchParams(fields as Record<string, string>),
      }),
      callback(serving.url, '/callbacks/validation', validation, 'json', null),
      callback(serving.url, '/callbacks/validation', validation, 'form', 'wrong-token'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect(await answers[0]?.json()).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: 'missing or wrong ?token=' } });
    expect(snapshot(sandbox)).toEqual(before);
    expect(await statusOf(sandbox, env, 'k-auth')).toMatchObject({ state: 'sent' });
    const stopped = await serving.stop();
    expect(stopped.stderr.match(/ 401 /g)).toHaveLength(7);
  });

  it('answer 400 to malformed bodies, 413 to 100 KiB and 405 to GET, and leave the ledger unchanged', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await send(sandbox, env, PHONE, '50', 'k-bad');
    const serving = await startServe(sandbox, [], env);
    const before = snapshot(sandbox);
    const post = (body: string, type = 'application/json') =>
      fetch(`${serving.url}/callbacks/status?token=${TOKEN}`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const cases: [Promise<Response>, number, string][] = [
      [post('{"requestId": "ATQid_1", "status": '), 400, 'the body is not valid JSON'],
      [post('["requestId","status"]'), 400, 'the body must be a JSON object'],
      [post('status=Success', 'application/x-www-form-urlencoded'), 400, 'missing field requestId'],
      [post('requestId=ATQid_1&status=Success&value=fifty', 'application/x-www-form-urlencoded'), 400, 'the field value must read like'],
      [post('{"requestId":1,"status":"Success"}'), 400, 'the field requestId must be a string'],
      [post('<xml/>', 'application/xml'), 415, 'send the body as'],
      [
        post(JSON.stringify({ requestId: 'ATQid_1', status: 'Success', description: 'x'.repeat(100 * 1024) })),
        413,
        'over the 64 KiB limit',
      ],
      [fetch(`${serving.url}/callbacks/status?token=${TOKEN}`), 405, 'use POST'],
      [fetch(`${serving.url}/callbacks/elsewhere?token=${TOKEN}`, { method: 'POST' }), 404, 'no such endpoint'],
    ];
    for (const [pending, status, message] of cases) {
      const response = await pending;
      expect(response.status).toBe(status);
      const body = (await response.json()) as { ok: boolean; error: { message: string } };
      expect(body.ok).toBe(false);
      expect(body.error.message).toContain(message);
    }
    const validation = await callback(
      serving.url,
      '/callbacks/validation',
      { transactionId: 'T1', phoneNumber: PHONE, currencyCode: 'KES' },
      'json',
    );
    expect(validation.status).toBe(400);
    expect(await validation.json()).toMatchObject({ error: { message: 'missing field amount' } });
    expect(snapshot(sandbox)).toEqual(before);
    expect((await fetch(`${serving.url}/healthz`)).status).toBe(200);
    expect((await serving.stop()).code).toBe(0);
  });
});

describe('validation callbacks', () => {
  it('are Validated for a transaction of this ledger, once per transactionId, and Failed for anything else', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await send(sandbox, env, PHONE, '50', 'k-v1');
    await send(sandbox, env, '+254712345679', '75.50', 'k-v2');
    const serving = await startServe(sandbox, [], env);
    const ask = async (fields: Record<string, unknown>, encoding: 'json' | 'form') => {
      const response = await callback(serving.url, '/callbacks/validation', fields, encoding);
      expect(response.status).toBe(200);
      return ((await response.json()) as { status: string }).status;
    };
    const base = { transactionId: 'AT-T1', phoneNumber: PHONE, sourceIpAddress: '203.0.113.10', currencyCode: 'KES', amount: 50 };
    expect(await ask(base, 'json')).toBe('Validated');
    expect(await ask(base, 'json')).toBe('Validated'); // the same transactionId again: the same answer
    expect(await ask({ ...base, transactionId: 'AT-T2' }, 'json')).toBe('Failed'); // the row approved AT-T1 already
    expect(await ask({ ...base, transactionId: 'AT-T3', phoneNumber: '+254712345679', amount: '75.50' }, 'form')).toBe('Validated');
    expect(await ask({ ...base, transactionId: 'AT-T4', amount: '50.01' }, 'form')).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-T5', phoneNumber: '+254712000000' }, 'json')).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-T6', currencyCode: 'UGX' }, 'json')).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-T7', amount: '20000' }, 'json')).toBe('Failed');

    const rows = readLedger(ledgerPath(sandbox));
    expect(rows.map((r) => [r.idempotency_key, r.validated_transaction_id, r.state])).toEqual([
      ['k-v1', 'AT-T1', 'sent'],
      ['k-v2', 'AT-T3', 'sent'],
    ]);
    expect(orphanEvents(sandbox).map((e) => e.kind)).toEqual(Array(5).fill('validation-refused'));
    const stopped = await serving.stop();
    expect(stopped.stderr).toMatch(
      /POST \/callbacks\/validation 200 [\d.]+ms Validated transactionId AT-T1 \(KES 50\.00 to \+254712345678\): matches key k-v1/,
    );
    expect(stopped.stderr).toContain(
      'Failed transactionId AT-T2 (KES 50.00 to +254712345678): the matching transaction (key k-v1) already approved another transactionId',
    );
    expect(stopped.stderr).toContain(
      'Failed transactionId AT-T5 (KES 50.00 to +254712000000): no transaction of this ledger sends KES 50.00 to +254712000000',
    );
    expect(stopped.stderr).toContain('above the per-recipient limit');
  });

  it('are Failed for a source outside serve.allowedSourceIps and for a transaction older than serve.validationMaxAge (default 10 minutes)', async () => {
    const emu = await emulator();
    // No validationMaxAge in the config: the default is what is tested.
    const sandbox = fastSandbox({ serve: { allowedSourceIps: ['203.0.113.10'] } });
    const env = emulatorEnv(emu);
    await send(sandbox, env, PHONE, '50', 'k-old');
    await send(sandbox, env, '+254712345679', '50', 'k-ip');
    await send(sandbox, env, '+254712345677', '50', 'k-nine');
    // Eleven minutes pass for k-old and nine for k-nine, as far as the ledger can tell.
    const db = rawDatabase(ledgerPath(sandbox));
    const age = db.statement(
      'UPDATE transactions SET created_at = created_at - ?, first_attempt_at = first_attempt_at - ? WHERE idempotency_key = ?',
    );
    age.run(660_000, 660_000, 'k-old');
    age.run(540_000, 540_000, 'k-nine');
    db.close();
    const serving = await startServe(sandbox, [], env);
    const ask = async (fields: Record<string, unknown>) =>
      ((await (await callback(serving.url, '/callbacks/validation', fields, 'json')).json()) as { status: string }).status;
    const base = { transactionId: 'AT-1', phoneNumber: PHONE, sourceIpAddress: '203.0.113.10', currencyCode: 'KES', amount: '50.00' };
    expect(await ask(base)).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-2', phoneNumber: '+254712345679', sourceIpAddress: '198.51.100.1' })).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-3', phoneNumber: '+254712345679', sourceIpAddress: undefined })).toBe('Failed');
    expect(await ask({ ...base, transactionId: 'AT-4', phoneNumber: '+254712345679' })).toBe('Validated');
    expect(await ask({ ...base, transactionId: 'AT-5', phoneNumber: '+254712345677' })).toBe('Validated');
    const stopped = await serving.stop();
    expect(stopped.stderr).toMatch(/\(key k-old\) is 66\d s old, over serve\.validationMaxAge \(600 s\)/);
    expect(stopped.stderr).toContain('source 198.51.100.1 is not in serve.allowedSourceIps');
  });
});

describe('the whole loop', () => {
  it('emulator → serve → ledger: an accepted send ends delivered through the status callback', async () => {
    const sandbox = fastSandbox();
    const serving = await startServe(sandbox);
    const emulatorChild = spawnCli(
      [
        'emulator',
        '--port',
        '0',
        '--callback-url',
        `${serving.url}/callbacks/status?token=${TOKEN}`,
        '--delivery-delay',
        '0.2',
        '--callback-format',
        'json',
      ],
      { sandbox },
    );
    children.add(emulatorChild);
    const emulatorDone = collect(emulatorChild, { keepStdinOpen: true });
    const apiUrl = await new Promise<string>((resolve) => {
      emulatorChild.stdout?.once('data', (chunk: Buffer | string) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
    });
    const env = { AIRTIME_API_URL: apiUrl, AT_USERNAME: 'sandbox', AT_API_KEY: 'loop-key' };
    const sent = await send(sandbox, env, PHONE, '50', 'loop-1');
    expect(sent).toMatchObject({ code: 0, doc: { state: 'sent' } });
    await waitFor(() => readLedger(ledgerPath(sandbox))[0]?.state === 'delivered', 10_000, 'the delivery callback');
    expect(await statusOf(sandbox, env, 'loop-1')).toMatchObject({ state: 'delivered', status: 'Success', requestId: sent.doc.requestId });
    emulatorChild.kill('SIGTERM');
    expect((await emulatorDone).code).toBe(0);
    const stopped = await serving.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toMatch(/POST \/callbacks\/status 200 [\d.]+ms delivered ATQid_\w+ \(key loop-1\)/);
  });
});

describe('logs', () => {
  it('are JSON lines with --json, one per request, and never hold the token', async () => {
    const sandbox = fastSandbox();
    const serving = await startServe(sandbox, ['--json', '--token', TOKEN]);
    await fetch(`${serving.url}/healthz`);
    await callback(serving.url, '/callbacks/status', { requestId: 'ATQid_1', status: 'Success' }, 'form');
    await callback(serving.url, '/callbacks/status', { requestId: 'ATQid_1', status: 'Success' }, 'form', `${TOKEN}-wrong`);
    await fetch(`${serving.url}/callbacks/status&token=${TOKEN}`, { method: 'POST' });
    const stopped = await serving.stop();
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({ ok: true, url: serving.url, send: false });
    const lines = stopped.stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.method, e.path, e.status])).toEqual([
      ['GET', '/healthz', 200],
      ['POST', '/callbacks/status', 200],
      ['POST', '/callbacks/status', 401],
      ['POST', '/callbacks/status&token=[redacted]', 404],
    ]);
    for (const entry of entries) {
      expect(entry).toEqual({
        time: expect.stringMatching(/Z$/),
        method: expect.any(String),
        path: expect.any(String),
        status: expect.any(Number),
        ms: expect.any(Number),
        decision: expect.any(String),
      });
    }
    expect(entries[1]?.decision).toBe('orphan ATQid_1: no transaction matches; kept as an event');
    expect(stopped.stderr).toContain('--token shows in `ps`');
    expect(stopped.stdout + stopped.stderr).not.toContain(TOKEN);
  });
});
