// `airtime send --file` and `airtime validate --file`: a list paid once and only once. This module
// orchestrates; the bulk engine (src/bulk/) reads, checks, keys and sends the rows.
//
// 1. Validate every row (same rules as a single send) before anything is sent.
// 2. Name the batch (--batch, or the file's digest) and each row's key (its `key` column, or the
//    batch and the row's own content), so a re-run finds the same keys and resumes.
// 3. Refuse what would pay twice or too much: rows matching payments of the last 24 hours in a new
//    batch (REPEAT_PAYMENT, unless --new), and the caps.
// 4. Send the rows with a bounded pool, a shared rate limit, and the single-send engine.
import { checkFile } from '../bulk/check.js';
import { dispatch } from '../bulk/dispatch.js';
import { type Input, openInput } from '../bulk/input.js';
import { planRun, recordedKeys } from '../bulk/keys.js';
import { batchRows, bulkExitCode, resumeCommandFor, writeReport } from '../bulk/outcome.js';
import { fileRefusal, refuseBadFile, repeatPayment } from '../bulk/refusals.js';
import { RecentPaymentScan } from '../bulk/repeats.js';
import { batchIdFromContent, parseBatchName } from '../core/batch.js';
import type { Market } from '../core/countries.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { checkRunTotals } from '../core/limits.js';
import { formatMinorOf, formatMoney, formatUnits4, parseReportedMoney } from '../core/money.js';
import type { LedgerScope } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { BulkOutcome, BulkRow, FileCheck, RepeatMatch, ValidateFileResult } from '../results/bulk.js';
import { checkCapsForDryRun, checkDailyCaps } from './caps.js';
import { type Context, environmentFor, requireCredentials, transactionDeps } from './context.js';

export interface BulkOptions {
  file: string;
  batch?: string | undefined;
  country?: string | undefined;
  yes?: boolean | undefined;
  dryRun?: boolean | undefined;
  skipInvalid?: boolean | undefined;
  allowDuplicates?: boolean | undefined;
  new?: boolean | undefined;
  retryFailed?: boolean | undefined;
  force?: boolean | undefined;
  concurrency?: number | undefined;
  rate?: number | undefined;
  report?: string | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  maxNumRetry?: number | undefined;
}

export interface ValidateFileOptions {
  file: string;
  country?: string | undefined;
  allowDuplicates?: boolean | undefined;
}

/** A new batch is checked against payments accepted this long ago (REPEAT_PAYMENT). */
const REPEAT_PAYMENT_WINDOW_MS = 24 * 60 * 60 * 1000;

type BulkContext = Pick<
  Context,
  'settings' | 'readLedger' | 'ledger' | 'client' | 'clock' | 'output' | 'prompter' | 'notify' | 'progress' | 'onInterrupt'
>;

/** `airtime validate --file`: the validation pass on its own. No credentials, no network. */
export async function validateFile(
  options: ValidateFileOptions,
  ctx: Pick<Context, 'settings' | 'readLedger' | 'output' | 'notify'>,
): Promise<ValidateFileResult> {
  const settings = await ctx.settings({ country: options.country });
  const input = await openInput(options.file, ctx.output.streams.stdin);
  try {
    // No credentials needed; but with a username configured, a key the ledger holds for another
    // payment is reported here as the send would. A ledger that cannot be read only costs that.
    const environment = environmentFor(settings);
    let readLedger: Ledger | null = null;
    if (settings.username && environment) {
      readLedger = await ctx.readLedger(settings).catch((error: unknown) => {
        if (!(error instanceof AirtimeError)) throw error;
        ctx.notify({ kind: 'warning', message: `keys were not checked against the ledger: ${error.message}` });
        return null;
      });
    }
    const check = await checkFile(input.source, input.format, {
      name: input.name,
      country: settings.defaultCountry,
      perRecipient: settings.limits.perRecipient,
      recordedKey:
        readLedger && settings.username && environment ? recordedKeys(readLedger, { account: settings.username, environment }) : undefined,
    });
    const allowDuplicates = Boolean(options.allowDuplicates);
    const valid = fileRefusal(check, { allowDuplicates }) === null;
    return { check, valid, allowDuplicates, exitCode: valid ? EXIT.OK : EXIT.USAGE };
  } finally {
    input.cleanup();
  }
}

