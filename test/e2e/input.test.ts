// What a bulk file may hold, end to end: rows of the wrong width, amounts split at a thousands
// separator, spreadsheet exports, headers that name no phone or amount, endless lines, NUL bytes,
// and keys the ledger already holds for another payment. Each is refused before anything is sent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, FAST, makeSandbox, parseJson, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

function fastSandbox(): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, FAST);
  return sandbox;
}

function write(sandbox: Sandbox, name: string, content: string | Buffer): string {
  writeFileSync(join(sandbox.cwd, name), content);
  return name;
}

const rowsOf = (result: CliResult) => parseJson(result).rows as Record<string, unknown>[];
const invalidOf = (result: CliResult) =>
  (parseJson(result).invalid as { row: number; line: number; errors: { code: string; message: string }[] }[]).map((p) => [
    p.row,
    p.line,
    p.errors.map((e) => e.message).join('; '),
  ]);

describe('rows of the wrong width, and amounts split at a thousands separator', () => {
  it('refuses a row with more fields than the header: an unquoted 25,000 never pays 25', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = write(sandbox, 'pay.csv', 'phone,amount\n+254711000027,10\n+254711000028,25,000\n');
    const refused = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    expect(parseJson(refused)).toMatchObject({ ok: false, error: { code: 'INVALID_FILE' } });
    expect(invalidOf(refused)).toEqual([
      [2, 3, '3 fields where the header has 2: the amount 25,000 looks split at a thousands separator: write it as 25000'],
    ]);
    expect(emu.state().sends).toHaveLength(0);

    const wide = write(sandbox, 'wide.csv', 'phone,amount,reference\n+254711000028,50,ref,extra,extra\n+254711000029,50,ref,,\n');
    const result = await runCli(['validate', '--file', wide, '--json'], { sandbox });
    expect(result.code).toBe(2);
    // Extra fields that are all empty (a spreadsheet's trailing commas) are fine.
    expect(invalidOf(result)).toEqual([
      [1, 2, expect.stringMatching(/^5 fields where the header has 3: an amount with a thousands separator/)],
    ]);
  });

  it('refuses the same mistake under a reference column (right width), unless either field is quoted', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const file = write(
      sandbox,
      'ref.csv',
      'phone,amount,reference\n+254711000028,12,500\n+254711000029,12,"500"\n+254711000030,"12",500\n',
    );
    const refused = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(refused.code).toBe(2);
    expect(invalidOf(refused)).toEqual([
      [1, 2, expect.stringContaining('the amount 12 followed by 500 looks like 12,500 split at a thousands separator')],
    ]);
    expect(emu.state().sends).toHaveLength(0);

    // With --skip-invalid the row is listed and skipped; the quoted ones are meant, and paid.
    const skipped = await runCli(['send', '--file', file, '--yes', '--skip-invalid', '--json', '--report', 'report.csv'], {
      sandbox,
      env: emulatorEnv(emu),
    });
    expect(skipped.code).toBe(3);
    expect(parseJson(skipped)).toMatchObject({ sent: 2, skipped: 1, totals: { KES: '24.00' } });
    expect(rowsOf(skipped).map((r) => [r.row, r.state, r.reference])).toEqual([
      [1, 'invalid', null],
      [2, 'sent', '500'],
      [3, 'sent', '500'],
    ]);
    expect(readFileSync(join(sandbox.cwd, 'report.csv'), 'utf8')).toContain('looks like 12,500');
  });

  it('refuses a row with fewer fields than the header, blaming that row, not the header', async () => {
    const sandbox = makeSandbox();
    const file = write(sandbox, 'short.csv', 'phone,amount\n+254711000028\n+254711000029,50\n');
    const result = await runCli(['validate', '--file', file, '--json'], { sandbox });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ total: 2, validRows: 1 });
    expect(invalidOf(result)).toEqual([[1, 2, '1 field where the header has 2']]);
    const human = await runCli(['validate', '--file', file], { sandbox });
    expect(human.stderr).toContain('error: row 1 (line 2): 1 field where the header has 2');
    expect(human.stderr).not.toContain('header needs');
  });

  it('sends spreadsheet exports as Excel and LibreOffice write them: BOM, CRLF, quotes, trailing empty columns and rows', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    // Excel, "CSV UTF-8": a BOM, CRLF, a comma for every column of the used range, empty rows below.
    const excel = write(
      sandbox,
      'excel.csv',
      '\uFEFFphone,amount,reference,,\r\n+254711000031,50,January,,\r\n+254711000032,1500,"Bonus, March",,\r\n,,,,\r\n,,,,\r\n',
    );
    // LibreOffice with "quote all text cells": LF, quoted text, numbers bare, an empty trailing column.
    const libre = write(sandbox, 'libre.csv', '"phone","amount","reference",""\n"+254711000033",20,"A",\n"+254711000034",30,"",\n,,,\n');
    const a = await runCli(['send', '--file', excel, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(a.code).toBe(0);
    expect(parseJson(a)).toMatchObject({ total: 2, sent: 2, totals: { KES: '1550.00' } });
    expect(rowsOf(a).map((r) => r.reference)).toEqual(['January', 'Bonus, March']);
    const b = await runCli(['send', '--file', libre, '--yes', '--json'], { sandbox, env: emulatorEnv(emu) });
    expect(b.code).toBe(0);
    expect(parseJson(b)).toMatchObject({ total: 2, sent: 2, totals: { KES: '50.00' } });
  });
});

