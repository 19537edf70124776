// `status --refresh` and `status --wait` against every shape a find answer can take. Only the
// transaction's own status (`data.status`) may change a row; the top-level status is the lookup's.
// A failed lookup read as a failed transaction invites paying again money that was paid.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type FindShape, startEmulator } from '../../src/emulator/server.js';
import { FAST, ledgerPath, makeSandbox, parseJson, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { rawDatabase, readLedger } from '../helpers/ledger.js';

let delivering: Emulator;
let failing: Emulator;
let inFlight: Emulator;
let stranger: Emulator;
let sandbox: Sandbox;

const env = (emu: Emulator): NodeJS.ProcessEnv => ({ AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'status-key' });

let phone = 0;
/** Sends through the CLI; the row is `sent`, with the emulator's requestId. */
async function sent(emu: Emulator, key: string): Promise<string> {
  phone += 1;
  const result = await runCli(['send', `+2547123450${String(phone).padStart(2, '0')}`, '50', '--key', key, '--json'], {
    sandbox,
    env: env(emu),
  });
  expect(result.code, result.stderr).toBe(0);
  return String(parseJson(result).requestId);
}

function states(): Record<string, string> {
  return Object.fromEntries(readLedger(ledgerPath(sandbox)).map((row) => [row.idempotency_key, row.state]));
}

async function refresh(emu: Emulator, key: string) {
  const result = await runCli(['status', key, '--refresh', '--json'], { sandbox, env: env(emu) });
  return { ...result, state: (parseJson(result).transactions as { state: string }[])[0]?.state };
}

async function wait(emu: Emulator, key: string, seconds: string) {
  const result = await runCli(['status', key, '--wait', '--wait-timeout', seconds, '--json'], { sandbox, env: env(emu) });
  return { ...result, state: (parseJson(result).transactions as { state: string }[])[0]?.state };
}

beforeAll(async () => {
  delivering = await startEmulator({ port: 0, deliveryDelayMs: 0 });
  failing = await startEmulator({ port: 0, deliveryDelayMs: 0, deliveryFailureRate: 1 });
  // Accepted, never delivered while the tests run: Africa's Talking still says `Sent`.
  inFlight = await startEmulator({ port: 0, deliveryDelayMs: 3_600_000 });
  // Knows none of the transactions: every lookup is "not found".
  stranger = await startEmulator({ port: 0 });
  sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
});

afterAll(async () => {
  await Promise.all([delivering, failing, inFlight, stranger].map((emu) => emu.close()));
});

describe('status reads the transaction from data.status', () => {
  it('delivered: --refresh records it, --wait exits 0', async () => {
    await sent(delivering, 'st-delivered-1');
    await sent(delivering, 'st-delivered-2');
    const refreshed = await refresh(delivering, 'st-delivered-1');
    expect(refreshed.code).toBe(0);
    expect(refreshed.state).toBe('delivered');
    const waited = await wait(delivering, 'st-delivered-2', '5');
    expect(waited.code).toBe(0);
    expect(waited.state).toBe('delivered');
  });

  it('failed under a successful lookup ({"status":"Success","data":{"status":"Failed"}}): recorded failed, --wait exits 1', async () => {
    await sent(failing, 'st-failed-1');
    await sent(failing, 'st-failed-2');
    const refreshed = await refresh(failing, 'st-failed-1');
    expect(refreshed.state).toBe('failed');
    const waited = await wait(failing, 'st-failed-2', '5');
    expect(waited.code).toBe(1);
    expect(waited.state).toBe('failed');
  });

  it('in flight (data.status Sent): nothing changes, --wait gives up with exit 5', async () => {
    await sent(inFlight, 'st-flight');
    const refreshed = await refresh(inFlight, 'st-flight');
    expect(refreshed.state).toBe('sent');
    expect(refreshed.stderr).toBe('');
    const waited = await wait(inFlight, 'st-flight', '0.3');
    expect(waited.code).toBe(5);
    expect(waited.state).toBe('sent');
  });
});

describe("an answer that does not give the transaction's status changes no row", () => {
  // Each shape, the raw status word the warning must show, and what the answer says.
  const shapes: [string, FindShape, string][] = [
    ['no data ({"status":"Success"} alone, the SDK mock)', 'no-data', 'status "Success"'],
    ['a data about another transaction', 'other-transaction', 'status "Failed"'],
    ['a lookup that failed', 'lookup-failed', 'status "Failed"'],
    ['an unknown status word', 'unknown-status', 'status "Reversed"'],
    ['a malformed answer', 'malformed', 'no status'],
    ['an HTTP error', '500', 'HTTP 500'],
  ];

  it.each(shapes)('%s: --refresh and --wait warn with the requestId and the raw status, and change nothing', async (_name, shape, word) => {
    const key = `st-${shape}`;
    const requestId = await sent(inFlight, key);
    const before = states();
    inFlight.answerFinds(shape);
    try {
      const refreshed = await refresh(inFlight, key);
      expect(refreshed.code).toBe(0);
      expect(refreshed.state).toBe('sent');
      expect(refreshed.stderr).toContain(requestId);
      expect(refreshed.stderr).toContain(word);
      expect(refreshed.stderr).toContain('its state stays sent');
      const waited = await wait(inFlight, key, '0.3');
      expect(waited.code).toBe(5);
      expect(waited.state).toBe('sent');
      expect(waited.stderr).toContain(requestId);
    } finally {
      inFlight.answerFinds('documented');
    }
    expect(states()).toEqual(before);
  });

  it("not found (a failed lookup, HTTP 200, for a requestId Africa's Talking does not know): --refresh and --wait change nothing", async () => {
    const requestId = await sent(inFlight, 'st-not-found');
    const before = states();
    const refreshed = await refresh(stranger, 'st-not-found');
    expect(refreshed.state).toBe('sent');
    expect(refreshed.stderr).toContain(requestId);
    expect(refreshed.stderr).toContain('status "Failed"');
    expect(refreshed.stderr).toContain('Transaction not found');
    const waited = await wait(stranger, 'st-not-found', '0.3');
    expect(waited.code).toBe(5);
    expect(waited.state).toBe('sent');
    expect(states()).toEqual(before);
  });

  it('keeps the raw answer as an event, once per run', async () => {
    await sent(inFlight, 'st-kept');
    inFlight.answerFinds('lookup-failed');
    try {
      await wait(inFlight, 'st-kept', '0.3');
    } finally {
      inFlight.answerFinds('documented');
    }
    const db = rawDatabase(ledgerPath(sandbox), { readonly: true, fileMustExist: true });
    try {
      const events = db.all(
        "SELECT e.kind, e.payload FROM events e JOIN transactions t ON t.id = e.transaction_id WHERE t.idempotency_key = 'st-kept' AND e.kind = 'query-unread'",
      ) as { payload: string }[];
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]?.payload ?? '{}')).toMatchObject({
        status: 'Failed',
        httpStatus: 200,
        payload: expect.stringContaining('"status":"Failed"'),
      });
    } finally {
      db.close();
    }
  });
});
