// `airtime send --file` and `airtime validate --file`: a list paid once and only once.
//
// 1. Validate every row (same rules as a single send) before anything is sent.
// 2. Name the batch (--batch, or the file's digest) and each row's key (its `key` column, or the
//    batch and the row's own content), so a re-run finds the same keys and resumes.
// 3. Refuse what would pay twice or too much: rows matching payments of the last 24 hours in a new
//    batch (REPEAT_PAYMENT, unless --new), and the caps.
// 4. Send the rows with a bounded pool, a shared rate limit, and the single-send engine, which
//    gives every row the ledger's guarantees.
import { once } from 'node:events';
import { closeSync, constants, createReadStream, createWriteStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SendAnswer } from '../at/client.js';
import { checkFile, type FileCheck, fileRefusal, type ValidRow } from '../bulk/check.js';
import { describeProblem, type RowProblem } from '../bulk/problem.js';
import { detectFormat, type FileFormat, formatFromContent, formatFromName, type RowInput } from '../bulk/reader.js';
import { BatchingStore } from '../bulk/store.js';
import type { Settings } from '../config/schema.js';
import { type Context, environmentFor, requireCredentials, transactionDeps } from '../context.js';
import { batchIdFromContent, parseBatchName, retryKey, rowKey } from '../core/batch.js';
import { type Market, marketByCurrency } from '../core/countries.js';
import { csvField } from '../core/csv.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import type { KeyRecord } from '../core/idempotency.js';
import { checkDailyTotals, checkRunTotals, DAILY_WINDOW_MS } from '../core/limits.js';
import { formatMinorOf, formatMoney, formatUnits4, parseReportedMoney } from '../core/money.js';
import { RateLimiter } from '../core/rate.js';
import { deliveryRetriesUntil } from '../core/retry.js';
import { batchExists, RunPlanner, RunRows, recentPayment } from '../ledger/batches.js';
import type { ClaimOutcome, Ledger, LedgerScope, StoredTransaction } from '../ledger/ledger.js';
import { onInterrupt } from '../signals.js';
import { claimTransactions, resultFromRow, sendClaimed, type TransactionRequest, type TransactionResult } from '../transaction.js';
import { createProgress } from '../ui/progress.js';
import { checkCapsForDryRun } from './caps.js';

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

/** One line of the result: the contract's `rows[]` entry. */
export interface BulkRow {
  row: number;
  phoneNumber: string | null;
  amount: string | null;
  currency: string | null;
  reference: string | null;
  state: string;
  requestId: string | null;
  idempotencyKey: string | null;
  errorMessage: string | null;
}

export interface BulkSummary {
  batchId: string;
  file: string;
  total: number;
  sent: number;
  failed: number;
  unknown: number;
  replayed: number;
  skipped: number;
  /** Amounts accepted, per currency (the contract's `totals`). */
  totals: Record<string, string>;
  /** Rows that made no request because the batch was already complete. */
  alreadyComplete: boolean;
  interrupted: NodeJS.Signals | null;
  /** How to resume after an interruption. */
  resumeCommand: string;
  elapsedMs: number;
  exitCode: number;
}

export type BulkOutcome =
  | { kind: 'dry-run'; batchId: string; check: FileCheck; repeats: RepeatMatch[] }
  | { kind: 'declined' }
  | { kind: 'done'; summary: BulkSummary; rows: () => Generator<BulkRow>; failures: BulkRow[] };

export interface RepeatMatch {
  row: number;
  phoneNumber: string;
  amount: string;
  currency: string;
  matchedKey: string;
  matchedBatch: string | null;
  matchedAt: number;
}

export interface ValidateFileResult {
  check: FileCheck;
  /** Every row valid, and no duplicates unless they were allowed: the file could be sent as it is. */
  valid: boolean;
  allowDuplicates: boolean;
}

