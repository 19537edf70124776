// status, stats, reconcile and export over a ledger filled by real sends.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';
import {
  ANSI,
  collect,
  FAST,
  ledgerPath,
  makeSandbox,
  parseJson,
  plain,
  runCli,
  runInTerminal,
  type Sandbox,
  writeUserConfig,
} from '../helpers/cli.js';

let emu: Emulator;
let disabled: Emulator;
let sandbox: Sandbox;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, deliveryDelayMs: 0, duplicateStatus: 409 });
  disabled = await startEmulator({ port: 0, airtimeDisabled: true });
  sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  env = { AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'records-key' };
  const send = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(['send', ...args], { sandbox, env: { ...env, ...extra } });
  expect((await send(['+254712345678', '50', '--key', 'k-ke1'])).code).toBe(0);
  expect((await send(['+254712345679', '100', '--key', 'k-ke2'])).code).toBe(0);
  expect((await send(['+256701234567', '500', '--key', 'k-ug'])).code).toBe(0);
  emu.script(['hang']);
  expect((await send(['+254712345670', '20', '--key', 'k-unk', '--timeout', '0.3'])).code).toBe(5);
  expect((await send(['+254712345671', '30', '--key', 'k-fail'], { AIRTIME_API_URL: disabled.url })).code).toBe(1);
  expect((await send(['+254712345672', '40', '--key', 'k-live'], { AT_USERNAME: 'acme' })).code).toBe(0);
  return async () => {
    await emu.close();
    await disabled.close();
  };
});

