// Every printer under --json: exactly one JSON document on stdout, in the result's shape, and never
// the exit code, which the result carries for src/main.ts, not for the reader.
import { describe, expect, it } from 'vitest';
import { marketByCurrency } from '../../src/core/countries.js';
import { AirtimeError } from '../../src/core/errors.js';
import type { StoredTransaction } from '../../src/ledger/records.js';
import type { BulkOutcome, BulkRow, FileCheck, ValidateFileResult } from '../../src/results/bulk.js';
import type { CompletionResult, ConfigInitResult, ConfigPathResult, ConfigShowResult, SetKeyResult } from '../../src/results/config.js';
import type { ExportResult, ReconcileResult, StatsResult, StatusResult } from '../../src/results/ledger.js';
import { transactionRecord } from '../../src/results/record.js';
import type { BalanceResult, SendOutcome, ValidateResult } from '../../src/results/send.js';
import { resultFromRow } from '../../src/results/transaction.js';
import { Output } from '../../src/ui/output.js';
import { printBulk, printValidateFile } from '../../src/ui/print/bulk.js';
import { printCompletion, printConfigInit, printConfigPath, printConfigSetKey, printConfigShow } from '../../src/ui/print/config.js';
import { printError } from '../../src/ui/print/error.js';
import { printExport, printReconcile, printStats, printStatus } from '../../src/ui/print/ledger.js';
import { printBalance, printSend, printValidate } from '../../src/ui/print/send.js';
import { testStreams } from '../helpers/context.js';

const KES = marketByCurrency('KES')!;

/** The one JSON document a printer wrote with --json. */
async function printed<R>(print: (result: R, output: Output) => void | Promise<void>, result: R): Promise<Record<string, unknown>> {
  const streams = testStreams();
  await print(result, new Output(streams, { json: true, quiet: false, verbose: false, color: true, debug: false, input: true }));
  const lines = streams.stdout.text.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  const document = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  expect(document).not.toHaveProperty('exitCode');
  return document;
}

const row: StoredTransaction = {
  id: 1,
  account: 'sandbox',
  environment: 'sandbox',
  idempotencyKey: 'order-1',
  phoneNumber: '+254712345678',
  country: 'KE',
  currency: 'KES',
  amountMinor: 5000,
  batchId: null,
  reference: 'inv-1',
  rowNumber: null,
  state: 'unknown',
  atStatus: null,
  requestId: null,
  discountCurrency: null,
  discountUnits4: null,
  errorCode: 'OUTCOME_UNKNOWN',
  errorMessage: 'no answer',
  exitCode: 5,
  attempts: 2,
  maxNumRetry: null,
  firstAttemptAt: 1_000,
  createdAt: 1_000,
  updatedAt: 2_000,
  settledAt: null,
  owner: null,
  osUser: 'ops',
  host: 'box',
  validatedTransactionId: null,
  settledBy: null,
  note: null,
};

const check: FileCheck = {
  format: 'csv',
  total: 3,
  validCount: 2,
  invalid: [{ row: 3, line: 4, errors: [{ code: 'INVALID_PHONE', message: 'bad' }] }],
  invalidCount: 1,
  duplicates: [],
  duplicateCount: 0,
  totals: new Map([[KES, 12_000]]),
  sha256: 'ab'.repeat(32),
};

