// Bulk sends end to end: the built binary, files on disk, the emulator counting acceptances, and
// real kills and interrupts.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/server.js';
import {
  type CliResult,
  collect,
  FAST,
  ledgerPath,
  makeSandbox,
  parseJson,
  runCli,
  runInTerminal,
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

/** Kenyan mobile numbers +254712340001, +254712340002, … */
function phone(i: number): string {
  return `+25471234${String(i).padStart(4, '0')}`;
}

function csv(sandbox: Sandbox, name: string, rows: string[][], header = 'phone,amount,currency,reference'): string {
  const path = join(sandbox.cwd, name);
  writeFileSync(path, `${[header, ...rows.map((r) => r.join(','))].join('\n')}\n`);
  return name;
}

function numbered(count: number, amount = '10'): string[][] {
  return Array.from({ length: count }, (_, i) => [phone(i + 1), amount, '', `r${i + 1}`]);
}

/** Every row of the batch accepted exactly once by the emulator, and none missing. */
function expectEachOnce(emu: Emulator, sandbox: Sandbox, batchId: string, rows: number): void {
  const ledger = readLedger(ledgerPath(sandbox)).filter((r) => r.batch_id === batchId);
  expect(ledger).toHaveLength(rows);
  const counts = emu.acceptancesByKey();
  for (const row of ledger) expect(counts.get(row.idempotency_key), `row ${String(row.row_number)}`).toBe(1);
  const batchAcceptances = emu.state().accepted.filter((a) => a.idempotencyKey?.startsWith(`${batchId}:`));
  expect(batchAcceptances).toHaveLength(rows);
  for (const row of ledger) expect(['sent', 'delivered', 'unknown']).toContain(row.state);
}

const rowsOf = (result: CliResult) => parseJson(result).rows as Record<string, unknown>[];

describe('airtime send --file', () => {
  it('sends a mixed-country file in full, with the contract JSON', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'mixed.csv', [
      ['+254712345678', '50', 'KES', 'ke'],
      ['+256701234567', '500', '', 'ug'],
      ['+255712345678', '1000.50', 'TZS', 'tz'],
      ['+2348034567890', '100', '', 'ng'],
      ['+27821234567', '10', '', 'za'],
    ]);
    const result = await runCli(['send', '--file', file, '--batch', 'mixed', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    const doc = parseJson(result);
    expect(doc).toMatchObject({
      ok: true,
      batchId: 'mixed',
      total: 5,
      sent: 5,
      failed: 0,
      unknown: 0,
      replayed: 0,
      skipped: 0,
      notReached: 0,
      totals: { KES: '50.00', UGX: '500', TZS: '1000.50', NGN: '100.00', ZAR: '10.00' },
    });
    expect(rowsOf(result)[2]).toEqual({
      row: 3,
      phoneNumber: '+255712345678',
      amount: '1000.50',
      currency: 'TZS',
      reference: 'tz',
      state: 'sent',
      requestId: expect.stringMatching(/^ATQid_/),
      idempotencyKey: expect.stringMatching(/^mixed:/),
      errorMessage: null,
    });
    expectEachOnce(emu, sandbox, 'mixed', 5);
    // `status` finds the batch by its id, and a row by its reference.
    const batch = parseJson(await runCli(['status', 'mixed', '--json'], { sandbox, env: emulatorEnv(emu) })).transactions as Record<
      string,
      unknown
    >[];
    expect(batch).toHaveLength(5);
    expect(batch.every((t) => t.batchId === 'mixed')).toBe(true);
    const byReference = parseJson(await runCli(['status', '--reference', 'tz', '--json'], { sandbox, env: emulatorEnv(emu) }));
    expect(byReference.transactions).toEqual([
      expect.objectContaining({ phoneNumber: '+255712345678', reference: 'tz', batchId: 'mixed' }),
    ]);
    // Piped: one summary line on stdout, no progress bar on stderr.
    const human = await runCli(['send', '--file', file, '--batch', 'mixed', '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(human.stdout.trim().split('\n')).toHaveLength(1);
    expect(human.stdout).toContain('batch mixed: 5 sent, 0 failed, 0 unknown, 5 replayed');
    expect(human.stderr).not.toContain('\r');
  });

  it('reads JSON arrays, JSON lines and stdin', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    writeFileSync(
      join(sandbox.cwd, 'rows.json'),
      JSON.stringify([
        { phoneNumber: phone(1), amount: 10 },
        { phone: phone(2), amount: '20' },
      ]),
    );
    writeFileSync(join(sandbox.cwd, 'rows.jsonl'), `{"phone":"${phone(3)}","amount":30}\n{"phone":"${phone(4)}","amount":40}\n`);
    const json = await runCli(['send', '--file', 'rows.json', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(parseJson(json)).toMatchObject({ sent: 2, totals: { KES: '30.00' } });
    const lines = await runCli(['send', '--file', 'rows.jsonl', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(parseJson(lines)).toMatchObject({ sent: 2, totals: { KES: '70.00' } });
    const stdin = await runCli(['send', '--file', '-', '--batch', 'from-stdin', '--yes', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
      input: `phone,amount\n${phone(5)},50\n${phone(6)},60\n`,
    });
    expect(stdin.code).toBe(0);
    expect(parseJson(stdin)).toMatchObject({ batchId: 'from-stdin', sent: 2 });
    expect(emu.state().accepted).toHaveLength(6);
  });

  it('stops everything on an invalid row, listing row numbers and reasons; --skip-invalid sends the rest (exit 3)', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'bad.csv', [
      [phone(1), '10', '', ''],
      ['+254202345678', '10', '', ''],
      [phone(3), '10.001', '', ''],
      [phone(4), '10', '', ''],
    ]);
    const refused = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    const doc = parseJson(refused);
    expect(doc).toMatchObject({ ok: false, error: { code: 'INVALID_FILE' } });
    expect((doc.invalid as { row: number }[]).map((r) => r.row)).toEqual([2, 3]);
    expect(refused.stderr).toContain('row 2 (line 3)');
    expect(emu.state().sends).toHaveLength(0);

    const skipped = await runCli(['send', '--file', file, '--yes', '--skip-invalid', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(skipped.code).toBe(3);
    expect(parseJson(skipped)).toMatchObject({ ok: false, total: 4, sent: 2, skipped: 2 });
    expect(rowsOf(skipped).map((r) => [r.row, r.state])).toEqual([
      [1, 'sent'],
      [2, 'invalid'],
      [3, 'invalid'],
      [4, 'sent'],
    ]);
    expect(emu.state().accepted).toHaveLength(2);
  });

  it('lists refused rows one a line: the first 20, then how many more and the command that shows them all', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    // 7 bad rows among good ones: each on its own line, in full.
    const seven = csv(sandbox, 'seven.csv', [
      [phone(1), '10', '', ''],
      ...Array.from({ length: 7 }, (_, i) => ['+254202345678', '10', '', `bad ${i}`]),
    ]);
    const few = await runCli(['send', '--file', seven, '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(few.code).toBe(2);
    const lines = few.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('error: 7 of 8 rows are invalid, so nothing was sent:');
    expect(lines.slice(1, 8)).toEqual(
      Array.from(
        { length: 7 },
        (_, i) =>
          `  row ${i + 2} (line ${i + 3}): invalid phone number +254202345678: it is a fixed-line number; airtime can only go to a mobile number`,
      ),
    );
    expect(lines.slice(8)).toEqual(['fix them, or pass --skip-invalid to send the valid rows']);
    expect(few.stderr).not.toContain('…');

    // 25 bad rows: 20 listed, then the rest counted, with the command that lists every one.
    const many = csv(
      sandbox,
      'many.csv',
      Array.from({ length: 25 }, (_, i) => [phone(i + 1), '1', '', '']),
    );
    const refused = await runCli(['send', '--file', many, '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    const listed = refused.stderr.split('\n').filter((line) => line.startsWith('  row '));
    expect(listed).toHaveLength(20);
    expect(listed[19]).toBe('  row 20 (line 21): KES 1.00 is below the KES minimum of KES 5.00');
    expect(refused.stderr).toContain('\n  and 5 more: `airtime validate --file many.csv`\n');
    const all = await runCli(['validate', '--file', many], { sandbox });
    expect(all.stderr.split('\n').filter((line) => line.startsWith('error: row '))).toHaveLength(25);
    expect(emu.state().sends).toHaveLength(0);
  });

  it('refuses duplicate rows unless they differ by reference or --allow-duplicates is given', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'dup.csv', [
      [phone(1), '10', '', ''],
      [phone(2), '10', '', ''],
      [phone(1), '10', '', ''],
    ]);
    const refused = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    expect(parseJson(refused)).toMatchObject({ error: { code: 'DUPLICATE_ROWS' }, duplicates: [{ row: 3, firstRow: 1 }] });
    expect(refused.stderr).toContain('nothing was sent:\n  row 3 repeats row 1\n');
    expect(emu.state().sends).toHaveLength(0);

    const distinct = csv(sandbox, 'distinct.csv', [
      [phone(1), '10', '', 'january'],
      [phone(1), '10', '', 'february'],
    ]);
    expect((await runCli(['send', '--file', distinct, '--yes'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);

    const allowed = await runCli(['send', '--file', file, '--yes', '--allow-duplicates', '--new', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(allowed.code).toBe(0);
    const keys = rowsOf(allowed).map((r) => r.idempotencyKey);
    expect(new Set(keys).size).toBe(3);
    expect(emu.state().accepted).toHaveLength(5);
  });

  it('ends a partial failure with exit 3, and resends failed rows only with --retry-failed, under new keys', async () => {
    const poor = await emulator({ balance: 'KES 25' });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'pay.csv', numbered(3));
    const partial = await runCli(['send', '--file', file, '--batch', 'p', '--yes', '--json', '--concurrency', '1'], {
      sandbox,
      env: emulatorEnv(poor),
    });
    expect(partial.code).toBe(3);
    expect(parseJson(partial)).toMatchObject({ sent: 2, failed: 1 });
    const failedRow = rowsOf(partial).find((r) => r.state === 'failed');
    expect(failedRow).toMatchObject({ errorMessage: 'Insufficient Credit' });

    const rich = await emulator();
    const quiet = await runCli(['send', '--file', file, '--batch', 'p', '--yes', '-q'], { sandbox, env: emulatorEnv(rich) });
    expect(quiet.code).toBe(3);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr.trim().split('\n')).toEqual(['error: batch p: 1 failed, 0 unknown, 0 skipped of 3; see `airtime status p`']);
    const again = await runCli(['send', '--file', file, '--batch', 'p', '--yes', '--json'], { sandbox, env: emulatorEnv(rich) });
    expect(again.code).toBe(3);
    expect(rich.state().sends).toHaveLength(0); // failed rows are replayed, not resent

    expect(again.stderr).toContain(
      `to resend the failed rows under new keys: airtime send --file ${file} --batch p --yes --retry-failed\n`,
    );
    const retried = await runCli(['send', '--file', file, '--batch', 'p', '--yes', '--retry-failed', '--json'], {
      sandbox,
      env: emulatorEnv(rich),
    });
    expect(retried.code).toBe(0);
    expect(parseJson(retried)).toMatchObject({ sent: 3, failed: 0 });
    expect(rich.state().accepted.map((a) => a.idempotencyKey)).toEqual([`${String(failedRow?.idempotencyKey)}~r1`]);

    // The batch is complete now: the plain command replays the resent row's result, not the old failure.
    const after = await runCli(['send', '--file', file, '--batch', 'p', '--yes', '--json'], { sandbox, env: emulatorEnv(rich) });
    expect(after.code).toBe(0);
    expect(parseJson(after)).toMatchObject({ ok: true, sent: 3, failed: 0, replayed: 3 });
    expect(rich.state().sends).toHaveLength(1);
  });

  it('re-running a completed batch sends nothing and replays its results with a warning', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'done.csv', numbered(4));
    const first = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    const again = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(again.code).toBe(first.code);
    expect(parseJson(again)).toMatchObject({ batchId: parseJson(first).batchId, sent: 4, replayed: 4 });
    expect(again.stderr).toContain('was already complete: nothing was sent');
    expect(emu.state().sends).toHaveLength(4);
  });

  it('refuses an edited copy of a paid file as REPEAT_PAYMENT, unless --new', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const rows = numbered(4);
    const paid = csv(sandbox, 'november.csv', rows);
    expect((await runCli(['send', '--file', paid, '--yes'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    const edited = csv(sandbox, 'november-final.csv', [...rows.slice(0, 3), [phone(9), '10', '', 'new person']]);
    const refused = await runCli(['send', '--file', edited, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    const doc = parseJson(refused);
    expect(doc).toMatchObject({ error: { code: 'REPEAT_PAYMENT' } });
    expect((doc.repeats as { row: number }[]).map((r) => r.row)).toEqual([1, 2, 3]);
    expect(refused.stderr).toMatch(/nothing was sent:\n {2}row 1: KES 10\.00 to \+\d+, already in batch file-[0-9a-f]+\n {2}row 2: /);
    expect(emu.state().sends).toHaveLength(4);
    const renamed = await runCli(['send', '--file', paid, '--batch', 'renamed', '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(renamed.code).toBe(2);
    const onPurpose = await runCli(['send', '--file', edited, '--yes', '--new', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(onPurpose.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(8);
  });

  it('under a named batch used before, checks the rows not yet paid: a re-export is REPEAT_PAYMENT, new rows count for limits.perRun', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox({ limits: { perRun: { KES: 100 } } });
    const send = (file: string, extra: string[] = []) =>
      runCli(['send', '--file', file, '--batch', 'payroll-2026-11', '--yes', '--json', ...extra], { sandbox, env: emulatorEnv(emu) });
    const paid = csv(sandbox, 'payroll.csv', [
      [phone(1), '40', '', 'INV-1'],
      [phone(2), '40', '', 'INV-2'],
    ]);
    expect((await send(paid)).code).toBe(0);
    // Re-exported with other references: every derived key is new, every payment is not.
    const reexported = csv(sandbox, 'payroll-again.csv', [
      [phone(1), '40', '', '2026-11/INV-1'],
      [phone(2), '40', '', '2026-11/INV-2'],
    ]);
    const refused = await send(reexported);
    expect(refused.code).toBe(2);
    expect(parseJson(refused)).toMatchObject({ error: { code: 'REPEAT_PAYMENT' } });
    expect(emu.state().sends).toHaveLength(2);
    // Two new people under the same name: 80 more this run is fine, 120 is over limits.perRun.
    const grown = csv(sandbox, 'payroll-grown.csv', [
      [phone(1), '40', '', 'INV-1'],
      [phone(2), '40', '', 'INV-2'],
      [phone(3), '60', '', 'INV-3'],
      [phone(4), '60', '', 'INV-4'],
    ]);
    const over = await send(grown);
    expect(over.code).toBe(2);
    expect(parseJson(over)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
    expect(emu.state().sends).toHaveLength(2);
    const fits = csv(sandbox, 'payroll-fits.csv', [
      [phone(1), '40', '', 'INV-1'],
      [phone(2), '40', '', 'INV-2'],
      [phone(3), '60', '', 'INV-3'],
    ]);
    const resumed = await send(fits);
    expect(resumed.code).toBe(0);
    expect(parseJson(resumed)).toMatchObject({ sent: 3, replayed: 2 });
    expect(emu.state().accepted).toHaveLength(3);
  });

  it("lists in rows and --report exactly this file's rows, numbered as in this file, when a batch runs again with an edited file", async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const send = (file: string) =>
      runCli(['send', '--file', file, '--batch', 'b1', '--yes', '--json', '--new', '--report', 'report.jsonl'], {
        sandbox,
        env: emulatorEnv(emu),
      });
    expect((await send(csv(sandbox, 'p1.csv', numbered(3)))).code).toBe(0);
    // One new person at the top: the others move down a row, and keep their keys.
    const grown = await send(csv(sandbox, 'p2.csv', [[phone(9), '10', '', 'r9'], ...numbered(3)]));
    expect(grown.code).toBe(0);
    const listed = rowsOf(grown).map((r) => [r.row, r.phoneNumber, r.state]);
    expect(listed).toEqual([
      [1, phone(9), 'sent'],
      [2, phone(1), 'sent'],
      [3, phone(2), 'sent'],
      [4, phone(3), 'sent'],
    ]);
    expect(parseJson(grown)).toMatchObject({ total: 4, sent: 4, replayed: 3 });
    const report = readFileSync(join(sandbox.cwd, 'report.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; phoneNumber: string });
    expect(report.map((r) => [r.row, r.phoneNumber])).toEqual(listed.map(([row, phoneNumber]) => [row, phoneNumber]));
    // A shorter file lists only its own rows, not the batch's others.
    const shorter = await send(csv(sandbox, 'p3.csv', [numbered(3)[2] as string[]]));
    expect(rowsOf(shorter).map((r) => [r.row, r.phoneNumber])).toEqual([[1, phone(3)]]);
    expect(emu.state().accepted).toHaveLength(4);
  });

  it('--retry-failed on a file paying one person twice on purpose is not taken for a repeat payment', async () => {
    const poor = await emulator({ balance: 'KES 15' });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'twice.csv', [
      [phone(1), '10', '', 'morning'],
      [phone(1), '10', '', 'evening'],
    ]);
    const partial = await runCli(['send', '--file', file, '--batch', 'twice', '--yes', '--json', '--concurrency', '1'], {
      sandbox,
      env: emulatorEnv(poor),
    });
    expect(parseJson(partial)).toMatchObject({ sent: 1, failed: 1 });
    const rich = await emulator();
    const retried = await runCli(['send', '--file', file, '--batch', 'twice', '--yes', '--json', '--retry-failed'], {
      sandbox,
      env: emulatorEnv(rich),
    });
    expect(retried.code).toBe(0);
    expect(parseJson(retried)).toMatchObject({ sent: 2, failed: 0 });
    expect(rich.state().accepted).toHaveLength(1);
  });

  it.each([
    ['with --max-num-retry 3', ['--max-num-retry', '3'], '(maxNumRetry 3)'],
    ["without the flag (Africa's Talking's default retry period)", [], '(its default retry period)'],
  ])(
    "--retry-failed does not resend a row whose delivery failed while Africa's Talking may still retry it, %s",
    async (_name, flag, why) => {
      const emu = await emulator();
      const sandbox = fastSandbox();
      const file = csv(sandbox, 'retry.csv', numbered(2));
      const send = (extra: string[] = []) =>
        runCli(['send', '--file', file, '--batch', 'mnr', '--yes', '--json', ...flag, ...extra], { sandbox, env: emulatorEnv(emu) });
      expect((await send()).code).toBe(0);
      // A status callback reports row 1's delivery failed.
      const { SqliteLedger } = await import('../../src/ledger/sqlite/ledger.js');
      const ledger = SqliteLedger.open(ledgerPath(sandbox));
      const first = readLedger(ledgerPath(sandbox))[0];
      await ledger.recordDelivery(
        Number(first?.id),
        { status: 'Failed', description: 'DeliveryFailure', requestId: String(first?.request_id), source: 'test', payload: {} },
        Date.now(),
      );
      await ledger.close();
      const held = await send(['--retry-failed']);
      expect(held.stderr).toContain(`row 1: not resent: Africa's Talking reported its delivery failed, but may still deliver it ${why}`);
      expect(parseJson(held)).toMatchObject({ sent: 1, failed: 1, replayed: 2 });
      expect(emu.state().sends).toHaveLength(2);
      // Past AT's retry period, the same command resends it under a new key.
      const db = rawDatabase(ledgerPath(sandbox));
      db.run(
        'UPDATE transactions SET first_attempt_at = first_attempt_at - ?, created_at = created_at - ? WHERE id = ?',
        9 * 3_600_000,
        9 * 3_600_000,
        first?.id,
      );
      db.close();
      const resent = await send(['--retry-failed']);
      expect(resent.code).toBe(0);
      expect(emu.state().accepted.map((a) => a.idempotencyKey)).toEqual([
        first?.idempotency_key,
        expect.any(String),
        `${String(first?.idempotency_key)}~r1`,
      ]);
    },
  );

  it('refuses a batch over the daily cap before sending anything', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox({ limits: { daily: { KES: 100 } } });
    const file = csv(sandbox, 'big.csv', numbered(6, '20'));
    const result = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED' } });
    expect(emu.state().sends).toHaveLength(0);
    const perRun = fastSandbox({ limits: { perRun: { KES: 100 } } });
    const run = await runCli(['send', '--file', csv(perRun, 'big.csv', numbered(6, '20')), '--yes'], {
      sandbox: perRun,
      env: emulatorEnv(emu),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('limits.perRun.KES');
    // A dry run says the same, for both caps, as it answers whether the run would go.
    for (const [box, name] of [
      [perRun, 'perRun'],
      [sandbox, 'daily'],
    ] as const) {
      const dry = await runCli(['send', '--file', 'big.csv', '--dry-run', '--json'], { sandbox: box, env: emulatorEnv(emu) });
      expect(dry.code).toBe(2);
      expect(parseJson(dry)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining(`limits.${name}.KES`) } });
    }
    const single = await runCli(['send', '+254712345678', '150', '--dry-run', '--json'], { sandbox: perRun, env: emulatorEnv(emu) });
    expect(single.code).toBe(2);
    expect(parseJson(single)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('limits.perRun.KES') } });
    // The daily cap counts what the ledger holds: 80 of 100 spent, so 30 more would pass it.
    expect((await runCli(['send', '+254712345678', '80', '--yes'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    const dailyDry = await runCli(['send', '+254712345679', '30', '--dry-run', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(dailyDry.code).toBe(2);
    expect(parseJson(dailyDry)).toMatchObject({ error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('limits.daily.KES') } });
    expect((await runCli(['send', '+254712345679', '20', '--dry-run', '--json'], { sandbox, env: emulatorEnv(emu) })).code).toBe(0);
    expect(emu.state().sends).toHaveLength(1); // the one real send above
  });

  it('needs --yes off a terminal, and --dry-run sends nothing', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'x.csv', numbered(2));
    const refused = await runCli(['send', '--file', file], { sandbox, env: emulatorEnv(emu), keepStdinOpen: true });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const dry = await runCli(['send', '--file', file, '--dry-run', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(dry.code).toBe(0);
    expect(parseJson(dry)).toMatchObject({ ok: true, dryRun: true, total: 2, valid: 2, totals: { KES: '20.00' } });
    expect(emu.state().sends).toHaveLength(0);
    expect(existsSync(ledgerPath(sandbox))).toBe(false);
  });

  it('writes a report, slows the whole batch on a 429, and honours --rate', async () => {
    const emu = await emulator({ faultScript: ['429', '429'] });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'r.csv', numbered(5));
    const started = Date.now();
    const result = await runCli(['send', '--file', file, '--yes', '--rate', '2', '--report', 'out.jsonl'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(0);
    // A burst of two, then one request every half second: at least 1.5 s for seven requests.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(emu.state().sends).toHaveLength(7);
    const report = readFileSync(join(sandbox.cwd, 'out.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { state: string });
    expect(report.map((r) => r.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expectEachOnce(emu, sandbox, String(readLedger(ledgerPath(sandbox))[0]?.batch_id), 5);
  });

  it('writes a CSV report a spreadsheet can open safely: a formula in a reference is defused, numbers are not', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'formula.csv', [
      [phone(1), '10', '', '=1+2'],
      [phone(2), '10', '', 'plain'],
    ]);
    const result = await runCli(['send', '--file', file, '--batch', 'formula', '--yes', '--report', 'out.csv'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(0);
    const [header, ...lines] = readFileSync(join(sandbox.cwd, 'out.csv'), 'utf8').trim().split('\n');
    expect(header).toBe('row,phoneNumber,amount,currency,reference,state,requestId,idempotencyKey,errorMessage');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^1,\\${phone(1)},10\\.00,KES,'=1\\+2,sent,ATQid_`));
    expect(lines[1]).toMatch(new RegExp(`^2,\\${phone(2)},10\\.00,KES,plain,sent,`));
  });

  it("takes each row's key from a key column: rows alike but for their keys are two sends, not duplicates", async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = csv(
      sandbox,
      'keys.csv',
      [
        [phone(1), '10', 'pay-a'],
        [phone(1), '10', 'pay-b'],
      ],
      'phone,amount,key',
    );
    const result = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    expect(rowsOf(result).map((r) => r.idempotencyKey)).toEqual(['pay-a', 'pay-b']);
    expect([...emu.acceptancesByKey()]).toEqual([
      ['pay-a', 1],
      ['pay-b', 1],
    ]);
  });

  it("exits 5 when a row's outcome is unknown, over the 0 of the rows sent", async () => {
    const emu = await emulator({ faultScript: ['hang'] });
    const sandbox = fastSandbox({ timeout: 0.3 });
    const result = await runCli(['send', '--file', csv(sandbox, 'u.csv', numbered(3)), '--yes', '--concurrency', '1', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(result.code).toBe(5);
    expect(parseJson(result)).toMatchObject({ ok: false, sent: 2, unknown: 1, failed: 0 });
    expect(emu.state().accepted).toHaveLength(3); // the hung one was accepted: never resent as new
  });

  it('draws a progress bar at a terminal', async () => {
    const emu = await emulator({ latencyMs: 20 });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 't.csv', numbered(8));
    const result = await runInTerminal(['send', '--file', file, '--yes'], { sandbox, env: emulatorEnv(emu) });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('█');
    expect(result.stdout).toContain('8/8');
    expect(result.stdout).toContain('ETA');
  });

  it('draws the bar on stderr only: `airtime send --file … > out.txt` keeps it out of the file', async () => {
    const emu = await emulator({ latencyMs: 20 });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 't.csv', numbered(8));
    const out = join(sandbox.home, 'out.txt');
    const result = await runInTerminal(['send', '--file', file, '--yes'], { sandbox, env: emulatorEnv(emu), stdoutTo: out });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('█'); // the terminal, where stderr still goes
    const saved = readFileSync(out, 'utf8');
    expect(saved).toMatch(/^batch file-[0-9a-f]+: 8 sent/);
    expect(saved).not.toContain('█');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no carriage return or escape may reach the file
    expect(saved).not.toMatch(/\r|\u001b/);
  });
});

describe('bulk sends survive kills, interrupts and each other', () => {
  it('SIGKILL at three moments, then re-runs: every row accepted exactly once, none missing', async () => {
    const emu = await emulator({ latencyMs: 30 });
    const sandbox = fastSandbox();
    const rows = 30;
    const file = csv(sandbox, 'payroll.csv', numbered(rows));
    const args = ['send', '--file', file, '--batch', 'payroll', '--yes', '--json', '--timeout', '10'];
    const env = emulatorEnv(emu);
    const killAfter = async (condition: () => boolean) => {
      const child = spawnCli(args, { sandbox, env });
      const done = collect(child);
      await waitFor(condition, 15_000, 'the moment to kill');
      child.kill('SIGKILL');
      expect((await done).signal).toBe('SIGKILL');
    };
    await killAfter(() => emu.state().sends.length >= 1); // as the first requests leave
    await killAfter(() => emu.state().accepted.length >= 12); // in the middle
    const acceptedBefore = emu.state().accepted.length;
    emu.script(['hang']); // the next request is accepted and never answered
    await killAfter(() => emu.state().sends.some((s) => s.fault === 'hang') && emu.state().accepted.length > acceptedBefore);
    let last: CliResult | undefined;
    for (let run = 0; run < 3; run += 1) {
      last = await runCli(args, { sandbox, env });
      if (last.code === 0 || last.code === 5) break;
    }
    expect([0, 5]).toContain(last?.code);
    expect(parseJson(last as CliResult)).toMatchObject({ total: rows, failed: 0 });
    expectEachOnce(emu, sandbox, 'payroll', rows);
  });

  it('two processes running the same file at once send each row once, and both succeed', async () => {
    const emu = await emulator({ latencyMs: 20 });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'twice.csv', numbered(16));
    const args = ['send', '--file', file, '--batch', 'twice', '--yes', '--json'];
    const [a, b] = await Promise.all([runCli(args, { sandbox, env: emulatorEnv(emu) }), runCli(args, { sandbox, env: emulatorEnv(emu) })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(parseJson(a)).toMatchObject({ sent: 16 });
    expect(parseJson(b)).toMatchObject({ sent: 16 });
    expectEachOnce(emu, sandbox, 'twice', 16);
  });

  it('SIGINT stops dispatching, exits 130 with the command that resumes, and the resume finishes the batch', async () => {
    const emu = await emulator({ latencyMs: 40 });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'big.csv', numbered(30));
    const child = spawnCli(['send', '--file', file, '--batch', 'ctrl-c', '--yes', '--concurrency', '2'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    const done = collect(child);
    await waitFor(() => emu.state().accepted.length >= 4, 15_000, 'some rows sent');
    child.kill('SIGINT');
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('interrupted by SIGINT');
    const resume = /airtime (send --file .*)$/m.exec(interrupted.stderr)?.[1];
    expect(resume).toBe(`send --file ${file} --batch ctrl-c --yes --concurrency 2`);
    const sentBefore = emu.state().accepted.length;
    expect(sentBefore).toBeLessThan(30);
    // The rows it never reached are counted as such, not as "skipped" (invalid or refused rows).
    expect(interrupted.stdout).toContain(`, 0 skipped, ${30 - sentBefore} not reached (`);
    // Nothing was left pending: every dispatched row was settled before the exit.
    expect(readLedger(ledgerPath(sandbox)).filter((r) => r.state === 'pending')).toHaveLength(0);
    const resumed = await runCli([...(resume ?? '').split(' '), '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(resumed.code).toBe(0);
    expect(parseJson(resumed)).toMatchObject({ sent: 30, replayed: sentBefore });
    expectEachOnce(emu, sandbox, 'ctrl-c', 30);
  });

  it('--json counts the rows an interrupted run never reached as notReached, apart from skipped ones', async () => {
    const emu = await emulator({ latencyMs: 40 });
    const sandbox = fastSandbox();
    // Row 2 is invalid: skipped, with --skip-invalid; the rest are valid.
    const rows = numbered(20);
    const file = csv(sandbox, 'cut.csv', [rows[0] ?? [], ['not-a-phone', '10', '', 'bad'], ...rows.slice(1)]);
    const child = spawnCli(['send', '--file', file, '--batch', 'cut', '--yes', '--skip-invalid', '--concurrency', '1', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    const done = collect(child);
    await waitFor(() => emu.state().accepted.length >= 3, 15_000, 'some rows sent');
    child.kill('SIGINT');
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    const sent = emu.state().accepted.length;
    expect(parseJson(interrupted)).toMatchObject({
      ok: false,
      error: { code: 'INTERRUPTED' },
      total: 21,
      sent,
      skipped: 1,
      notReached: 20 - sent,
    });
  });

  it('a second SIGINT exits 130 at once without waiting for requests in flight; the re-run finishes the batch', async () => {
    const emu = await emulator({ faultScript: ['stall', 'stall'] });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'stuck.csv', numbered(6));
    const child = spawnCli(['send', '--file', file, '--batch', 'stuck', '--yes', '--concurrency', '2', '--timeout', '30'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = collect(child);
    await waitFor(() => emu.state().sends.length === 2, 15_000, 'two requests in flight');
    child.kill('SIGINT');
    await waitFor(() => stderr.includes('stopping'), 5_000, 'the first SIGINT to be taken');
    const second = Date.now();
    child.kill('SIGINT');
    const result = await done;
    expect(result.code).toBe(130);
    expect(Date.now() - second).toBeLessThan(5_000); // not the 30 s the requests in flight could take
    // Nothing lost track of: the two requests in flight stay pending, for the re-run to recover,
    // and so do the two rows claimed to go next (claimed while those were in flight, never sent).
    const pending = readLedger(ledgerPath(sandbox)).filter((r) => r.state === 'pending');
    expect(pending.map((r) => r.row_number)).toEqual([1, 2, 3, 4]);
    const resumed = await runCli(['send', '--file', file, '--batch', 'stuck', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(resumed.code).toBe(0);
    expectEachOnce(emu, sandbox, 'stuck', 6);
  });

  it('SIGTERM exits 143 the same way; with --json the summary carries error INTERRUPTED and the resume command', async () => {
    const emu = await emulator({ latencyMs: 40 });
    const sandbox = fastSandbox();
    const file = csv(sandbox, 'f.csv', numbered(20));
    const child = spawnCli(['send', '--file', file, '--batch', 'term', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    const done = collect(child);
    await waitFor(() => emu.state().accepted.length >= 2, 15_000, 'some rows sent');
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(143);
    const doc = parseJson(result);
    expect(doc).toMatchObject({
      ok: false,
      error: {
        code: 'INTERRUPTED',
        message: expect.stringContaining('SIGTERM'),
        resumeCommand: expect.stringContaining(`send --file ${file} --batch term`),
      },
      batchId: 'term',
      total: 20,
    });
    expect(doc.sent).toBeLessThan(20);
    // A run that finishes has no error: the field means "stopped early", nothing else.
    const finished = parseJson(
      await runCli(['send', '--file', file, '--batch', 'term', '--yes', '--json'], { sandbox, env: emulatorEnv(emu) }),
    );
    expect(finished).toMatchObject({ ok: true, sent: 20 });
    expect(finished).not.toHaveProperty('error');
  });
});

describe('airtime validate --file', () => {
  it("shows a cell's control characters as escapes in its errors, so a file cannot drive the terminal", async () => {
    const sandbox = makeSandbox();
    writeFileSync(join(sandbox.cwd, 'esc.csv'), 'phone,amount\n"\u001b]0;pwned\u0007+2547\u001b[31mRED",50\n');
    const result = await runCli(['validate', '--file', 'esc.csv'], { sandbox });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid phone number \\u001b]0;pwned\\u0007+2547\\u001b[31mRED');
    expect(result.stderr).not.toContain('\u001b');
  });

  it.each([
    ['validate', 'missing.csv', 'no such file'],
    ['validate', 'missing.json', 'no such file'],
    ['validate', '.', 'it is a folder'],
    ['send', 'missing.csv', 'no such file'],
    ['send', '.', 'it is a folder'],
  ])('%s --file %s is one clear INVALID_FILE error, exit 2', async (command, file, reason) => {
    const sandbox = makeSandbox();
    const result = await runCli([command, '--file', file, '--json', ...(command === 'send' ? ['--yes'] : [])], {
      sandbox,
      env: { AT_USERNAME: 'sandbox', AT_API_KEY: 'k' },
    });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toEqual({ ok: false, error: { code: 'INVALID_FILE', message: `cannot read ${file}: ${reason}` } });
    expect(result.stderr.trim().split('\n')).toEqual([`error: cannot read ${file}: ${reason}`]);
  });

  it('reports counts, totals per currency and the invalid rows, offline', async () => {
    const sandbox = makeSandbox();
    const file = csv(sandbox, 'v.csv', [
      ['+254712345678', '50', '', ''],
      ['+256701234567', '500', '', ''],
      ['+254202345678', '50', '', ''],
      ['+254712345678', '50', '', ''],
    ]);
    const result = await runCli(['validate', '--file', file, '--json'], { sandbox, env: { AIRTIME_API_URL: 'http://127.0.0.1:1' } });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({
      ok: false,
      valid: false,
      total: 4,
      validRows: 3,
      invalidRows: 1,
      duplicates: 1,
      totals: { KES: '100.00', UGX: '500' },
      invalid: [{ row: 3, errors: [{ code: 'INVALID_PHONE' }] }],
      duplicateRows: [{ row: 4, firstRow: 1 }],
    });
    const human = await runCli(['validate', '--file', file], { sandbox });
    expect(human.stdout).toContain('4 row(s): 3 valid, 1 invalid, 1 duplicate(s); KES 100.00, UGX 500');
    expect(human.stderr).toContain('row 3 (line 4)');
    const good = csv(sandbox, 'good.csv', numbered(3));
    expect((await runCli(['validate', '--file', good], { sandbox })).code).toBe(0);
    expect((await runCli(['validate', '--file', '-'], { sandbox, input: 'phone,amount\n+254712345678,50\n' })).code).toBe(0);
  });
});

describe('flags that do not go with --file', () => {
  it.each([
    ['--key', 'k1'],
    ['--currency', 'KES'],
  ])('refuses %s with exit 2 before reading the file', async (flag, value) => {
    const sandbox = makeSandbox();
    const result = await runCli(['send', '--file', 'missing.csv', flag, value, '--yes'], { sandbox });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${flag} does not go with --file`);
  });
});
