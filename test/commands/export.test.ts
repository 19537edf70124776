// `exportTransactions(options, ctx)` in-process: records streamed to stdout, or written to a private
// file. (test/e2e/records.test.ts runs the binary.)
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTransactions } from '../../src/commands/export.js';
import { EXIT } from '../../src/core/errors.js';
import { RECORD_FIELDS, type TransactionRecord } from '../../src/results/record.js';
import { failure, START, type TestContext, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

async function seed(t: TestContext): Promise<void> {
  await seedTransaction(t.ledger, { key: 'old', state: 'sent', at: START - 10 * 24 * 3600_000 });
  await seedTransaction(t.ledger, { key: 'new', state: 'failed', at: START, reference: 'inv-7' });
  await seedTransaction(t.ledger, { key: 'live', state: 'sent', at: START, account: 'acme', environment: 'live' });
}

describe('export', () => {
  it('without --output it hands the printer a stream of records, oldest first, of this environment', async () => {
    const t = testContext();
    await seed(t);
    const result = await exportTransactions({}, t.ctx);
    if (result.kind !== 'stream') throw new Error(`expected a stream, got ${result.kind}`);

    expect(result).toMatchObject({ format: 'csv', exitCode: EXIT.OK });
    const records: TransactionRecord[] = [];
    for await (const record of result.records) records.push(record);
    expect(records.map((r) => [r.idempotencyKey, r.state, r.amount, r.reference])).toEqual([
      ['old', 'sent', '50.00', null],
      ['new', 'failed', '50.00', 'inv-7'],
    ]);
    expect(records[1]).toMatchObject({ createdAt: new Date(START).toISOString(), errorCode: 'REJECTED', environment: 'sandbox' });
  });

  it('--output writes the file itself, mode 0600, and reports the rows; .jsonl picks JSON lines', async () => {
    const t = testContext();
    await seed(t);
    const csv = join(t.dir, 'november.csv');
    expect(await exportTransactions({ output: csv, since: '2d' }, t.ctx)).toEqual({
      kind: 'file',
      rows: 1,
      destination: csv,
      exitCode: EXIT.OK,
    });
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(RECORD_FIELDS.join(','));
    expect(lines).toHaveLength(2);
    expect(statSync(csv).mode & 0o777).toBe(0o600);

    const jsonl = join(t.dir, 'all.jsonl');
    expect(await exportTransactions({ output: jsonl, allEnvironments: true }, t.ctx)).toMatchObject({ rows: 3 });
    const keys = readFileSync(jsonl, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as TransactionRecord).idempotencyKey);
    expect(keys).toEqual(['old', 'new', 'live']);
  });

  it('a missing ledger exports nothing (a header only)', async () => {
    const t = testContext({ ledger: 'missing' });
    const path = join(t.dir, 'empty.csv');
    expect(await exportTransactions({ output: path }, t.ctx)).toMatchObject({ kind: 'file', rows: 0 });
    expect(readFileSync(path, 'utf8')).toBe(`${RECORD_FIELDS.join(',')}\n`);
  });

  it('an unknown --format, or a file that cannot be written, is a usage error', async () => {
    const t = testContext();
    expect((await failure(exportTransactions({ format: 'xlsx' }, t.ctx))).message).toBe('--format xlsx: use csv or jsonl');
    const error = await failure(exportTransactions({ output: join(t.dir, 'no', 'such', 'folder.csv') }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(/^cannot write .*folder\.csv: ENOENT$/);
  });

  it('--json without --output is a usage error naming --format jsonl, before the ledger is read', async () => {
    const t = testContext({ flags: { json: true } });
    const error = await failure(exportTransactions({}, t.ctx));
    expect(error).toMatchObject({ code: 'USAGE', exitCode: EXIT.USAGE });
    expect(error.message).toContain('use --format jsonl');
    expect(t.calls.readLedger).toBe(0);
    // With --output, --json reports the file written.
    expect(await exportTransactions({ output: join(t.dir, 'x.csv') }, t.ctx)).toMatchObject({ kind: 'file', rows: 0 });
  });
});