describe('printers under --json', () => {
  it('send: the transaction document; a dry run its preview', async () => {
    const sent: SendOutcome = {
      kind: 'sent',
      result: resultFromRow({ ...row, state: 'sent', requestId: 'ATQid_1', errorCode: null, errorMessage: null, exitCode: 0 }, false),
      exitCode: 0,
    };
    expect(await printed(printSend, sent)).toEqual({
      ok: true,
      status: null,
      state: 'sent',
      phoneNumber: '+254712345678',
      amount: '50.00',
      currency: 'KES',
      idempotencyKey: 'order-1',
      requestId: 'ATQid_1',
      discount: null,
      errorMessage: null,
      replayed: false,
      attempts: 2,
      environment: 'sandbox',
    });
    const unknown: SendOutcome = { kind: 'sent', result: resultFromRow(row, true), exitCode: 5 };
    expect(await printed(printSend, unknown)).toMatchObject({
      ok: false,
      error: { code: 'OUTCOME_UNKNOWN', message: 'no answer' },
      replayed: true,
    });

    const preview = {
      phoneNumber: '+254712345678',
      country: 'KE',
      amount: '50.00',
      currency: 'KES',
      idempotencyKey: 'k',
      environment: null,
    };
    expect(await printed(printSend, { kind: 'dry-run', preview, exitCode: 0 } as SendOutcome)).toEqual({
      ok: true,
      dryRun: true,
      ...preview,
    });
  });

  it('validate: ok is valid, every field but the exit code', async () => {
    const result: ValidateResult = {
      valid: false,
      phoneNumber: null,
      country: null,
      currency: null,
      amount: null,
      errors: [{ code: 'INVALID_PHONE', message: 'bad' }],
      exitCode: 2,
    };
    const { exitCode: _exitCode, ...rest } = result;
    expect(await printed(printValidate, result)).toEqual({ ok: false, ...rest });
  });

  it('balance', async () => {
    const result: BalanceResult = { balance: 'KES 10.00', currency: 'KES', amount: '10.00', environment: 'sandbox', exitCode: 0 };
    expect(await printed(printBalance, result)).toEqual({ ok: true, balance: 'KES 10.00', currency: 'KES', amount: '10.00' });
  });

  it('status: the records; not found, the error', async () => {
    const found: StatusResult = { transactions: [row], found: true, id: undefined, waited: false, wide: false, exitCode: 0 };
    expect(await printed(printStatus, found)).toEqual({ ok: true, transactions: [transactionRecord(row)] });
    const missing: StatusResult = { transactions: [], found: false, id: 'x', waited: false, wide: false, exitCode: 1 };
    expect(await printed(printStatus, missing)).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'no transaction has the requestId, key or batch id x' },
      transactions: [],
    });
  });

  it('reconcile', async () => {
    const settled = { ...row, state: 'sent' as const, settledBy: 'ops@box' };
    const result: ReconcileResult = { transaction: settled, previousState: 'unknown', by: 'ops@box', exitCode: 0 };
    expect(await printed(printReconcile, result)).toEqual({
      ok: true,
      transaction: transactionRecord(settled),
      previousState: 'unknown',
      settledBy: 'ops@box',
    });
  });

  it('stats: every figure', async () => {
    const result: StatsResult = {
      attempts: 2,
      sent: 1,
      delivered: 0,
      failed: 1,
      unknown: 0,
      successRate: 0.5,
      byCurrency: { KES: { count: 1, amount: '50.00', discount: '0.0000' } },
      failureReasons: [{ reason: 'Insufficient Credit', count: 1 }],
      daily: [{ date: '2026-11-16', attempts: 2, sent: 1, failed: 1, unknown: 0 }],
      exitCode: 0,
    };
    const { exitCode: _exitCode, ...rest } = result;
    expect(await printed(printStats, result)).toEqual({ ok: true, ...rest });
  });

  it('export to a file reports it; to stdout it streams the records themselves', async () => {
    const file: ExportResult = { kind: 'file', rows: 7, destination: '/tmp/x.csv', exitCode: 0 };
    expect(await printed(printExport, file)).toEqual({ ok: true, rows: 7, output: '/tmp/x.csv' });

    const streams = testStreams();
    const records = (async function* () {
      yield transactionRecord(row);
    })();
    await printExport(
      { kind: 'stream', format: 'jsonl', records, exitCode: 0 },
      new Output(streams, { json: true, quiet: false, verbose: false, color: false, debug: false, input: true }),
    );
    expect(streams.stdout.text).toBe(`${JSON.stringify(transactionRecord(row))}\n`);
  });

  it('bulk: a dry run, and a finished run with its rows', async () => {
    const dry: BulkOutcome = { kind: 'dry-run', batchId: 'b-1', check, repeats: [], exitCode: 0 };
    expect(await printed(printBulk, dry)).toEqual({
      ok: true,
      dryRun: true,
      batchId: 'b-1',
      total: 3,
      valid: 2,
      invalid: 1,
      duplicates: 0,
      repeats: 0,
      totals: { KES: '120.00' },
    });

    const bulkRow: BulkRow = {
      row: 1,
      phoneNumber: '+254712345678',
      amount: '50.00',
      currency: 'KES',
      reference: null,
      state: 'failed',
      requestId: null,
      idempotencyKey: 'b-1:1',
      errorMessage: 'Insufficient Credit',
    };
    const done: BulkOutcome = {
      kind: 'done',
      summary: {
        batchId: 'b-1',
        file: 'rows.csv',
        total: 1,
        sent: 0,
        failed: 1,
        unknown: 0,
        replayed: 0,
        skipped: 0,
        notReached: 0,
        totals: {},
        alreadyComplete: false,
        interrupted: null,
        resumeCommand: 'airtime send --file rows.csv --batch b-1 --yes',
        elapsedMs: 5,
      },
      rows: async function* () {
        yield bulkRow;
      },
      failures: [bulkRow],
      exitCode: 1,
    };
    expect(await printed(printBulk, done)).toEqual({
      ok: false,
      batchId: 'b-1',
      total: 1,
      sent: 0,
      failed: 1,
      unknown: 0,
      replayed: 0,
      skipped: 0,
      notReached: 0,
      totals: {},
      rows: [bulkRow],
    });
  });

  it('validate --file', async () => {
    const result: ValidateFileResult = { check, valid: false, allowDuplicates: false, exitCode: 2 };
    expect(await printed(printValidateFile, result)).toEqual({
      ok: false,
      valid: false,
      total: 3,
      validRows: 2,
      invalidRows: 1,
      duplicates: 0,
      totals: { KES: '120.00' },
      invalid: check.invalid,
      duplicateRows: [],
    });
  });

  it('config init, set-key, show and path', async () => {
    const init: ConfigInitResult = {
      kind: 'written',
      path: '/w/.airtimerc',
      scope: 'project',
      username: 'acme',
      keySource: 'env',
      keyFile: null,
      apiKey: null,
      defaultCountry: 'KE',
      limits: {},
      written: ['/w/.airtimerc'],
      warnings: [],
      exitCode: 0,
    };
    const { kind: _kind, exitCode: _initExit, ...initRest } = init;
    expect(await printed(printConfigInit, init)).toEqual({ ok: true, ...initRest });

    const setKey: SetKeyResult = { path: '/c/config.json', profile: null, replaced: true, apiKey: '…1234', warnings: [], exitCode: 0 };
    const { exitCode: _setExit, ...setRest } = setKey;
    expect(await printed(printConfigSetKey, setKey)).toEqual({ ok: true, ...setRest });

    const show: ConfigShowResult = { values: { username: { value: 'acme', source: 'default' } }, files: ['/w/.airtimerc'], exitCode: 0 };
    expect(await printed(printConfigShow, show)).toEqual({ ok: true, values: show.values, files: show.files });

    const path: ConfigPathResult = {
      files: [{ path: '/w/.airtimerc', kind: 'project', exists: true, loaded: true }],
      userFile: '/c/airtime/config.json',
      all: false,
      ledger: { path: '/d/ledger.db', exists: false },
      problem: null,
      exitCode: 0,
    };
    const { exitCode: _pathExit, all: _all, ...pathRest } = path;
    expect(await printed(printConfigPath, path)).toEqual({ ok: true, ...pathRest });
  });

  it('completion', async () => {
    const result: CompletionResult = { shell: 'fish', script: 'complete -c airtime\n', exitCode: 0 };
    expect(await printed(printCompletion, result)).toEqual({ ok: true, shell: 'fish', script: 'complete -c airtime\n' });
  });

  it('an error: the contract error document, with its code and hint', async () => {
    const error = new AirtimeError('LIMIT_EXCEEDED', 'over limits.daily.KES', { hint: 'raise it' });
    const document = await printed(printError, error);
    expect(document).toMatchObject({ ok: false, error: { code: 'LIMIT_EXCEEDED', message: 'over limits.daily.KES' } });
  });
});