describe('headers', () => {
  it.each([
    [
      'number,value\n+254711000028,50\n',
      'money.csv: the CSV header is "number,value", but a phone (or phoneNumber) column and an amount column are needed',
    ],
    [
      'phone;amount\n+254711000028;50\n',
      'money.csv: the CSV header is "phone;amount", but a phone (or phoneNumber) column and an amount column are needed; its columns look separated by ";": save the file with commas',
    ],
    ['phone\tamount\n+254711000028\t50\n', 'its columns look separated by tabs: save the file with commas'],
  ])('names the header found and the file: %j', async (content, message) => {
    const sandbox = makeSandbox();
    write(sandbox, 'money.csv', content);
    const result = await runCli(['validate', '--file', 'money.csv', '--json'], { sandbox });
    expect(result.code).toBe(2);
    expect(parseJson(result)).toMatchObject({ ok: false, error: { code: 'INVALID_FILE', message: expect.stringContaining(message) } });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('bounded input', () => {
  const long = 'x'.repeat(70 * 1024);

  it.each([
    [
      'a CSV row',
      `phone,amount,reference\n+254711000028,50,a\n+254711000029,50,${long}\n`,
      'standard input: row 2 (line 3) is longer than 64 KiB',
    ],
    ['a CSV header', `phone,amount,${long}\n`, 'standard input: the header (line 1) is longer than 64 KiB'],
    [
      'a quoted CSV field over many lines',
      `phone,amount,reference\n+254711000029,50,"${'x\n'.repeat(40 * 1024)}"\n`,
      'standard input: row 1 (line 2) is longer than 64 KiB',
    ],
    [
      'a JSON line',
      `{"phone":"+254711000028","amount":50}\n{"phone":"+254711000029","amount":50,"reference":"${long}"}\n`,
      'standard input: row 2 (line 2) is longer than 64 KiB',
    ],
    [
      'a JSON array element',
      `[{"phone":"+254711000028","amount":50},\n{"phone":"+254711000029","amount":50,"reference":"${long}"}]`,
      'standard input: row 2 (line 2) is longer than 64 KiB',
    ],
    [
      'a NUL byte in a CSV row',
      'phone,amount\n+254711000028,50\n+254711000029,5\u00000\n',
      'standard input: row 2 (line 3) holds a NUL byte',
    ],
    [
      'a UTF-16 export',
      Buffer.from('\uFEFFphone,amount\r\n+254711000028,50\r\n', 'utf16le'),
      'standard input: the header (line 1) holds a NUL byte',
    ],
    [
      'a NUL byte in a JSON line',
      '{"phone":"+254711000028","amount":50}\n{"phone":"+254711000029","amount":"5\u00000"}\n',
      'standard input: row 2 (line 2) holds a NUL byte',
    ],
  ])('refuses %s with exit 2 at its row, nothing sent, even with --skip-invalid', async (_what, input, message) => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const sent = await runCli(['send', '--file', '-', '--yes', '--skip-invalid', '--json'], {
      sandbox,
      env: emulatorEnv(emu),
      input: input as string,
    });
    expect(sent.code).toBe(2);
    expect(parseJson(sent)).toMatchObject({ ok: false, error: { code: 'INVALID_FILE', message: expect.stringContaining(message) } });
    expect(sent.stderr.trim().split('\n')).toHaveLength(1);
    expect(emu.state().sends).toHaveLength(0);
    const validated = await runCli(['validate', '--file', '-'], { sandbox, input: input as string });
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain(message);
  });
});

describe('keys the ledger holds for another payment', () => {
  it('are found while validating: exit 2 IDEMPOTENCY_CONFLICT naming the row, nothing sent; --skip-invalid lists them', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    expect((await runCli(['send', '+254711000041', '10', '--key', 'order-7'], { sandbox, env })).code).toBe(0);
    const file = write(
      sandbox,
      'keys.csv',
      'phone,amount,key\n+254711000042,10,order-8\n+254711000041,20,order-7\n+254711000043,10,order-9\n',
    );

    const refused = await runCli(['send', '--file', file, '--yes', '--json'], { sandbox, env });
    expect(refused.code).toBe(2);
    expect(parseJson(refused)).toMatchObject({ ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' } });
    expect(invalidOf(refused)).toEqual([[2, 3, 'key order-7 already names KES 10.00 to +254711000041, not KES 20.00 to +254711000041']]);
    expect(emu.state().sends).toHaveLength(1);
    const validated = await runCli(['validate', '--file', file], { sandbox, env });
    expect(validated.code).toBe(2);
    expect(validated.stderr).toContain('row 2 (line 3): key order-7 already names KES 10.00');

    const skipped = await runCli(['send', '--file', file, '--yes', '--skip-invalid', '--json', '--report', 'report.jsonl'], {
      sandbox,
      env,
    });
    expect(skipped.code).toBe(3);
    expect(parseJson(skipped)).toMatchObject({ total: 3, sent: 2, skipped: 1 });
    const conflict = {
      row: 2,
      state: 'invalid',
      errorMessage: 'key order-7 already names KES 10.00 to +254711000041, not KES 20.00 to +254711000041',
    };
    expect(rowsOf(skipped).map((r) => [r.row, r.state])).toEqual([
      [1, 'sent'],
      [2, 'invalid'],
      [3, 'sent'],
    ]);
    expect(rowsOf(skipped)[1]).toMatchObject(conflict);
    const report = readFileSync(join(sandbox.cwd, 'report.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(report[1]).toMatchObject(conflict);
    const human = await runCli(['send', '--file', file, '--yes', '--skip-invalid'], { sandbox, env });
    expect(human.stdout).toContain('1 skipped');
    expect(emu.state().accepted).toHaveLength(3);
  });
});