export async function sendFile(options: BulkOptions, ctx: BulkContext): Promise<BulkOutcome> {
  // Off a terminal nobody can confirm: a script must say --yes, so a stray run pays nobody.
  if (!options.dryRun && !options.yes && !ctx.output.interactive) {
    throw new AirtimeError('USAGE', 'a bulk send off a terminal needs --yes (or --dry-run to check it first)', {
      hint: `e.g. airtime send --file ${options.file} --yes`,
    });
  }
  const settings = await ctx.settings(
    {
      country: options.country,
      timeout: options.timeout,
      retries: options.retries,
      maxNumRetry: options.maxNumRetry,
      concurrency: options.concurrency,
      rate: options.rate,
    },
    'send',
  );
  const batchName = options.batch === undefined ? undefined : parseBatchName(options.batch);
  const started = ctx.clock.now();
  const input = await openInput(options.file, ctx.output.streams.stdin, true);
  try {
    // Pass 1: validate everything, and note rows that repeat recent payments.
    const environment = environmentFor(settings);
    const scope: LedgerScope | undefined = settings.username && environment ? { account: settings.username, environment } : undefined;
    const readLedger = scope ? await ctx.readLedger(settings) : null;
    const since = ctx.clock.now() - REPEAT_PAYMENT_WINDOW_MS;
    const scan = readLedger && scope ? new RecentPaymentScan(readLedger, scope, since) : null;
    const check = await checkFile(input.source, input.format, {
      name: input.name,
      country: settings.defaultCountry,
      perRecipient: settings.limits.perRecipient,
      recordedKey: readLedger && scope ? recordedKeys(readLedger, scope) : undefined,
      onValidRow: scan ? (row) => scan.add(row) : undefined,
    });
    await scan?.flush();
    const repeats: RepeatMatch[] = scan?.listed ?? [];
    const repeatCount = scan?.count ?? 0;
    refuseBadFile(check, options);
    const batchId = batchName ?? batchIdFromContent(check.sha256);
    // A dry run of a new batch answers whether it would go, caps included; a batch run before
    // sends only what it has not recorded, which the real run works out (planRun).
    if (options.dryRun) {
      if (!(readLedger && scope && (await readLedger.batchExists(scope, batchId)))) await checkCapsForDryRun(ctx, settings, check.totals);
      return { kind: 'dry-run', batchId, check, repeats, exitCode: EXIT.OK };
    }

    const client = await ctx.client(settings);
    const ledger = await ctx.ledger(settings);
    const sendScope: LedgerScope = { account: requireCredentials(settings).username, environment: client.environment };
    const resuming = await ledger.batchExists(sendScope, batchId);
    let toSend = check.totals;
    if (resuming) {
      // The batch ran before: only rows it has not recorded are sent, and only they can repeat.
      const plan = await planRun({
        ledger,
        scope: sendScope,
        batchId,
        input,
        country: settings.defaultCountry,
        perRecipient: settings.limits.perRecipient,
        retryFailed: Boolean(options.retryFailed),
        since,
        now: ctx.clock.now(),
      });
      if (plan.repeatCount > 0 && !options.new) throw repeatPayment(plan.repeats, plan.repeatCount, batchId);
      toSend = plan.unsent;
    } else if (repeatCount > 0 && !options.new) {
      throw repeatPayment(repeats, repeatCount, batchId);
    }
    checkRunTotals(toSend, settings.limits.perRun);
    await checkDailyCaps(ledger, sendScope, toSend, settings.limits.daily, ctx.clock.now());

    if (ctx.output.interactive && !options.yes) {
      if (!(await confirm(ctx, client, check, toSend, batchId, resuming))) return { kind: 'declined', exitCode: EXIT.SIGINT };
    }

    const run = await dispatch({
      client,
      ledger,
      scope: sendScope,
      deps: transactionDeps(ctx, settings, client, ledger),
      check,
      batchId,
      input,
      country: settings.defaultCountry,
      perRecipient: settings.limits.perRecipient,
      concurrency: settings.concurrency,
      rate: settings.rate,
      pauseMs: Math.max(settings.retryDelayMs, 1000),
      maxNumRetry: settings.maxNumRetry,
      retryFailed: Boolean(options.retryFailed),
      force: Boolean(options.force),
      repeatSince: options.new ? undefined : since,
      clock: ctx.clock,
      notify: (note) => ctx.notify(note),
      onInterrupt: (first) => ctx.onInterrupt(first),
      progress: ctx.progress(check.validCount),
    }).catch((error: unknown) => {
      // The ledger failed mid-run (a full disk, a lost database): rows whose claims were not
      // recorded did not leave, and the same command finishes the batch exactly once.
      if (!(error instanceof AirtimeError) || error.code !== 'LEDGER_ERROR') throw error;
      throw new AirtimeError(error.code, error.message, {
        hint: `${error.hint ? `${error.hint}; ` : ''}to finish the batch: ${resumeCommandFor(options, batchId)}`,
        cause: error,
      });
    });
    return await finish(options, run, check, batchId, sendScope, ctx.clock.now() - started);
  } finally {
    input.cleanup();
  }
}

