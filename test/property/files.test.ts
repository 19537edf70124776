// Fuzzed bulk files: whatever bytes arrive, the reader and the validation pass answer with a
// result or the typed INVALID_FILE error, never a crash; an amount split at a thousands separator
// never passes as a smaller one; and the built binary, fed such files, never sends from a file it
// refuses and always says why in one line.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/bulk/check.js';
import { MAX_LINE, type RawRow, readRows } from '../../src/bulk/reader.js';
import { AirtimeError } from '../../src/core/errors.js';
import type { FileCheck, FileFormat } from '../../src/results/bulk.js';
import { FAST, makeSandbox, parseJson, runCli, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

// Files are slower than strings: 60 cases in the short form, the full count in the long one.
const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : 60;
const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
let n = 0;

async function check(content: string | Uint8Array, format: FileFormat): Promise<FileCheck | AirtimeError> {
  const path = join(dir, `f${(n += 1)}`);
  writeFileSync(path, content);
  try {
    const result = await checkFile(path, format, { perRecipient: {} });
    expect(result.validCount + result.invalidCount).toBe(result.total);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    return result;
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    expect(error.code).toBe('INVALID_FILE');
    expect(error.message).not.toBe('');
    return error;
  }
}

/** Every row the reader gives, then the error that stopped it; in chunks of `size` bytes when given. */
async function readAll(content: Buffer, size?: number): Promise<(RawRow | string)[]> {
  const out: (RawRow | string)[] = [];
  let input: string | (() => AsyncIterable<Buffer>);
  if (size === undefined) {
    input = join(dir, `f${(n += 1)}.csv`);
    writeFileSync(input, content);
  } else {
    input = async function* () {
      for (let i = 0; i < content.length; i += size) yield content.subarray(i, i + size);
    };
  }
  try {
    for await (const row of readRows(input, 'csv', 'the file').rows) out.push(row);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    out.push(error.message);
  }
  return out;
}

const cell = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('+254712345678', '50', '"', '""', ',', '\n', '\r\n', '\uFEFF', 'KES', '"a,b"', ' '),
);
const csvText = fc
  .tuple(
    fc.constantFrom('phone,amount', 'phoneNumber,amount,currency,reference,key', 'amount,phone', '\uFEFFphone,amount', 'x,y'),
    fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 12 }),
    fc.constantFrom('\n', '\r\n'),
  )
  .map(([header, rows, eol]) => [header, ...rows.map((r) => r.join(','))].join(eol));

/**
 * CSV shapes a spreadsheet, a script or a hurried person writes: headers with trailing empty or
 * quoted columns, rows of any width, quoted and unquoted fields, other separators, amounts with a
 * thousands separator, NUL bytes, lines over the 64 KiB bound, empty rows, any line end.
 */
