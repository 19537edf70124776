// Fuzzed bulk files: whatever bytes arrive, the reader and the validation pass answer with a
// result or the typed INVALID_FILE error, never a crash.
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/bulk/check.js';
import type { FileFormat } from '../../src/bulk/reader.js';
import { AirtimeError } from '../../src/core/errors.js';

// Files are slower than strings: 60 cases in the short form, the full count in the long one.
const RUNS = process.env.PROPERTY_RUNS ? Number(process.env.PROPERTY_RUNS) : 60;
const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
let n = 0;

async function check(content: string | Uint8Array, format: FileFormat) {
  const path = join(dir, `f${(n += 1)}`);
  writeFileSync(path, content);
  try {
    const result = await checkFile(path, format, { perRecipient: {} });
    expect(result.validCount + result.invalidCount).toBe(result.total);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    expect(error.code).toBe('INVALID_FILE');
  }
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

describe('fuzzed bulk files', () => {
  it('CSV', async () => {
    await fc.assert(fc.asyncProperty(csvText, (text) => check(text, 'csv')), { numRuns: RUNS });
  });

  it('arbitrary bytes as CSV, JSON and JSON lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.constantFrom<FileFormat>('csv', 'json', 'jsonl'), (bytes, format) => check(bytes, format)),
      { numRuns: RUNS },
    );
  });

  it('JSON arrays and lines built from odd values', async () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    const row = fc.oneof(value, fc.record({ phone: fc.oneof(fc.string(), fc.constant('+254712345678')), amount: fc.oneof(fc.double(), fc.string(), fc.constant(50)) }));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 10 }), fc.boolean(), (rows, asArray) =>
        check(asArray ? JSON.stringify(rows) : rows.map((r) => JSON.stringify(r)).join('\n'), asArray ? 'json' : 'jsonl'),
      ),
      { numRuns: RUNS },
    );
  });
});