const INTERRUPTED = Symbol('interrupted');
/** A new batch is checked against payments accepted this long ago (REPEAT_PAYMENT). */
const REPEAT_PAYMENT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** `airtime validate --file`: the validation pass on its own. No credentials, no network. */
export async function validateFile(
  options: { file: string; country?: string | undefined; allowDuplicates?: boolean | undefined },
  ctx: Context,
): Promise<ValidateFileResult> {
  const settings = await ctx.settings({ country: options.country });
  const input = await openInput(options.file, ctx);
  try {
    // No credentials needed; but with a username configured, a key the ledger holds for another
    // payment is reported here as the send would. A ledger that cannot be read only costs that.
    const environment = environmentFor(settings);
    let readLedger: Ledger | null = null;
    if (settings.username && environment) {
      readLedger = await ctx.readLedger(settings).catch((error: unknown) => {
        if (!(error instanceof AirtimeError)) throw error;
        ctx.output.warn(`keys were not checked against the ledger: ${error.message}`);
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
    return { check, valid: fileRefusal(check, { allowDuplicates }) === null, allowDuplicates };
  } finally {
    input.cleanup();
  }
}

export async function sendFile(options: BulkOptions, ctx: Context): Promise<BulkOutcome> {
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
  const input = await openInput(options.file, ctx, true);
  try {
    // Pass 1: validate everything, and note rows that repeat recent payments.
    const environment = environmentFor(settings);
    const scope: LedgerScope | undefined = settings.username && environment ? { account: settings.username, environment } : undefined;
    const readLedger = scope ? await ctx.readLedger(settings) : null;
    const repeats: RepeatMatch[] = [];
    let repeatCount = 0;
    const since = ctx.clock.now() - REPEAT_PAYMENT_WINDOW_MS;
    const check = await checkFile(input.source, input.format, {
      name: input.name,
      country: settings.defaultCountry,
      perRecipient: settings.limits.perRecipient,
      recordedKey: readLedger && scope ? recordedKeys(readLedger, scope) : undefined,
      onValidRow: (row) => {
        if (!readLedger || !scope) return;
        const match = recentPayment(
          readLedger,
          scope,
          {
            phoneNumber: row.recipient.phoneNumber,
            currency: row.recipient.market.currency,
            amountMinor: row.recipient.amountMinor,
          },
          since,
        );
        if (!match) return;
        repeatCount += 1;
        if (repeats.length < 50) repeats.push(repeatMatch(row.row, match));
      },
    });
    refuseBadFile(check, options);
    const batchId = batchName ?? batchIdFromContent(check.sha256);
    // A dry run of a new batch answers whether it would go, caps included; a batch run before
    // sends only what it has not recorded, which the real run works out (planRun).
    if (options.dryRun) {
      if (!(readLedger && scope && batchExists(readLedger, scope, batchId))) await checkCapsForDryRun(ctx, settings, check.totals);
      return { kind: 'dry-run', batchId, check, repeats };
    }

    const client = await ctx.client(settings);
    const ledger = await ctx.ledger(settings);
    const account = requireCredentials(settings).username;
    const sendScope: LedgerScope = { account, environment: client.environment };
    const resuming = batchExists(ledger, sendScope, batchId);
    let toSend = check.totals;
    if (resuming) {
      // The batch ran before: only rows it has not recorded are sent, and only they can repeat.
      const plan = await planRun({ options, settings, ledger, scope: sendScope, batchId, input, since, now: ctx.clock.now() });
      if (plan.repeatCount > 0 && !options.new) throw repeatPayment(plan.repeats, plan.repeatCount, batchId);
      toSend = plan.unsent;
    } else if (repeatCount > 0 && !options.new) {
      throw repeatPayment(repeats, repeatCount, batchId);
    }
    checkRunTotals(toSend, settings.limits.perRun);
    const now = ctx.clock.now();
    checkDailyTotals(
      toSend,
      (currency) => ledger.spentSince(account, client.environment, currency, now - DAILY_WINDOW_MS),
      settings.limits.daily,
    );

    if (ctx.output.interactive && !options.yes) {
      const confirmed = await confirmBatch(ctx, client, check, toSend, batchId, resuming);
      if (!confirmed) return { kind: 'declined' };
    }

    return await dispatch({ options, ctx, settings, client, ledger, scope: sendScope, check, batchId, input, started });
  } finally {
    input.cleanup();
  }
}

interface DispatchArgs {
  options: BulkOptions;
  ctx: Context;
  settings: Settings;
  client: Awaited<ReturnType<Context['client']>>;
  ledger: Ledger;
  scope: LedgerScope;
  check: FileCheck;
  batchId: string;
  input: Input;
  started: number;
}

/** Pass 2: each valid row through the send engine, a bounded number at a time. */
async function dispatch(args: DispatchArgs): Promise<BulkOutcome> {
  const { options, ctx, settings, client, ledger, scope, check, batchId, input } = args;
  const limiter = new RateLimiter(ctx.clock, settings.rate);
  // Every request of the batch waits for the shared limiter (deps.beforeRequest, so the duplicate
  // window is checked after the wait); a 429 pauses them all.
  const limitedClient = {
    environment: client.environment,
    send: async (request: Parameters<typeof client.send>[0]): Promise<SendAnswer> => {
      const answer = await client.send(request);
      if (answer.kind === 'transient' && answer.httpStatus === 429) {
        limiter.pause(answer.retryAfterMs ?? Math.max(settings.retryDelayMs, 1000));
      }
      return answer;
    },
  };
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  let fatal: unknown;
  const resumeCommand = resumeCommandFor(options, batchId);
  const unregister = onInterrupt((signal) => {
    interrupted = signal;
    controller.abort();
    ctx.output.info(`\nstopping: waiting for the requests in flight (press Ctrl-C again to quit at once)`);
  });
  const store = new BatchingStore(ledger);
  const deps = transactionDeps(ctx, settings, limitedClient, ledger, {
    signal: controller.signal,
    store,
    beforeRequest: () => limiter.take(),
  });
  const counts = { done: 0, sent: 0, failed: 0, unknown: 0, replayed: 0, skipped: check.invalidCount };
  /** Rows the ledger refused as they were claimed (a key or a cap taken meanwhile by another process). */
  const refused: RowProblem[] = [];
  const accepted = new Map<string, number>();
  const progress = createProgress(ctx.output, check.validCount);
  const inFlight = new Set<Promise<void>>();

  const runRows = new RunRows(ledger);
  const record = (result: TransactionResult, row: ValidRow) => {
    runRows.add(row.row, result.idempotencyKey);
    counts.done += 1;
    if (result.replayed) counts.replayed += 1;
    if (result.state === 'sent' || result.state === 'delivered') {
      counts.sent += 1;
      accepted.set(result.currency, (accepted.get(result.currency) ?? 0) + row.recipient.amountMinor);
    } else if (result.state === 'failed') counts.failed += 1;
    else counts.unknown += 1;
    progress.update(counts);
  };

  const requestFor = (row: ValidRow): TransactionRequest => ({
    recipient: row.recipient,
    idempotencyKey: keyForRow(row, batchId, ledger, scope, Boolean(options.retryFailed), ctx.clock.now(), (failed, until) =>
      ctx.output.warn(
        `row ${row.row}: not resent: Africa's Talking reported its delivery failed, but may still deliver it ` +
          `(${failed.maxNumRetry ? `maxNumRetry ${failed.maxNumRetry}` : 'its default retry period'}) until ${new Date(until).toISOString()}; run --retry-failed again after that`,
      ),
    ),
    batchId,
    reference: row.reference ?? undefined,
    rowNumber: row.row,
    maxNumRetry: settings.maxNumRetry,
    force: options.force,
  });

  const sendRow = async (row: ValidRow, request: TransactionRequest, claim: ClaimOutcome) => {
    try {
      record(await sendClaimed(request, claim, deps), row);
    } catch (error) {
      if (error instanceof AirtimeError && (error.code === 'IDEMPOTENCY_CONFLICT' || error.code === 'LIMIT_EXCEEDED')) {
        // This row cannot be sent as it stands; the rest of the batch is unaffected (a cap reached
        // mid-batch by another sender stops dispatching, below).
        counts.done += 1;
        counts.skipped += 1;
        refused.push({ row: row.row, line: row.line, errors: [{ code: error.code, message: error.message }] });
        ctx.output.warn(`row ${row.row}: ${error.message}`);
        if (error.code === 'LIMIT_EXCEEDED') controller.abort();
        return;
      }
      fatal ??= error;
      controller.abort();
    }
  };

  // Rows wait in `ready`; they are claimed in the ledger a group at a time (one commit, one wait
  // for the disk, for up to `concurrency` rows) into `claimed`, from which each request leaves as
  // soon as a slot frees. A row claimed but not yet sent when the process dies is recovered like
  // any pending row: resent under its key inside the duplicate window, which counts from its claim.
  const ready: ValidRow[] = [];
  const claimed: { row: ValidRow; request: TransactionRequest; claim: ClaimOutcome }[] = [];
  let wakeScan: (() => void) | undefined;
  let pumpScheduled = false;
  const pump = () => {
    pumpScheduled = false;
    while (!controller.signal.aborted && inFlight.size < settings.concurrency) {
      if (claimed.length === 0) {
        if (ready.length === 0) break;
        const group = ready.splice(0, settings.concurrency);
        const requests = group.map(requestFor);
        try {
          const claims = claimTransactions(requests, deps);
          claims.forEach((claim, i) => {
            claimed.push({ row: group[i] as ValidRow, request: requests[i] as TransactionRequest, claim });
          });
        } catch (error) {
          fatal ??= error;
          controller.abort();
          break;
        }
      }
      const next = claimed.shift();
      if (!next) break;
      const task: Promise<void> = sendRow(next.row, next.request, next.claim).finally(() => {
        inFlight.delete(task);
        schedulePump();
      });
      inFlight.add(task);
    }
    wakeScan?.();
  };
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  let sendingCheck: FileCheck | undefined;
  try {
    sendingCheck = await checkFile(input.source, input.format, {
      name: input.name,
      country: settings.defaultCountry,
      perRecipient: settings.limits.perRecipient,
      recordedKey: recordedKeys(ledger, scope),
      onValidRow: async (row) => {
        if (controller.signal.aborted) throw INTERRUPTED;
        ready.push(row);
        schedulePump();
        // Enough read ahead to claim the next group while the current one is being sent.
        while (ready.length >= settings.concurrency * 2 && !controller.signal.aborted) {
          await new Promise<void>((resolve) => {
            wakeScan = resolve;
          });
        }
      },
    });
    // The file is read; send what is still waiting, then wait for the last answers.
    for (;;) {
      const waiting = (ready.length > 0 || claimed.length > 0) && !controller.signal.aborted;
      if (!waiting && inFlight.size === 0) break;
      if (waiting && inFlight.size < settings.concurrency) {
        schedulePump();
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        await Promise.race(inFlight);
      }
    }
  } catch (error) {
    if (error !== INTERRUPTED) fatal ??= error;
  } finally {
    // In-flight requests finish (each bounded by the timeout), their answers are written, and rows
    // claimed but never sent are given back: the ledger is left with nothing pending.
    await Promise.allSettled([...inFlight]);
    try {
      store.flush();
    } catch (error) {
      fatal ??= error;
    }
    const unsent = claimed.splice(0).flatMap(({ claim }) => (claim.kind === 'created' ? [claim.row.id] : []));
    try {
      ledger.release(unsent, deps.owner);
    } catch (error) {
      fatal ??= error;
    }
    unregister();
    progress.stop();
  }
  if (fatal) throw fatal;

  const notDispatched = check.validCount - counts.done;
  counts.skipped += Math.max(0, notDispatched);
  const summary: BulkSummary = {
    batchId,
    file: options.file,
    total: check.total,
    sent: counts.sent,
    failed: counts.failed,
    unknown: counts.unknown,
    replayed: counts.replayed,
    skipped: counts.skipped,
    totals: Object.fromEntries([...accepted].map(([currency, minor]) => [currency, formatMinorOf(currency, minor)])),
    alreadyComplete: !interrupted && counts.replayed === check.validCount && check.validCount > 0,
    interrupted,
    resumeCommand,
    elapsedMs: ctx.clock.now() - args.started,
    exitCode: bulkExitCode(interrupted, counts),
  };
  // The sending pass's own verdict on each row (the ledger may have changed since the first pass),
  // and the rows refused as they were claimed: every row of the file is listed, and why.
  const problems = [...(sendingCheck?.invalid ?? check.invalid), ...refused].sort((a, b) => a.row - b.row);
  const rows = () => batchRows(runRows, scope, problems);
  const failures: BulkRow[] = [];
  for (const row of rows()) {
    if (row.state === 'failed' || row.state === 'unknown' || row.state === 'invalid') failures.push(row);
    if (failures.length >= 20) break;
  }
  if (options.report) await writeReport(options.report, rows());
  return { kind: 'done', summary, rows, failures };
}

/** The contract's precedence: 130/143 over 5 over 3 over 1 over 0. */
export function bulkExitCode(
  interrupted: NodeJS.Signals | null,
  counts: { sent: number; failed: number; unknown: number; skipped: number },
): number {
  if (interrupted) return interrupted === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  if (counts.unknown > 0) return EXIT.UNKNOWN;
  const notSent = counts.failed + counts.skipped;
  if (counts.sent > 0 && notSent > 0) return EXIT.PARTIAL;
  if (counts.sent === 0 && notSent > 0) return EXIT.FAILED;
  return EXIT.OK;
}

/**
 * The row's key: its `key` column, else derived from the batch and its content. With
 * --retry-failed a failed row gets the next fresh key (its old one is spent: AT would answer
 * "duplicate" within the window, and pay it again after, unannounced). Without it, the row's
 * latest key: a row resent by an earlier --retry-failed is that resend.
 */
function keyForRow(
  row: ValidRow,
  batchId: string,
  ledger: Ledger,
  scope: LedgerScope,
  retryFailed: boolean,
  now: number,
  onHeld?: (failed: StoredTransaction, until: number) => void,
): string {
  const base =
    row.key ??
    rowKey(batchId, {
      phoneNumber: row.recipient.phoneNumber,
      amountMinor: row.recipient.amountMinor,
      currency: row.recipient.market.currency,
      reference: row.reference,
      occurrence: row.occurrence,
    });
  for (let attempt = 0, previous = base; ; attempt += 1) {
    const key = attempt === 0 ? base : retryKey(base, attempt);
    const existing = ledger.byKey(scope.account, scope.environment, key);
    if (!existing) return retryFailed ? key : previous;
    if (existing.state !== 'failed') return key;
    const until = deliveryRetriesUntil(existing);
    if (retryFailed && until !== undefined && now < until) {
      onHeld?.(existing, until);
      return key;
    }
    previous = key;
  }
}

/**
 * Running a batch again: reads the file once more, each row under the key it would be sent with,
 * to find what the ledger has not recorded (what this run sends) and which of those rows repeat a
 * recent payment that is not this file's own.
 */
async function planRun(args: {
  options: BulkOptions;
  settings: Settings;
  ledger: Ledger;
  scope: LedgerScope;
  batchId: string;
  input: Input;
  since: number;
  now: number;
}): Promise<{ unsent: Map<Market, number>; repeatCount: number; repeats: RepeatMatch[] }> {
  const { options, settings, ledger, scope, batchId, input } = args;
  const planner = new RunPlanner(ledger, scope, args.since);
  await checkFile(input.source, input.format, {
    name: input.name,
    country: settings.defaultCountry,
    perRecipient: settings.limits.perRecipient,
    recordedKey: recordedKeys(ledger, scope),
    onValidRow: (row) =>
      planner.add({
        row: row.row,
        key: keyForRow(row, batchId, ledger, scope, Boolean(options.retryFailed), args.now),
        phoneNumber: row.recipient.phoneNumber,
        currency: row.recipient.market.currency,
        amountMinor: row.recipient.amountMinor,
      }),
  });
  const plan = planner.finish();
  const unsent = new Map<Market, number>();
  for (const [currency, minor] of plan.unsent) {
    const market = marketByCurrency(currency);
    if (market) unsent.set(market, minor);
  }
  const repeats = plan.repeats.map(({ row, match }) => repeatMatch(row, match));
  return { unsent, repeatCount: plan.repeatCount, repeats };
}

function refuseBadFile(check: FileCheck, options: BulkOptions): void {
  const refusal = fileRefusal(check, options);
  if (refusal === 'empty') throw new AirtimeError('INVALID_FILE', `${options.file} has no rows`);
  if (refusal === 'invalid') {
    const listed = check.invalid.slice(0, 10).map(describeProblem).join('; ');
    // Keys naming other payments, and nothing else wrong: the code a single send would give.
    const onlyConflicts =
      check.invalid.length === check.invalidCount && check.invalid.every((p) => p.errors.every((e) => e.code === 'IDEMPOTENCY_CONFLICT'));
    throw new AirtimeError(
      onlyConflicts ? 'IDEMPOTENCY_CONFLICT' : 'INVALID_FILE',
      `${check.invalidCount} of ${check.total} rows are invalid, so nothing was sent: ${listed}${check.invalidCount > 10 ? '; …' : ''}`,
      {
        hint: 'fix them, or pass --skip-invalid to send the valid rows; `airtime validate --file` lists them all',
        details: { invalid: check.invalid },
      },
    );
  }
  if (refusal === 'duplicates') {
    const listed = check.duplicates
      .slice(0, 10)
      .map((d) => `row ${d.row} repeats row ${d.firstRow}`)
      .join('; ');
    throw new AirtimeError(
      'DUPLICATE_ROWS',
      `${check.duplicateCount} row(s) repeat an earlier row's phone, amount and currency: ${listed}`,
      {
        hint: 'give them distinct key or reference values, or pass --allow-duplicates to pay each of them',
        details: { duplicates: check.duplicates },
      },
    );
  }
}

/** What the ledger holds under a key in this account and environment (the validation pass asks). */
function recordedKeys(ledger: Ledger, scope: LedgerScope): (key: string) => KeyRecord | undefined {
  return (key) => ledger.byKey(scope.account, scope.environment, key);
}

function repeatMatch(row: number, match: StoredTransaction): RepeatMatch {
  return {
    row,
    phoneNumber: match.phoneNumber,
    amount: formatMinorOf(match.currency, match.amountMinor),
    currency: match.currency,
    matchedKey: match.idempotencyKey,
    matchedBatch: match.batchId,
    matchedAt: match.createdAt,
  };
}

function repeatPayment(repeats: RepeatMatch[], count: number, batchId: string): AirtimeError {
  const listed = repeats
    .slice(0, 5)
    .map(
      (r) =>
        `row ${r.row} (${r.currency} ${r.amount} to ${r.phoneNumber}, already in ${r.matchedBatch ? `batch ${r.matchedBatch}` : `send ${r.matchedKey}`})`,
    )
    .join('; ');
  return new AirtimeError(
    'REPEAT_PAYMENT',
    `${count} row(s) of this new batch (${batchId}) pay the same phone, amount and currency as a payment of the last 24 hours: ${listed}${count > 5 ? '; …' : ''}`,
    { hint: 'nothing was sent; pass --new to pay them again on purpose', details: { repeats } },
  );
}

async function confirmBatch(
  ctx: Context,
  client: Awaited<ReturnType<Context['client']>>,
  check: FileCheck,
  toSend: Map<Market, number>,
  batchId: string,
  resuming: boolean,
): Promise<boolean> {
  const answer = await client.balance();
  const money = answer.kind === 'ok' ? parseReportedMoney(answer.balance) : null;
  const balance = money ? `${money.currency} ${formatUnits4(money.units4, true)}` : 'unavailable';
  const totals = [...toSend].map(([market, minor]) => formatMoney(minor, market)).join(', ') || 'nothing new';
  ctx.output.info(
    `${resuming ? 'Resuming' : 'Sending'} batch ${batchId}: ${check.validCount} row(s), ${totals}, on ${client.environment}. Account balance: ${balance}.`,
  );
  return ctx.prompter.confirm(client.environment === 'live' ? ctx.output.err.bold.red('Send real airtime now?') : 'Send now?', false);
}

function resumeCommandFor(options: BulkOptions, batchId: string): string {
  // Every flag that changes how rows are read or sent, so the resume reads and sends them the same way.
  const flags = [
    options.country !== undefined && `--country ${options.country}`,
    options.skipInvalid && '--skip-invalid',
    options.allowDuplicates && '--allow-duplicates',
    options.retryFailed && '--retry-failed',
    options.concurrency !== undefined && `--concurrency ${options.concurrency}`,
    options.rate !== undefined && `--rate ${options.rate}`,
    options.timeout !== undefined && `--timeout ${options.timeout}`,
    options.retries !== undefined && `--retries ${options.retries}`,
    options.maxNumRetry !== undefined && `--max-num-retry ${options.maxNumRetry}`,
  ].filter(Boolean);
  const file = /^[\w./-]+$/.test(options.file) ? options.file : `'${options.file.replace(/'/g, `'\\''`)}'`;
  return ['airtime send --file', file, '--batch', batchId, '--yes', ...flags].join(' ');
}

/** This run's rows in row order, from the ledger (the source of truth), with the invalid ones. */
function* batchRows(runRows: RunRows, scope: LedgerScope, invalid: RowProblem[]): Generator<BulkRow> {
  let next = 0;
  // A row refused for a cap was valid, only not sent; any other problem makes the row invalid.
  const invalidRow = (problem: RowProblem): BulkRow => ({
    row: problem.row,
    phoneNumber: null,
    amount: null,
    currency: null,
    reference: null,
    state: problem.errors.every((e) => e.code === 'LIMIT_EXCEEDED') ? 'skipped' : 'invalid',
    requestId: null,
    idempotencyKey: null,
    errorMessage: problem.errors.map((e) => e.message).join(', '),
  });
  for (const { row: number, transaction: row } of runRows.transactions(scope)) {
    while (next < invalid.length && (invalid[next]?.row ?? 0) < number) yield invalidRow(invalid[next++] as RowProblem);
    const result = resultFromRow(row, false);
    yield {
      row: number,
      phoneNumber: row.phoneNumber,
      amount: result.amount,
      currency: row.currency,
      reference: row.reference,
      state: row.state,
      requestId: row.requestId,
      idempotencyKey: row.idempotencyKey,
      errorMessage: row.errorMessage,
    };
  }
  while (next < invalid.length) yield invalidRow(invalid[next++] as RowProblem);
}

async function writeReport(path: string, rows: Iterable<BulkRow>): Promise<void> {
  const jsonl = path.endsWith('.jsonl') || path.endsWith('.ndjson');
  const file = createWriteStream(path, { mode: 0o600 });
  await once(file, 'open').catch((error: NodeJS.ErrnoException) => {
    throw new AirtimeError('USAGE', `cannot write the report ${path}: ${error.code ?? error.message}`);
  });
  const columns = [
    'row',
    'phoneNumber',
    'amount',
    'currency',
    'reference',
    'state',
    'requestId',
    'idempotencyKey',
    'errorMessage',
  ] as const;
  const write = async (line: string) => {
    if (!file.write(`${line}\n`)) await once(file, 'drain');
  };
  if (!jsonl) await write(columns.join(','));
  for (const row of rows) {
    await write(jsonl ? JSON.stringify(row) : columns.map((c) => csvField(row[c], c === 'phoneNumber' || c === 'amount')).join(','));
  }
  file.end();
  await once(file, 'finish');
}

interface Input {
  /** How messages call it: the path given, or "standard input". */
  name: string;
  format: FileFormat;
  /** Its bytes, for each pass over it. */
  source: RowInput;
  cleanup(): void;
}

const CHUNK = 256 * 1024;

/**
 * The file a command reads. A bulk send reads it twice (validate, then send), so it reads a
 * private copy (`snapshot`): what is sent is exactly what was validated, counted against the caps
 * and confirmed, even if an exporter rewrites the file meanwhile. The copy is written by the
 * first pass as it reads, so the first pass's bounds (a line over 64 KiB, a NUL byte) stop the
 * copy too: 1 GB of garbage on standard input is refused after its first 64 KiB, not copied whole
 * first. Standard input can be read only once: a bulk send always copies it.
 */
async function openInput(file: string, ctx: Context, snapshot = false): Promise<Input> {
  const name = file === '-' ? 'standard input' : file;
  if (file !== '-') {
    try {
      // Checked here, so a missing or unreadable file is one clear error, not a failed stream.
      await access(file, constants.R_OK);
      if ((await stat(file)).isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
      if (!snapshot) return { name, format: await detectFormat(file), source: file, cleanup: () => {} };
    } catch (error) {
      throw unreadable(file, error);
    }
  }
  const stream = file === '-' ? ctx.output.streams.stdin : createReadStream(file, { highWaterMark: CHUNK });
  const bytes = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // The first bytes tell the format when the name does not (standard input has none).
  const head: Buffer[] = [];
  let size = 0;
  while (size < 4096) {
    const next = await bytes.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
    if (/[^\s\uFEFF]/.test(Buffer.concat(head).toString('utf8'))) break;
  }
  const format = formatFromName(file === '-' ? '' : file) ?? formatFromContent(Buffer.concat(head).toString('utf8'));
  const rest = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value;
    } finally {
      // Stopped early (a row refused the file): stop reading the source too.
      await bytes.return?.();
    }
  };
  if (!snapshot) {
    let read = false;
    const once = () => {
      if (read) throw new Error('standard input can be read only once');
      read = true;
      return rest();
    };
    return { name, format, source: once, cleanup: () => {} };
  }

  const dir = mkdtempSync(join(tmpdir(), 'airtime-input-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'input');
  let state: 'unread' | 'copying' | 'copied' = 'unread';
  const source = () => {
    if (state === 'copied') return createReadStream(path, { highWaterMark: CHUNK });
    if (state === 'copying') throw new Error('the copy of the input was not finished');
    state = 'copying';
    return copying(rest(), path, () => {
      state = 'copied';
    });
  };
  return { name, format, source, cleanup };
}

/** The bytes as they are read, each also written to `path` (a private copy, mode 0600). */
async function* copying(bytes: AsyncGenerator<Buffer>, path: string, done: () => void): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'wx', 0o600);
  try {
    for await (const chunk of bytes) {
      for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      yield chunk;
    }
    done();
  } finally {
    closeSync(fd);
  }
}

function unreadable(file: string, error: unknown): AirtimeError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  return new AirtimeError('INVALID_FILE', `cannot read ${file}: ${reasons[code] ?? (code || String(error))}`);
}