const shapeCell = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '+254712345678',
      '+254712345679',
      '+256701234567',
      '50',
      '1',
      '25',
      '000',
      '500',
      '1500',
      'KES',
      '',
      ' ',
      'ref',
      'k-1',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('"50"', '"25,000"', '"a, b"', '"say ""hi"""', '"two\nlines"', '""', ' "x" ') },
  { weight: 1, arbitrary: fc.constantFrom('5\u00000', '"\u0000"', 'a"b', '"open', '"x"y', ';', '\t', 'x'.repeat(MAX_LINE + 1)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
const shapeHeader = fc.constantFrom(
  'phone,amount',
  'phone,amount,reference',
  'phoneNumber,amount,currency,key,reference',
  'phone,amount,,',
  '"phone","amount","reference",""',
  '\uFEFFPhone Number,Amount',
  'phone;amount',
  'number,value',
  'phone\tamount',
);
const csvShape = fc
  .tuple(shapeHeader, fc.array(fc.array(shapeCell, { maxLength: 6 }), { maxLength: 10 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
  .map(([header, rows, eol, lastEol]) => [header, ...rows.map((r) => r.join(','))].join(eol) + (lastEol ? eol : ''));

describe('fuzzed bulk files', () => {
  it('CSV', async () => {
    await fc.assert(
      fc.asyncProperty(csvText, async (text) => void (await check(text, 'csv'))),
      { numRuns: RUNS },
    );
  });

  it('CSV shapes: rows of any width, quotes, separators, NULs, long lines, trailing empties', async () => {
    await fc.assert(
      fc.asyncProperty(csvShape, async (text) => {
        const result = await check(text, 'csv');
        // A NUL byte or a line over 64 KiB never comes to a verdict on rows: the file is refused.
        if (text.includes('\u0000') || text.split(/\r\n|\n|\r/).some((line) => line.length > MAX_LINE)) {
          expect(result).toBeInstanceOf(AirtimeError);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('CSV read in chunks of any size gives the same rows, lines and errors as read whole', async () => {
    await fc.assert(
      fc.asyncProperty(csvShape, fc.integer({ min: 1, max: 64 }), async (text, size) => {
        const bytes = Buffer.from(text);
        expect(await readAll(bytes, size)).toEqual(await readAll(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('an amount written with a thousands separator never passes as a smaller amount', async () => {
    // The amount meant, how it is written, and whether a column follows it.
    const written = fc.tuple(
      fc.integer({ min: 1, max: 999_999 }),
      fc.constantFrom('plain', 'quoted', 'separated', 'separated-quoted'),
      fc.boolean(),
    );
    const text = (amount: number, how: string) => {
      const grouped = amount.toLocaleString('en-US');
      return how === 'plain' ? String(amount) : how === 'quoted' ? `"${amount}"` : how === 'separated' ? grouped : `"${grouped}"`;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(written, { minLength: 1, maxLength: 6 }), async (rows) => {
        const withReference = rows.some(([, , reference]) => reference);
        const lines = rows.map(
          ([amount, how, reference], i) => `+2547123${String(i).padStart(5, '0')},${text(amount, how)}${reference ? ',r' : ''}`,
        );
        const path = join(dir, `t${(n += 1)}.csv`);
        writeFileSync(path, [withReference ? 'phone,amount,reference' : 'phone,amount', ...lines].join('\n'));
        const valid: { row: number; amountMinor: number }[] = [];
        await checkFile(path, 'csv', {
          perRecipient: {},
          onValidRow: (row) => void valid.push({ row: row.row, amountMinor: row.recipient.amountMinor }),
        });
        for (const { row, amountMinor } of valid) {
          const [amount, how] = rows[row - 1] as [number, string, boolean];
          // Whatever is accepted is the amount meant, never the part before the separator.
          expect(amountMinor).toBe(amount * 100);
          if (amount >= 1000) expect(how).not.toBe('separated');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes as CSV, JSON and JSON lines', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom<FileFormat>('csv', 'json', 'jsonl'),
        async (bytes, format) => void (await check(bytes, format)),
      ),
      { numRuns: RUNS },
    );
  });

  it('JSON arrays and lines built from odd values', async () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const row = fc.oneof(
      value,
      fc.record({
        phone: fc.oneof(fc.string(), fc.constant('+254712345678')),
        amount: fc.oneof(fc.double(), fc.string(), fc.constant(50)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 10 }),
        fc.boolean(),
        async (rows, asArray) =>
          void (await check(asArray ? JSON.stringify(rows) : rows.map((r) => JSON.stringify(r)).join('\n'), asArray ? 'json' : 'jsonl')),
      ),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzed files through the built binary', () => {
  // Each case runs the binary twice: a few in `npm test`, more in the long form.
  const CLI_RUNS = process.env.PROPERTY_RUNS ? Math.min(200, Math.ceil(Number(process.env.PROPERTY_RUNS) / 50)) : 6;

  it('never a crash, never a send from a refused file: exit 0 or 2, and one error line saying why', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    await fc.assert(
      fc.asyncProperty(csvShape, async (text) => {
        const before = emu.state().sends.length;
        const sent = await runCli(['send', '--file', '-', '--yes', '--json', '--new', '--allow-duplicates'], {
          sandbox,
          env: emulatorEnv(emu),
          input: text,
        });
        expect([0, 2]).toContain(sent.code);
        if (sent.code === 2) {
          expect(emu.state().sends.length).toBe(before);
          expect(parseJson(sent)).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(INVALID_FILE|LIMIT_EXCEEDED)$/) } });
          // One error line, the refused rows under it one a line (at most 20, then how many more),
          // and at most a hint.
          const [first, ...rest] = sent.stderr.trim().split('\n');
          expect(first).toMatch(/^error: /);
          const listed = rest.filter((line) => line.startsWith('  '));
          expect(listed.length).toBeLessThanOrEqual(21);
          expect(rest.length - listed.length).toBeLessThanOrEqual(1);
        }
        const validated = await runCli(['validate', '--file', '-', '--json', '--allow-duplicates'], { sandbox, input: text });
        expect([0, 2]).toContain(validated.code);
        expect(validated.stderr).not.toMatch(/unexpected failure/);
        if (sent.code === 0) expect(validated.code).toBe(0);
      }),
      { numRuns: CLI_RUNS },
    );
  }, 120_000);
});