describe('airtime status', () => {
  it('lists the current environment, newest first, as plain lines when piped', async () => {
    const result = await runCli(['status'], { sandbox, env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('\t')[4])).toEqual(['k-fail', 'k-unk', 'k-ug', 'k-ke2', 'k-ke1']);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\tfailed\tKES 30\.00\t\+254712345671\tk-fail\t-/);
    expect(result.stdout).not.toMatch(ANSI);
    const all = await runCli(['status', '--all-environments', '--json'], { sandbox, env });
    expect((parseJson(all).transactions as unknown[]).length).toBe(6);
  });

  it('finds one transaction by key, requestId or state, as the contract JSON', async () => {
    const byKey = parseJson(await runCli(['status', 'k-ug', '--json'], { sandbox, env }));
    const transactions = byKey.transactions as Record<string, unknown>[];
    expect(transactions).toHaveLength(1);
    expect(transactions[0]).toMatchObject({
      idempotencyKey: 'k-ug',
      requestId: expect.stringMatching(/^ATQid_/),
      phoneNumber: '+256701234567',
      amount: '500',
      currency: 'UGX',
      state: 'sent',
      errorMessage: null,
      batchId: null,
      reference: null,
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    const byRequestId = parseJson(await runCli(['status', String(transactions[0]?.requestId), '--json'], { sandbox, env }));
    expect((byRequestId.transactions as { idempotencyKey: string }[])[0]?.idempotencyKey).toBe('k-ug');
    const unknown = parseJson(await runCli(['status', '--state', 'unknown', '--json'], { sandbox, env }));
    expect((unknown.transactions as { idempotencyKey: string }[]).map((t) => t.idempotencyKey)).toEqual(['k-unk']);
  });

  it('exits 1 NOT_FOUND for an id the ledger does not hold', async () => {
    const result = await runCli(['status', 'no-such-key', '--json'], { sandbox, env });
    expect(result.code).toBe(1);
    expect(parseJson(result)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' }, transactions: [] });
  });

  it("--refresh asks Africa's Talking and records delivery; --wait exits 0 once delivered", async () => {
    const refreshed = parseJson(await runCli(['status', 'k-ke1', '--refresh', '--json'], { sandbox, env }));
    expect((refreshed.transactions as { state: string }[])[0]?.state).toBe('delivered');
    const waited = await runCli(['status', 'k-ke2', '--wait', '--wait-timeout', '5', '--json'], { sandbox, env });
    expect(waited.code).toBe(0);
    expect((parseJson(waited).transactions as { state: string }[])[0]?.state).toBe('delivered');
    // An unknown send has no requestId to ask about: --wait gives up with exit 5.
    const stuck = await runCli(['status', 'k-unk', '--wait', '--wait-timeout', '0.2'], { sandbox, env });
    expect(stuck.code).toBe(5);
    // A failed send is final: --wait returns at once with exit 1.
    const failed = await runCli(['status', 'k-fail', '--wait', '--wait-timeout', '5', '--json'], { sandbox, env });
    expect(failed.code).toBe(1);
    expect((parseJson(failed).transactions as { state: string }[])[0]?.state).toBe('failed');
  });

  it('shows an aligned, coloured table at a terminal', async () => {
    const result = await runInTerminal(['status'], { sandbox, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/CREATED\s+STATE\s+AMOUNT\s+PHONE\s+KEY/);
    expect(result.stdout).toMatch(ANSI);
    expect(result.stdout).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/); // local time, not ISO
  });
});

describe('the status table fits the terminal', () => {
  let wide: Sandbox;
  const reference = 'invoice 2026-11 for the northern region office';
  let key = '';
  let requestId = '';

  beforeAll(async () => {
    wide = makeSandbox();
    writeUserConfig(wide, FAST);
    // Keys of 36 characters (UUIDs), a long reference, and an error: lines of 140 and more.
    for (const amount of ['51', '52']) expect((await runCli(['send', '+254712345671', amount], { sandbox: wide, env })).code).toBe(0);
    writeFileSync(join(wide.cwd, 'pay.csv'), `phone,amount,reference\n+254712345672,10,${reference}\n`);
    expect((await runCli(['send', '--file', 'pay.csv', '--yes'], { sandbox: wide, env })).code).toBe(0);
    const failed = await runCli(['send', '+254712345673', '30'], { sandbox: wide, env: { ...env, AIRTIME_API_URL: disabled.url } });
    expect(failed.code).toBe(1);
    const first = (parseJson(await runCli(['status', '--json'], { sandbox: wide, env })).transactions as Record<string, string>[])[1];
    key = first?.idempotencyKey ?? '';
    requestId = first?.requestId ?? '';
    expect(key.length).toBeGreaterThan(30);
  });

  const screenLines = (text: string) =>
    plain(text)
      .split('\n')
      .filter((line) => line.trim() !== '');

  it.each([80, 120])('at %d columns every line fits, the time, amount and number whole', async (columns) => {
    const result = await runInTerminal(['status'], { sandbox: wide, env, columns });
    expect(result.code).toBe(0);
    const lines = screenLines(result.stdout);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(columns);
    expect(lines[0]).toMatch(/^CREATED +STATE +AMOUNT +PHONE +KEY/);
    expect(lines.some((line) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} +failed +KES 30\.00 +\+254712345673 /.test(line))).toBe(true);
    expect(plain(result.stdout)).toContain(`cut to fit ${columns} columns: --wide shows every column in full`);
    expect(plain(result.stdout)).not.toContain(key); // cut, in its middle
    expect(lines.some((line) => line.includes(`${key.slice(0, 4)}`) && line.includes('…'))).toBe(true);
  });

  it('at 80 columns the requestId and reference give way to the key; at 120 they are shown, cut', async () => {
    const narrow = screenLines((await runInTerminal(['status'], { sandbox: wide, env, columns: 80 })).stdout);
    expect(narrow[0]).not.toContain('REQUEST ID');
    expect(narrow[0]).not.toContain('REFERENCE');
    const wider = screenLines((await runInTerminal(['status'], { sandbox: wide, env, columns: 120 })).stdout);
    expect(wider[0]).toMatch(/KEY +REQUEST ID +REFERENCE +ERROR$/);
    expect(wider.join('\n')).toMatch(/invoice 20.*…/);
    expect(wider.join('\n')).not.toContain(reference);
  });

  it('--wide, or a pipe, shows every column in full', async () => {
    const full = plain((await runInTerminal(['status', '--wide'], { sandbox: wide, env, columns: 80 })).stdout);
    expect(full).toMatch(/CREATED +STATE +AMOUNT +PHONE +KEY +REQUEST ID +REFERENCE +ERROR/);
    expect(full).toContain(key);
    expect(full).toContain(reference);
    expect(full).not.toContain('cut to fit');
    const piped = await runCli(['status'], { sandbox: wide, env });
    expect(piped.stdout).toContain(`\t${key}\t${requestId}\t${reference}\t`);
    expect(piped.stdout).not.toContain('…');
    expect(piped.stderr).toBe('');
  });
});

describe('airtime stats', () => {
  it('follows the contract definitions in JSON', async () => {
    const result = await runCli(['stats', '--json'], { sandbox, env });
    expect(result.code).toBe(0);
    const doc = parseJson(result);
    expect(doc).toMatchObject({
      ok: true,
      attempts: 5,
      sent: 3,
      failed: 1,
      unknown: 1,
      successRate: 0.75,
      byCurrency: {
        KES: { count: 2, amount: '150.00', discount: '6.0000' },
        UGX: { count: 1, amount: '500', discount: '20.0000' },
      },
      failureReasons: [{ reason: 'Airtime is not enabled for this account', count: 1 }],
    });
    // Delivered counts what the ledger holds as delivered (the --refresh test above delivers some).
    const delivered = parseJson(await runCli(['status', '--state', 'delivered', '--json'], { sandbox, env })).transactions as unknown[];
    expect(doc.delivered).toBe(delivered.length);
    expect(doc.daily).toEqual([{ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), attempts: 5, sent: 3, failed: 1, unknown: 1 }]);
    const ugx = parseJson(await runCli(['stats', '--currency', 'UGX', '--json'], { sandbox, env }));
    expect(ugx).toMatchObject({ attempts: 1, sent: 1, successRate: 1 });
    const future = parseJson(await runCli(['stats', '--since', '2099-01-01', '--json'], { sandbox, env }));
    expect(future).toMatchObject({ attempts: 0, successRate: null, byCurrency: {} });
  });

  it('counts no attempt for a replay or a dry run, and both environments with --all-environments', async () => {
    const replay = await runCli(['send', '+254712345678', '50', '--key', 'k-ke1', '--json'], { sandbox, env });
    expect(parseJson(replay)).toMatchObject({ replayed: true });
    const dryRun = await runCli(['send', '+254712345673', '60', '--dry-run', '--json'], { sandbox, env });
    expect(dryRun.code).toBe(0);
    expect(parseJson(await runCli(['stats', '--json'], { sandbox, env }))).toMatchObject({ attempts: 5, sent: 3 });
    // The live send (username acme) joins the sandbox ones only when asked for.
    const both = parseJson(await runCli(['stats', '--all-environments', '--json'], { sandbox, env }));
    expect(both).toMatchObject({ attempts: 6, sent: 4, failed: 1, unknown: 1, byCurrency: { KES: { count: 3, amount: '190.00' } } });
    const live = parseJson(await runCli(['stats', '--json'], { sandbox, env: { ...env, AT_USERNAME: 'acme' } }));
    expect(live).toMatchObject({ attempts: 1, sent: 1, byCurrency: { KES: { count: 1, amount: '40.00' } } });
  });

  it('prints figures when piped, and a per-day chart at a terminal', async () => {
    const piped = await runCli(['stats'], { sandbox, env });
    expect(piped.stdout).toContain('success rate 75.0%');
    expect(piped.stdout).toContain('Airtime is not enabled for this account');
    expect(piped.stdout).not.toContain('█');
    const terminal = await runInTerminal(['stats'], { sandbox, env });
    expect(terminal.stdout).toContain('█');
    expect(terminal.stdout).toMatch(ANSI);
  });
});