/** The run's summary, its rows (read from the ledger as they are printed), its report. */
async function finish(
  options: BulkOptions,
  run: Awaited<ReturnType<typeof dispatch>>,
  check: FileCheck,
  batchId: string,
  scope: LedgerScope,
  elapsedMs: number,
): Promise<BulkOutcome> {
  const { counts, interrupted } = run;
  const rows = () => batchRows(run.runRows, scope, run.problems, run.elsewhere);
  const failures: BulkRow[] = [];
  for await (const row of rows()) {
    // Another process's rows are in its own summary, and its exit code.
    if (row.elsewhere) continue;
    if (row.state === 'failed' || row.state === 'unknown' || row.state === 'invalid') failures.push(row);
    if (failures.length >= 20) break;
  }
  if (options.report) await writeReport(options.report, rows());
  return {
    kind: 'done',
    summary: {
      batchId,
      file: options.file,
      total: check.total,
      sent: counts.sent,
      failed: counts.failed,
      unknown: counts.unknown,
      replayed: counts.replayed,
      skipped: counts.skipped,
      ...(run.elsewhere ? { elsewhere: counts.elsewhere } : {}),
      notReached: counts.notReached,
      totals: Object.fromEntries([...run.accepted].map(([currency, minor]) => [currency, formatMinorOf(currency, minor)])),
      alreadyComplete: !interrupted && counts.replayed === check.validCount && check.validCount > 0,
      interrupted,
      resumeCommand: resumeCommandFor(options, batchId),
      elapsedMs,
    },
    rows,
    failures,
    exitCode: bulkExitCode(interrupted, counts),
  };
}

/** The totals and the account balance, confirmed by the person at the terminal before anything leaves. */
async function confirm(
  ctx: Pick<Context, 'prompter'>,
  client: Awaited<ReturnType<Context['client']>>,
  check: FileCheck,
  toSend: Map<Market, number>,
  batchId: string,
  resuming: boolean,
): Promise<boolean> {
  const answer = await client.balance();
  const money = answer.kind === 'ok' ? parseReportedMoney(answer.balance) : null;
  return ctx.prompter.confirmBatch({
    batchId,
    rows: check.validCount,
    totals: [...toSend].map(([market, minor]) => formatMoney(minor, market)).join(', ') || 'nothing new',
    environment: client.environment,
    balance: money ? `${money.currency} ${formatUnits4(money.units4, true)}` : 'unavailable',
    resuming,
  });
}

export type { Input };
