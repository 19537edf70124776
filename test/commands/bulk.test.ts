// `sendFile` (send --file) and `validateFile` (validate --file) in-process: what a list is refused
// for, what is asked, what is sent and what the ledger holds. (test/e2e/bulk.test.ts runs the binary.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sendFile, validateFile } from '../../src/commands/bulk.js';
import { AirtimeError, EXIT } from '../../src/core/errors.js';
import type { BulkOutcome, BulkRow } from '../../src/results/bulk.js';
import { accepted, failure, type TestContext, testContext } from '../helpers/context.js';

const A = '+254711000001';
const B = '+254711000002';
const C = '+254711000003';

function file(t: TestContext, lines: string[], name = 'payouts.csv'): string {
  const path = join(t.dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function rowsOf(outcome: BulkOutcome): Promise<BulkRow[]> {
  if (outcome.kind !== 'done') throw new Error(`the run ended ${outcome.kind}`);
  const rows: BulkRow[] = [];
  for await (const row of outcome.rows()) rows.push(row);
  return rows;
}

describe('validate --file', () => {
  it('a good file is valid (exit 0), with no client and nothing sent', async () => {
    const t = testContext({ settings: { username: undefined, apiKey: undefined } });
    const result = await validateFile({ file: file(t, ['phone,amount', `${A},50`, `${B},25.50`]) }, t.ctx);

    expect(result.valid).toBe(true);
    expect(result.exitCode).toBe(EXIT.OK);
    expect(result.check).toMatchObject({ format: 'csv', total: 2, validCount: 2, invalidCount: 0, duplicateCount: 0 });
    expect([...result.check.totals].map(([market, minor]) => [market.currency, minor])).toEqual([['KES', 7550]]);
    expect(t.calls.client).toBe(0);
    // No username: keys cannot be checked against an account's ledger, so it is not opened.
    expect(t.calls.readLedger).toBe(0);
  });

  it('an invalid row makes the file invalid (exit 2) and is listed', async () => {
    const t = testContext();
    const result = await validateFile({ file: file(t, ['phone,amount', `${A},50`, '+2547,50']) }, t.ctx);
    expect(result.valid).toBe(false);
    expect(result.exitCode).toBe(EXIT.USAGE);
    expect(result.check.invalid).toEqual([{ row: 2, line: 3, errors: [expect.objectContaining({ code: 'INVALID_PHONE' })] }]);
  });

  it('duplicate rows are invalid unless allowed', async () => {
    const t = testContext();
    const path = file(t, ['phone,amount', `${A},50`, `${A},50`]);
    expect((await validateFile({ file: path }, t.ctx)).exitCode).toBe(EXIT.USAGE);
    const allowed = await validateFile({ file: path, allowDuplicates: true }, t.ctx);
    expect(allowed).toMatchObject({ valid: true, allowDuplicates: true, exitCode: EXIT.OK });
    expect(allowed.check.duplicates).toEqual([{ row: 2, firstRow: 1 }]);
  });

  it('a key the ledger holds for another payment is invalid, as the send would find', async () => {
    const t = testContext();
    await sendFile({ file: file(t, ['phone,amount,key', `${A},50,pay-1`], 'first.csv'), yes: true }, t.ctx);
    const result = await validateFile({ file: file(t, ['phone,amount,key', `${B},50,pay-1`]) }, t.ctx);
    expect(result.valid).toBe(false);
    expect(result.check.invalid[0]?.errors[0]?.code).toBe('IDEMPOTENCY_CONFLICT');
  });

  it('a ledger that cannot be read only costs the key check, with a warning', async () => {
    const t = testContext();
    t.ctx.readLedger = async () => {
      throw new AirtimeError('LEDGER_ERROR', 'ledger.db is not a database');
    };
    const result = await validateFile({ file: file(t, ['phone,amount', `${A},50`]) }, t.ctx);
    expect(result.exitCode).toBe(EXIT.OK);
    expect(t.notes).toEqual([{ kind: 'warning', message: 'keys were not checked against the ledger: ledger.db is not a database' }]);
  });

  it('reads the file from stdin for -', async () => {
    const t = testContext({ stdin: `phone,amount\n${A},50\n` });
    const result = await validateFile({ file: '-' }, t.ctx);
    expect(result.check.total).toBe(1);
  });
});

describe('send --file', () => {
  const payouts = (t: TestContext) => file(t, ['phone,amount,reference', `${A},50,alice`, `${B},60,bob`, `${C},70,carol`]);

  it('off a terminal a bulk send needs --yes (exit 2), and reads nothing', async () => {
    const t = testContext();
    const error = await failure(sendFile({ file: payouts(t) }, t.ctx));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('a bulk send off a terminal needs --yes (or --dry-run to check it first)');
    expect(t.calls.settings).toEqual([]);
    expect(t.at.sends).toEqual([]);
  });

  it('sends every row once under its own key, and records them in the batch', async () => {
    const t = testContext();
    const outcome = await sendFile({ file: payouts(t), batch: 'payroll-1', yes: true, concurrency: 1 }, t.ctx);

    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({
      batchId: 'payroll-1',
      total: 3,
      sent: 3,
      failed: 0,
      unknown: 0,
      replayed: 0,
      skipped: 0,
      notReached: 0,
      totals: { KES: '180.00' },
      alreadyComplete: false,
      interrupted: null,
    });
    expect(t.at.sends.map((r) => [r.phoneNumber, r.amount])).toEqual([
      [A, 'KES 50.00'],
      [B, 'KES 60.00'],
      [C, 'KES 70.00'],
    ]);
    expect(new Set(t.at.sends.map((r) => r.idempotencyKey)).size).toBe(3);
    expect(t.calls.settings[0]).toEqual({ overrides: expect.objectContaining({ concurrency: 1 }), use: 'send' });
    const rows = await rowsOf(outcome);
    expect(rows.map((r) => [r.row, r.state, r.reference])).toEqual([
      [1, 'sent', 'alice'],
      [2, 'sent', 'bob'],
      [3, 'sent', 'carol'],
    ]);
    expect((await t.ledger.lookup('payroll-1')).map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);
    expect(t.progress).toEqual([expect.objectContaining({ total: 3 })]);
  });

  it('running the batch again sends nothing: every row is replayed from the ledger', async () => {
    const t = testContext();
    const path = payouts(t);
    await sendFile({ file: path, batch: 'payroll-1', yes: true }, t.ctx);
    const again = await sendFile({ file: path, batch: 'payroll-1', yes: true }, t.ctx);

    expect(again.exitCode).toBe(EXIT.OK);
    // Replayed rows count as sent (they were, by the first run); alreadyComplete says none was new.
    expect(again.kind === 'done' && again.summary).toMatchObject({ sent: 3, replayed: 3, alreadyComplete: true });
    expect(t.at.sends).toHaveLength(3);
  });

  it('a dry run sends nothing and asks for no client', async () => {
    const t = testContext();
    const outcome = await sendFile({ file: payouts(t), batch: 'payroll-1', dryRun: true }, t.ctx);
    expect(outcome.kind).toBe('dry-run');
    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(outcome.kind === 'dry-run' && outcome.batchId).toBe('payroll-1');
    expect(t.calls.client).toBe(0);
    expect(t.at.sends).toEqual([]);
    expect(await t.ledger.recent({})).toEqual([]);
  });

  it('at a terminal shows the totals and the balance, and a no sends nothing (exit 130)', async () => {
    const t = testContext({ terminal: true, answers: [{ confirmBatch: false }] });
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 1,234.5' });
    const outcome = await sendFile({ file: payouts(t), batch: 'payroll-1' }, t.ctx);

    expect(outcome).toEqual({ kind: 'declined', exitCode: EXIT.SIGINT });
    expect(t.asked.map((q) => q.batch)).toEqual([
      { batchId: 'payroll-1', rows: 3, totals: 'KES 180.00', environment: 'sandbox', balance: 'KES 1234.50', resuming: false },
    ]);
    expect(t.at.sends).toEqual([]);
    expect(await t.ledger.recent({})).toEqual([]);
  });

  it('invalid rows stop the whole file (exit 2) unless --skip-invalid, which sends the rest (exit 3)', async () => {
    const t = testContext();
    const path = file(t, ['phone,amount', `${A},50`, '+2547,50']);
    const error = await failure(sendFile({ file: path, yes: true }, t.ctx));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(t.at.sends).toEqual([]);

    const outcome = await sendFile({ file: path, yes: true, skipInvalid: true }, t.ctx);
    expect(outcome.exitCode).toBe(EXIT.PARTIAL);
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, skipped: 1 });
    expect(t.at.sends).toHaveLength(1);
  });

  it('a new batch paying what was paid in the last 24 hours is refused unless --new', async () => {
    const t = testContext();
    await sendFile({ file: file(t, ['phone,amount', `${A},50`], 'monday.csv'), batch: 'monday', yes: true }, t.ctx);
    t.clock.advance(60 * 60 * 1000);
    const tuesday = file(t, ['phone,amount', `${A},50`, `${B},60`], 'tuesday.csv');

    const error = await failure(sendFile({ file: tuesday, batch: 'tuesday', yes: true }, t.ctx));
    expect(error.code).toBe('REPEAT_PAYMENT');
    expect(t.at.sends).toHaveLength(1);

    const outcome = await sendFile({ file: tuesday, batch: 'tuesday', yes: true, new: true }, t.ctx);
    expect(outcome.exitCode).toBe(EXIT.OK);
    expect(t.at.sends).toHaveLength(3);
  });

  it('Ctrl-C stops the batch: the row in flight is recorded, no other is sent, exit 130 with the command to resume', async () => {
    const t = testContext();
    t.at.script.send.push((request) => {
      t.interrupt('SIGINT');
      return accepted('ATQid_first', request.amount);
    });
    const outcome = await sendFile({ file: payouts(t), batch: 'payroll-1', yes: true, concurrency: 1 }, t.ctx);

    expect(outcome.exitCode).toBe(EXIT.SIGINT);
    // The two rows never reached are not "skipped": that word is for rows that cannot be sent.
    expect(outcome.kind === 'done' && outcome.summary).toMatchObject({ sent: 1, skipped: 0, notReached: 2, interrupted: 'SIGINT' });
    expect(outcome.kind === 'done' && outcome.summary.resumeCommand).toMatch(/--batch payroll-1/);
    expect(t.at.sends).toHaveLength(1);
    expect((await t.ledger.lookup('payroll-1')).map((r) => [r.requestId, r.state])).toEqual([['ATQid_first', 'sent']]);
    expect(t.notes).toContainEqual({ kind: 'finishing', signal: 'SIGINT', bulk: true });
    expect(t.listening()).toBe(0);

    // The same command again sends the rest, and only the rest.
    const resumed = await sendFile({ file: payouts(t), batch: 'payroll-1', yes: true }, t.ctx);
    expect(resumed.exitCode).toBe(EXIT.OK);
    expect(t.at.sends.map((r) => r.phoneNumber)).toEqual([A, B, C]);
  });

  it('a rejected row and an accepted one end partial (exit 3), and the report has both', async () => {
    const t = testContext();
    t.at.script.send.push({ kind: 'rejected', reason: 'number', errorMessage: 'Invalid Phone Number' });
    const report = join(t.dir, 'report.csv');
    const outcome = await sendFile(
      { file: file(t, ['phone,amount', `${A},50`, `${B},60`]), yes: true, concurrency: 1, report, batch: 'b-1' },
      t.ctx,
    );

    expect(outcome.exitCode).toBe(EXIT.PARTIAL);
    expect(outcome.kind === 'done' && outcome.failures.map((r) => [r.row, r.state, r.errorMessage])).toEqual([
      [1, 'failed', 'Invalid Phone Number'],
    ]);
    const lines = readFileSync(report, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,phoneNumber,amount,currency,reference,state,requestId,idempotencyKey,errorMessage');
    expect(
      lines.slice(1).map((line) =>
        line
          .split(',')
          .slice(0, 2)
          .concat(line.split(',')[5] ?? ''),
      ),
    ).toEqual([
      ['1', A, 'failed'],
      ['2', B, 'sent'],
    ]);
  });

  it('a file that cannot be read is refused before anything is asked or sent (INVALID_FILE, exit 2)', async () => {
    const t = testContext();
    const error = await failure(sendFile({ file: join(t.dir, 'missing.csv'), yes: true }, t.ctx));
    expect(error.code).toBe('INVALID_FILE');
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(`cannot read ${join(t.dir, 'missing.csv')}: no such file`);
    expect(t.calls.client).toBe(0);
  });

  it('limits.daily counts what the ledger holds as spent before anything is sent', async () => {
    const t = testContext({ settings: { limits: { perRecipient: {}, perRun: {}, daily: { KES: 10_000 } } } });
    await sendFile({ file: file(t, ['phone,amount', `${A},60`], 'one.csv'), batch: 'one', yes: true }, t.ctx);
    const error = await failure(sendFile({ file: file(t, ['phone,amount', `${B},50`], 'two.csv'), batch: 'two', yes: true }, t.ctx));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(t.at.sends).toHaveLength(1);
  });
});
