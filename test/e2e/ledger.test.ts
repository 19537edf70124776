// The ledger's promises, end to end: real processes, real kills, the emulator counting acceptances.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/server.js';
import {
  canMount,
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

function fastSandbox(config: Record<string, unknown> = {}): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, ...config });
  return sandbox;
}

const SEND = ['send', '+254712345678', '50', '--key', 'order-1', '--json'];

const MOUNTS = canMount();

/**
 * Starts SEND, waits until the emulator shows `reached` (the request arrived, or was accepted),
 * runs `beforeKill` while the process is still in flight, then SIGKILLs it and waits for the end.
 */
async function killInFlight(
  emu: Emulator,
  sandbox: Sandbox,
  reached: 'request' | 'acceptance',
  beforeKill: (pid: number | undefined) => void = () => {},
): Promise<void> {
  const child = spawnCli([...SEND, '--timeout', '30'], { sandbox, env: emulatorEnv(emu) });
  const done = collect(child);
  const state = () => emu.state();
  await waitFor(() => (reached === 'request' ? state().sends : state().accepted).length === 1, 10_000, `the ${reached}`);
  beforeKill(child.pid);
  child.kill('SIGKILL');
  expect((await done).signal).toBe('SIGKILL');
}

describe('crash safety', () => {
  it('records pending before the request leaves; after SIGKILL a re-run in the window resends and a real answer settles it', async () => {
    const emu = await emulator({ faultScript: ['stall'] });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await killInFlight(emu, sandbox, 'request', (pid) => {
      const [pending] = readLedger(ledgerPath(sandbox));
      expect(pending).toMatchObject({ idempotency_key: 'order-1', state: 'pending', attempts: 1, owner_pid: pid, amount_minor: 5000 });
      expect(pending?.first_attempt_at).toBeTypeOf('number');
    });

    const rerun = await runCli(SEND, { sandbox, env });
    expect(rerun.code).toBe(0);
    expect(parseJson(rerun)).toMatchObject({ state: 'sent', replayed: false, attempts: 2 });
    expect(emu.state().sends.map((s) => s.idempotencyKey)).toEqual(['order-1', 'order-1']);
    expect(emu.acceptancesByKey().get('order-1')).toBe(1);
    expect(readLedger(ledgerPath(sandbox))[0]).toMatchObject({ state: 'sent', owner_pid: null });
    // The run that wrote ran PRAGMA optimize before closing the ledger: the planner's statistics are there.
    const db = rawDatabase(ledgerPath(sandbox), { readonly: true, fileMustExist: true });
    expect(db.value("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")).toBe(1);
    db.close();
  });

  it('after SIGKILL once AT accepted, a re-run in the window gets "duplicate": unknown, exit 5, one acceptance', async () => {
    const emu = await emulator({ faultScript: ['hang'] });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await killInFlight(emu, sandbox, 'acceptance');
    const rerun = await runCli(SEND, { sandbox, env });
    expect(rerun.code).toBe(5);
    expect(parseJson(rerun)).toMatchObject({ state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(rerun.stderr).toContain('airtime status order-1');
    expect(emu.state().sends.map((s) => s.outcome)).toEqual(['accepted', 'duplicate']);
    expect(emu.acceptancesByKey().get('order-1')).toBe(1);
    // And again: still unknown, still one acceptance.
    const again = await runCli(SEND, { sandbox, env });
    expect(again.code).toBe(5);
    expect(emu.acceptancesByKey().get('order-1')).toBe(1);
  });

  it('past the duplicate window a killed send stays unknown with no request; --force resends', async () => {
    const emu = await emulator({ faultScript: ['hang'], duplicateWindowMs: 1000 });
    const sandbox = fastSandbox({ duplicateWindow: 1.5, timeout: 0.5 });
    const env = emulatorEnv(emu);
    await killInFlight(emu, sandbox, 'acceptance');
    await new Promise((resolve) => setTimeout(resolve, 1200)); // past window − timeout

    const late = await runCli(SEND, { sandbox, env });
    expect(late.code).toBe(5);
    expect(parseJson(late)).toMatchObject({ state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' } });
    expect(late.stderr).toContain('reconcile');
    expect(emu.state().sends).toHaveLength(1);
    expect(readLedger(ledgerPath(sandbox))[0]?.state).toBe('unknown');
    // Run again, it says why nothing happens and what would.
    const again = await runCli(SEND, { sandbox, env });
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('its duplicate window has passed, so it is not resent');
    expect(again.stderr).toContain('--force if it did not arrive');
    expect(emu.state().sends).toHaveLength(1);

    const forced = await runCli([...SEND, '--force'], { sandbox, env });
    expect(forced.code).toBe(0);
    expect(emu.state().sends).toHaveLength(2);
    // What --force is for, and why it asks to be checked first: AT had it, and now pays it again.
    expect(emu.acceptancesByKey().get('order-1')).toBe(2);
  });
});

describe('reconcile and a send in flight', () => {
  it('refuses to settle a pending row whose process is alive, and settles it once that process is dead', async () => {
    const emu = await emulator({ faultScript: ['stall'] });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const child = spawnCli([...SEND, '--timeout', '30'], { sandbox, env });
    const done = collect(child);
    await waitFor(() => emu.state().sends.length === 1, 10_000, 'the request');
    const refused = await runCli(['reconcile', 'order-1', '--as', 'failed'], { sandbox, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`being sent right now by process ${child.pid}`);
    expect(readLedger(ledgerPath(sandbox))[0]).toMatchObject({ state: 'pending', owner_pid: child.pid });

    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    const settled = await runCli(['reconcile', 'order-1', '--as', 'failed', '--json'], { sandbox, env });
    expect(settled.code).toBe(0);
    expect(parseJson(settled)).toMatchObject({ previousState: 'pending', transaction: { state: 'failed' } });
  });
});

describe('signals during a single send', () => {
  it('SIGINT lets the request in flight finish, records it, prints the key and exits 130', async () => {
    const emu = await emulator({ faultScript: ['stall'] });
    const sandbox = fastSandbox();
    const child = spawnCli(['send', '+254712345678', '50', '--timeout', '1', '--json'], { sandbox, env: emulatorEnv(emu) });
    const done = collect(child);
    await waitFor(() => emu.state().sends.length === 1, 10_000, 'the request');
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    const doc = parseJson(result);
    expect(doc.idempotencyKey).toEqual(expect.any(String));
    expect(emu.state().sends).toHaveLength(1); // no retry after the signal
    expect(readLedger(ledgerPath(sandbox))[0]).toMatchObject({ idempotency_key: doc.idempotencyKey, state: 'unknown' });
    expect(result.stderr).toContain('interrupted by SIGINT');
  });
});

describe('idempotency', () => {
  it('replays a recorded result with no request, and with the original exit code', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const first = parseJson(await runCli(SEND, { sandbox, env }));
    const replay = await runCli(SEND, { sandbox, env });
    expect(replay.code).toBe(0);
    expect(parseJson(replay)).toEqual({ ...first, replayed: true });
    expect(emu.state().sends).toHaveLength(1);
    const human = await runCli(SEND.slice(0, -1), { sandbox, env });
    expect(human.stdout).toContain('replayed from the ledger');

    const poor = await emulator({ balance: 'KES 1' });
    const poorEnv = emulatorEnv(poor);
    const failed = await runCli([...SEND.slice(0, 4), 'order-2', '--json'], { sandbox, env: poorEnv });
    expect(failed.code).toBe(1);
    const failedReplay = await runCli([...SEND.slice(0, 4), 'order-2', '--json'], { sandbox, env: poorEnv });
    expect(failedReplay.code).toBe(1);
    expect(parseJson(failedReplay)).toMatchObject({ replayed: true, state: 'failed', error: { code: 'INSUFFICIENT_BALANCE' } });
    expect(poor.state().sends).toHaveLength(1);
    // The hint says how to try again: the key's result is recorded, so not with the same key.
    const humanReplay = await runCli([...SEND.slice(0, 4), 'order-2'], { sandbox, env: poorEnv });
    expect(humanReplay.stderr).toContain('this is the result recorded for key order-2; to try again, send without --key (a new key)');
    expect(humanReplay.stderr).not.toContain('top up');
  });

  it('refuses the same key with other parameters: exit 2 IDEMPOTENCY_CONFLICT, no request', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await runCli(SEND, { sandbox, env });
    for (const args of [
      ['send', '+254712345678', '60', '--key', 'order-1', '--json'],
      ['send', '+254712345679', '50', '--key', 'order-1', '--json'],
    ]) {
      const conflict = await runCli(args, { sandbox, env });
      expect(conflict.code).toBe(2);
      expect(parseJson(conflict)).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' }, idempotencyKey: 'order-1' });
    }
    expect(emu.state().sends).toHaveLength(1);
  });

  it('treats the same key under sandbox and under live as two transactions', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    expect((await runCli(SEND, { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    const live = await runCli(SEND, { sandbox, env: emulatorEnv(emu, { AT_USERNAME: 'acme' }) });
    expect(live.code).toBe(0);
    expect(parseJson(live)).toMatchObject({ environment: 'live', replayed: false });
    expect(readLedger(ledgerPath(sandbox)).map((r) => [r.environment, r.idempotency_key])).toEqual([
      ['sandbox', 'order-1'],
      ['live', 'order-1'],
    ]);
  });

  it('lets exactly one of two processes started at once with one key send; both exit 0', async () => {
    const emu = await emulator({ latencyMs: 400 });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const [a, b] = await Promise.all([runCli(SEND, { sandbox, env }), runCli(SEND, { sandbox, env })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(emu.state().sends).toHaveLength(1);
    const docs = [parseJson(a), parseJson(b)];
    expect(docs.map((d) => d.replayed).sort()).toEqual([false, true]);
    expect(docs[0]?.requestId).toBe(docs[1]?.requestId);
    expect(a.stderr + b.stderr).toContain('is sending this key; waiting for its answer');
  });
});

describe('an unusable ledger stops the send before any request', () => {
  const cases: [string, (path: string) => void][] = [
    [
      'a file in the way of its folder',
      (path) => {
        mkdirSync(dirname(dirname(path)), { recursive: true });
        writeFileSync(dirname(path), 'not a folder');
      },
    ],
    ['a folder at its path', (path) => mkdirSync(path, { recursive: true })],
    [
      'a corrupt file',
      (path) => {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, 'this is not an SQLite database, just text that happens to be here '.repeat(100));
      },
    ],
  ];
  it.each(cases)('%s: exit 4 LEDGER_ERROR naming the path', async (_name, breakIt) => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const path = join(sandbox.home, 'books', 'ledger.db');
    breakIt(path);
    await expectRefused(emu, sandbox, path);
  });

  it('a folder that cannot be created (sysfs refuses even root): exit 4 LEDGER_ERROR naming the path', async () => {
    await expectRefused(await emulator(), fastSandbox(), '/sys/airtime-ledger-test/ledger.db');
  });

  it.each(['/proc/airtime-ledger-test/ledger.db', '/proc/self/airtime/ledger.db'])(
    'a folder under /proc (where recursive mkdir spins for ever), %s: exit 4 LEDGER_ERROR at once',
    async (path) => {
      const emu = await emulator();
      const result = await runCli(SEND, { sandbox: fastSandbox(), env: emulatorEnv(emu, { AIRTIME_LEDGER: path }), timeoutMs: 5000 });
      expect(result.code).toBe(4);
      expect(parseJson(result)).toMatchObject({
        ok: false,
        error: { code: 'LEDGER_ERROR', message: expect.stringContaining('cannot be created') },
      });
      expect(emu.state().sends).toHaveLength(0);
    },
  );

  it.skipIf(!MOUNTS)(
    `a full disk is called a full disk, also where SQLite says only "disk I/O error"${MOUNTS ? '' : ' (skipped: needs a private mount namespace to make a small disk: root, or unshare allowed)'}`,
    async () => {
      const emu = await emulator();
      const sandbox = fastSandbox();
      const disk = join(sandbox.home, 'disk');
      mkdirSync(disk);
      // A 1 MiB disk of its own: the first send makes the ledger, the disk is filled, the same command runs again.
      const fill =
        'mount -t tmpfs -o size=1m tmpfs "$0" && "$@" >/dev/null 2>&1; dd if=/dev/zero of="$0/fill" bs=4k 2>/dev/null; exec "$@"';
      const result = await runCli(SEND, {
        sandbox,
        env: emulatorEnv(emu, { AIRTIME_LEDGER: join(disk, 'ledger.db') }),
        wrap: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', fill, disk],
      });
      expect(result.code).toBe(4);
      expect(parseJson(result)).toMatchObject({
        ok: false,
        error: { code: 'LEDGER_ERROR', message: expect.stringMatching(/cannot be used: the disk is full \(\d+ KiB free/) },
      });
      expect(emu.state().sends).toHaveLength(1);
    },
  );

  async function expectRefused(emu: Awaited<ReturnType<typeof emulator>>, sandbox: Sandbox, path: string) {
    const result = await runCli(SEND, { sandbox, env: emulatorEnv(emu, { AIRTIME_LEDGER: path }) });
    expect(result.code).toBe(4);
    const doc = parseJson(result);
    expect(doc).toMatchObject({ ok: false, error: { code: 'LEDGER_ERROR' } });
    expect(String((doc.error as { message: string }).message)).toContain(path);
    expect(emu.state().sends).toHaveLength(0);
  }

  it.each([
    ['send --file', (file: string) => ['send', '--file', file, '--yes', '--json']],
    ['status', () => ['status', '--json']],
    ['stats', () => ['stats', '--json']],
    ['export', (file: string) => ['export', '--output', `${file}.export.csv`, '--json']],
    ['reconcile', () => ['reconcile', 'order-1', '--as', 'failed', '--json']],
  ])('a corrupt file stops %s too: exit 4 LEDGER_ERROR naming the path, no request', async (_name, args) => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const path = join(sandbox.home, 'books', 'ledger.db');
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, 'this is not an SQLite database, just text that happens to be here '.repeat(100));
    const file = join(sandbox.cwd, 'pay.csv');
    writeFileSync(file, 'phone,amount\n+254712345678,50\n');
    const result = await runCli(args(file), { sandbox, env: emulatorEnv(emu, { AIRTIME_LEDGER: path }) });
    expect(result.code).toBe(4);
    const doc = parseJson(result);
    expect(doc).toMatchObject({ ok: false, error: { code: 'LEDGER_ERROR' } });
    expect(String((doc.error as { message: string }).message)).toContain(path);
    expect(emu.state().sends).toHaveLength(0);
  });

  // root ignores file modes, so a read-only ledger can only be shown to a normal user.
  it.skipIf(process.getuid?.() === 0)('a read-only file: exit 4 LEDGER_ERROR naming the path', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    await runCli([...SEND.slice(0, 4), 'first', '--json'], { sandbox, env });
    const path = ledgerPath(sandbox);
    chmodSync(path, 0o400);
    chmodSync(dirname(path), 0o500);
    const result = await runCli(SEND, { sandbox, env });
    chmodSync(dirname(path), 0o700);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(path);
    expect(emu.state().sends).toHaveLength(1);
  });

  it('creates the ledger folder 0700 and the file 0600, and its missing parents 0700', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    await runCli(SEND, { sandbox, env: emulatorEnv(emu) });
    const { statSync } = await import('node:fs');
    expect(statSync(dirname(ledgerPath(sandbox))).mode & 0o777).toBe(0o700);
    expect(statSync(ledgerPath(sandbox)).mode & 0o777).toBe(0o600);
    const deep = join(sandbox.home, 'a', 'b', 'ledger.db');
    expect(
      (await runCli([...SEND.slice(0, 4), 'order-2', '--json'], { sandbox, env: emulatorEnv(emu, { AIRTIME_LEDGER: deep }) })).code,
    ).toBe(0);
    expect(statSync(join(sandbox.home, 'a')).mode & 0o777).toBe(0o700);
    expect(statSync(join(sandbox.home, 'a', 'b')).mode & 0o777).toBe(0o700);
  });
});

describe('a ledger that can be read but not written', () => {
  /** Each reader, and what it shows of the one payment in the ledger. */
  const READERS: [string[], string][] = [
    [['status', '--json'], '"phoneNumber":"+254712345678"'],
    [['stats', '--json'], '"sent":1'],
    [['export'], ',+254712345678,'],
  ];

  async function paidLedger(): Promise<{ sandbox: Sandbox; env: NodeJS.ProcessEnv; path: string }> {
    const emu = await emulator();
    const sandbox = makeSandbox();
    const env = emulatorEnv(emu);
    expect((await runCli(SEND, { sandbox, env })).code).toBe(0);
    return { sandbox, env, path: ledgerPath(sandbox) };
  }

  async function expectRead(options: Omit<Parameters<typeof runCli>[1], 'sandbox'> & { sandbox: Sandbox }): Promise<void> {
    const results = await Promise.all(READERS.map(([args]) => runCli(args, options)));
    results.forEach((result, i) => {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(READERS[i]?.[1]);
    });
  }

  // Root ignores file modes, so as root the readers run as nobody (setpriv); as anyone else the
  // folder is simply made read-only. Either way the test can fail.
  it("is read by status, stats and export when its folder is not writable (another user's, or a locked one)", async () => {
    const { sandbox, env, path } = await paidLedger();
    const root = process.getuid?.() === 0;
    const folders = [sandbox.home, join(sandbox.home, '.local'), join(sandbox.home, '.local', 'share'), dirname(path)];
    if (root) {
      for (const folder of folders) chmodSync(folder, 0o755);
      chmodSync(path, 0o644);
    } else {
      chmodSync(dirname(path), 0o555);
    }
    try {
      const wrap = root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : undefined;
      await expectRead({ sandbox, env, wrap });
    } finally {
      chmodSync(dirname(path), 0o700);
    }
  });

  it.skipIf(!MOUNTS)(
    `is read by status, stats and export on a read-only mount${MOUNTS ? '' : ' (skipped: needs a private mount namespace: root, or unshare allowed)'}`,
    async () => {
      const { sandbox, env, path } = await paidLedger();
      const readOnly = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"';
      const wrap = ['unshare', '-m', '--propagation', 'private', 'sh', '-c', readOnly, dirname(path)];
      await expectRead({ sandbox, env, wrap });
      // A send there still refuses, naming the path, before any request.
      const send = await runCli([...SEND.slice(0, 4), 'order-2', '--json'], { sandbox, env, wrap });
      expect(send.code).toBe(4);
      expect(parseJson(send)).toMatchObject({ error: { code: 'LEDGER_ERROR', message: expect.stringContaining(path) } });
    },
  );
});

describe('caps', () => {
  it('limits.daily refuses the send that would pass it, with no request, and stops a runaway loop', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox({ limits: { daily: { KES: 100 } } });
    const env = emulatorEnv(emu);
    const codes: number[] = [];
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i += 1) {
      // --allow-repeat: the repeat guard alone would stop this loop at its second send.
      const result = await runCli(['send', '+254712345678', '30', '--json', '--allow-repeat'], { sandbox, env });
      codes.push(result.code ?? -1);
      if (result.code !== 0) errors.push(parseJson(result).error);
    }
    expect(codes).toEqual([0, 0, 0, 2, 2]);
    expect(errors[0]).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(String((errors[0] as { message: string }).message)).toContain('limits.daily.KES (KES 100.00)');
    expect(emu.state().accepted).toHaveLength(3);
    expect(readLedger(ledgerPath(sandbox))).toHaveLength(3);
  });

  it('limits.perRun refuses a single send above it', async () => {
    const emu = await emulator();
    const result = await runCli(['send', '+254712345678', '60', '--json'], {
      sandbox: fastSandbox({ limits: { perRun: { KES: 50 } } }),
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
    expect(emu.state().sends).toHaveLength(0);
  });
});