describe('a fresh machine', () => {
  it('answers status and stats as for no transactions, without creating a ledger', async () => {
    const fresh = makeSandbox();
    const status = await runCli(['status', '--json'], { sandbox: fresh, env });
    expect(status.code).toBe(0);
    expect(parseJson(status)).toEqual({ ok: true, transactions: [] });
    const stats = await runCli(['stats', '--json'], { sandbox: fresh, env });
    expect(parseJson(stats)).toMatchObject({ ok: true, attempts: 0, sent: 0, successRate: null, daily: [] });
    expect(existsSync(ledgerPath(fresh))).toBe(false);
  });
});

describe('airtime reconcile', () => {
  it('settles an unknown send by hand, records who, and refuses a final one', async () => {
    const result = await runCli(
      ['reconcile', 'k-unk', '--as', 'sent', '--request-id', 'ATQid_byhand', '--note', 'seen in dashboard', '--json'],
      {
        sandbox,
        env,
      },
    );
    expect(result.code).toBe(0);
    const doc = parseJson(result);
    expect(doc).toMatchObject({ ok: true, previousState: 'unknown', transaction: { state: 'sent', requestId: 'ATQid_byhand' } });
    expect(String(doc.settledBy)).toMatch(/.+@.+/);
    const again = await runCli(['reconcile', 'k-unk', '--as', 'failed'], { sandbox, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already final');
    const missing = await runCli(['reconcile', 'nope', '--as', 'sent', '--json'], { sandbox, env });
    expect(missing.code).toBe(1);
    expect(parseJson(missing)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(missing.stderr).toContain('error: the ledger holds no transaction with the key nope for the sandbox\n');
    const live = await runCli(['reconcile', 'nope', '--as', 'sent'], { sandbox, env: { ...env, AT_USERNAME: 'acme' } });
    expect(live.stderr).toContain('error: the ledger holds no transaction with the key nope for the live account acme\n');
    const final = await runCli(['reconcile', 'k-fail', '--as', 'sent'], { sandbox, env });
    expect(final.code).toBe(2);
    // Offline: the username is needed (keys are per account), the API key is not.
    const keyless = await runCli(['reconcile', 'nope', '--as', 'sent', '--json'], { sandbox, env: { ...env, AT_API_KEY: undefined } });
    expect(parseJson(keyless)).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const nameless = await runCli(['reconcile', 'nope', '--as', 'sent', '--json'], { sandbox, env: { ...env, AT_USERNAME: undefined } });
    expect(nameless.code).toBe(4);
    expect(parseJson(nameless)).toMatchObject({ error: { code: 'MISSING_CREDENTIALS' } });
  });

  it('prints a plain line when piped and a coloured one at a terminal', async () => {
    const fresh = makeSandbox();
    writeUserConfig(fresh, FAST);
    for (const key of ['u-1', 'u-2']) {
      emu.script(['hang']);
      expect((await runCli(['send', '+254712345699', '20', '--key', key, '--timeout', '0.3'], { sandbox: fresh, env })).code).toBe(5);
    }
    const piped = await runCli(['reconcile', 'u-1', '--as', 'failed', '--note', 'not in the dashboard'], { sandbox: fresh, env });
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^Settled key u-1 as failed \(was unknown\), by .+@.+\.\n$/);
    const terminal = await runInTerminal(['reconcile', 'u-2', '--as', 'sent'], { sandbox: fresh, env });
    expect(terminal.code).toBe(0);
    expect(terminal.stdout).toMatch(ANSI);
  });
});

describe('airtime export', () => {
  it('streams CSV and JSON lines, and writes a private file', async () => {
    const csv = await runCli(['export'], { sandbox, env });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'createdAt,updatedAt,environment,account,idempotencyKey,requestId,phoneNumber,country,amount,currency,state,status,discount,errorCode,errorMessage,batchId,reference,attempts,osUser,host,settledBy,note',
    );
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain(',k-ke1,');
    const jsonl = await runCli(['export', '--format', 'jsonl', '--all-environments'], { sandbox, env });
    const records = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({ idempotencyKey: 'k-ke1', amount: '50.00', currency: 'KES', discount: 'KES 2.0000' });
    const file = join(sandbox.home, 'november.csv');
    const written = await runCli(['export', '--output', file, '--json'], { sandbox, env });
    expect(parseJson(written)).toEqual({ ok: true, rows: 5, output: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('createdAt');
    const none = await runCli(['export', '--since', '2099-01-01'], { sandbox, env });
    expect(none.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('--json to stdout is a usage error naming --format jsonl, not CSV printed silently', async () => {
    const result = await runCli(['export', '--json'], { sandbox, env });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringContaining('--format jsonl') } });
    expect(result.stderr).toContain('use --format jsonl');
  });
});

/** `count` sent sandbox transactions, keys key-1..key-count, written straight into a new ledger. */
async function seedSentRows(path: string, count: number): Promise<void> {
  const { SqliteLedger } = await import('../../src/ledger/sqlite/ledger.js');
  const ledger = SqliteLedger.open(path);
  try {
    ledger.database.db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
      INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor, state,
        created_at, updated_at, os_user, host)
      SELECT 'sandbox', 'sandbox', 'key-' || i, '+254712345678', 'KE', 'KES', 5000, 'sent', i, i, 'u', 'h' FROM n;`);
  } finally {
    await ledger.close();
  }
}

describe('a pending row', () => {
  it('gets the hint an unknown row gets: how to settle it', async () => {
    // What two Ctrl-Cs during a send leave: a pending row whose process is gone.
    const left = makeSandbox();
    const { SqliteLedger } = await import('../../src/ledger/sqlite/ledger.js');
    const ledger = SqliteLedger.open(ledgerPath(left));
    try {
      ledger.database.db.exec(`
        INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
          state, created_at, updated_at, os_user, host, owner_pid, owner_host)
        VALUES ('sandbox', 'sandbox', 'k-pending', '+254712345678', 'KE', 'KES', 5000, 'pending', 1, 1, 'u', 'h', 999999, 'gone');`);
    } finally {
      await ledger.close();
    }
    const result = await runCli(['status'], { sandbox: left, env: { AT_USERNAME: 'sandbox' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\tpending\t');
    expect(result.stderr).toContain("pending: check Africa's Talking, then `airtime reconcile <key> --as sent|failed`");
  });
});

describe('stats in local time', () => {
  // 22:30 UTC on the 26th and 01:00 UTC on the 27th: two days in London, one in Nairobi (UTC+3).
  const late = Date.UTC(2026, 10, 26, 22, 30);
  const early = Date.UTC(2026, 10, 27, 1, 0);
  let local: Sandbox;

  beforeAll(async () => {
    local = makeSandbox();
    const { SqliteLedger } = await import('../../src/ledger/sqlite/ledger.js');
    const ledger = SqliteLedger.open(ledgerPath(local));
    try {
      ledger.database.db.exec(`
        INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
          state, created_at, updated_at, os_user, host)
        VALUES ('sandbox', 'sandbox', 'late', '+254712345678', 'KE', 'KES', 5000, 'sent', ${late}, ${late}, 'u', 'h'),
               ('sandbox', 'sandbox', 'early', '+254712345679', 'KE', 'KES', 2000, 'sent', ${early}, ${early}, 'u', 'h');`);
    } finally {
      await ledger.close();
    }
  });

  const stats = async (tz: string, args: string[] = []) =>
    parseJson(await runCli(['stats', '--json', ...args], { sandbox: local, env: { AT_USERNAME: 'sandbox', TZ: tz } }));

  it('groups days and reads dates in the local time zone', async () => {
    expect((await stats('UTC')).daily).toEqual([
      { date: '2026-11-26', attempts: 1, sent: 1, failed: 0, unknown: 0 },
      { date: '2026-11-27', attempts: 1, sent: 1, failed: 0, unknown: 0 },
    ]);
    expect((await stats('Africa/Nairobi')).daily).toEqual([{ date: '2026-11-27', attempts: 2, sent: 2, failed: 0, unknown: 0 }]);
    expect(await stats('UTC', ['--since', '2026-11-27'])).toMatchObject({ attempts: 1, byCurrency: { KES: { amount: '20.00' } } });
    expect(await stats('Africa/Nairobi', ['--since', '2026-11-27'])).toMatchObject({
      attempts: 2,
      byCurrency: { KES: { amount: '70.00' } },
    });
    expect(await stats('Africa/Nairobi', ['--until', '2026-11-27'])).toMatchObject({ attempts: 0 });
  });
});

describe('large output', () => {
  it('reaches a pipe whole: the process waits for stdout to drain before it exits', async () => {
    const big = makeSandbox();
    await seedSentRows(ledgerPath(big), 5000);
    const result = await runCli(['export', '--format', 'jsonl'], { sandbox: big, env: { AT_USERNAME: 'sandbox' } });
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(5000);
    expect(JSON.parse(lines[4999] ?? '')).toMatchObject({ idempotencyKey: 'key-5000' });
    const status = await runCli(['status', '--limit', '5000', '--json'], { sandbox: big, env: { AT_USERNAME: 'sandbox' } });
    expect((parseJson(status).transactions as unknown[]).length).toBe(5000);
  });
});

describe('a reader that stops early', () => {
  it('is not an error: `airtime export | head -n 2` ends quietly', async () => {
    const { spawn } = await import('node:child_process');
    const big = makeSandbox();
    await seedSentRows(ledgerPath(big), 20000);
    const { BIN } = await import('../helpers/cli.js');
    const child = spawn(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} export | head -n 2; echo "exit \${PIPESTATUS[0]}" >&2`,
      ],
      {
        cwd: big.cwd,
        env: { ...big.env, AT_USERNAME: 'sandbox' },
      },
    );
    const result = await collect(child);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).not.toContain('unexpected failure');
    expect(result.stderr).toContain('exit 0');
  });
});
