// The sending pass of a bulk file: each valid row through the single-send engine (which gives every
// row the ledger's guarantees), a bounded number at a time, under a shared rate limit, claimed a
// group at a time, and stopped cleanly by a signal.
import type { AtClient, SendAnswer } from '../at/client.js';
import { AirtimeError, type ErrorCode } from '../core/errors.js';
import { formatMinorOf } from '../core/money.js';
import { RateLimiter } from '../core/rate.js';
import type { MoneyLimits } from '../core/recipient.js';
import type { Clock } from '../core/retry.js';
import type { ClaimOutcome, LedgerScope, StoredTransaction } from '../ledger/records.js';
import type { Ledger, RunRows } from '../ledger/store.js';
import type { FileCheck, RowProblem } from '../results/bulk.js';
import type { Note } from '../results/notes.js';
import { claimTransactions, sendClaimed, type TransactionDeps, type TransactionRequest, type TransactionResult } from '../transaction.js';
import { checkFile, type ValidRow } from './check.js';
import type { Input } from './input.js';
import { baseKey, keyForRow, prefetchedKeys, recordedKeys } from './keys.js';
import { BatchingStore } from './store.js';

export interface RunCounts {
  done: number;
  sent: number;
  failed: number;
  unknown: number;
  replayed: number;
  /** Rows not sent because they are invalid (with --skip-invalid) or were refused as they were claimed. */
  skipped: number;
  /** On a shared ledger: rows another process claimed during this run, and sent or is sending. */
  elsewhere: number;
  /** Valid rows the run never reached: it was interrupted first. */
  notReached: number;
}

export interface Progress {
  update(counts: RunCounts): void;
  stop(): void;
}

export interface DispatchArgs {
  client: Pick<AtClient, 'send' | 'environment'>;
  ledger: Ledger;
  scope: LedgerScope;
  /** The single-send engine's dependencies; the pass adds its rate limit, batching and signal. */
  deps: TransactionDeps;
  check: FileCheck;
  batchId: string;
  input: Input;
  country: string | undefined;
  perRecipient: MoneyLimits;
  concurrency: number;
  rate: number | undefined;
  /** How long a 429 without Retry-After pauses the batch. */
  pauseMs: number;
  maxNumRetry: number | undefined;
  retryFailed: boolean;
  force: boolean;
  /**
   * Payments since then, outside this batch, of a row's number and value refuse the row as it is
   * claimed (REPEAT_PAYMENT), checked in the claim's own transaction: the file was checked against
   * the ledger before the run, but another process or host may pay the same person meanwhile.
   * Undefined with --new.
   */
  repeatSince: number | undefined;
  clock: Clock;
  notify(note: Note): void;
  /** The first SIGINT or SIGTERM stops the pass (see Context.onInterrupt); returns the unregister function. */
  onInterrupt(first: (signal: NodeJS.Signals) => void): () => void;
  progress: Progress;
}

export interface DispatchResult {
  counts: RunCounts;
  /** Minor units accepted, per currency. */
  accepted: Map<string, number>;
  interrupted: NodeJS.Signals | null;
  /** This run's rows and their keys, for the summary, the JSON rows and the report. */
  runRows: RunRows;
  /** Every row that was not sent, and why: invalid in the sending pass, or refused as it was claimed. */
  problems: RowProblem[];
  /** On a shared ledger, the rows another process had (counts.elsewhere of them); undefined on one machine. */
  elsewhere: ReadonlySet<number> | undefined;
}

const INTERRUPTED = Symbol('interrupted');
/** Rows a worker on a shared ledger claims at a time, at least (see dispatch). */
export const SHARED_CLAIM_ROWS = 16;
/** How often rows another process holds are looked at again, at the end of a run. */
const ELSEWHERE_POLL_MS = 100;

/** Pass 2: each valid row through the send engine, a bounded number at a time. */
export async function dispatch(args: DispatchArgs): Promise<DispatchResult> {
  const { client, ledger, scope, check, batchId, input } = args;
  const limiter = new RateLimiter(args.clock, args.rate);
  // Every request of the batch waits for the shared limiter (deps.beforeRequest, so the duplicate
  // window is checked after the wait); a 429 pauses them all.
  const limitedClient = {
    environment: client.environment,
    send: async (request: Parameters<typeof client.send>[0]): Promise<SendAnswer> => {
      const answer = await client.send(request);
      if (answer.kind === 'transient' && answer.httpStatus === 429) limiter.pause(answer.retryAfterMs ?? args.pauseMs);
      return answer;
    },
  };
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | null = null;
  let fatal: unknown;
  const unregister = args.onInterrupt((signal) => {
    interrupted = signal;
    controller.abort();
    args.notify({ kind: 'finishing', signal, bulk: true });
  });
  const store = new BatchingStore(ledger);
  const deps: TransactionDeps = {
    ...args.deps,
    client: limitedClient,
    store,
    signal: controller.signal,
    beforeRequest: () => limiter.take(),
  };
  const counts: RunCounts = {
    done: 0,
    sent: 0,
    failed: 0,
    unknown: 0,
    replayed: 0,
    skipped: check.invalidCount,
    notReached: 0,
    elsewhere: 0,
  };
  // On a shared ledger, a row another process claimed since this run began is that process's:
  // several workers on one batch split its rows. One claimed before is this batch's history, replayed.
  const startedAt = args.clock.now();
  const heldElsewhere = new Map<number, { row: ValidRow; request: TransactionRequest }>();
  const elsewhereRows = new Set<number>();
  /** Rows the ledger refused as they were claimed (a key or a cap taken meanwhile by another process). */
  const refused: RowProblem[] = [];
  const accepted = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  const runRows = ledger.runRows();

  const record = async (result: TransactionResult, row: ValidRow) => {
    if (!listed.has(row.row)) await runRows.add(row.row, result.idempotencyKey);
    listed.add(row.row);
    counts.done += 1;
    if (result.replayed) counts.replayed += 1;
    if (result.state === 'sent' || result.state === 'delivered') {
      counts.sent += 1;
      accepted.set(result.currency, (accepted.get(result.currency) ?? 0) + row.recipient.amountMinor);
    } else if (result.state === 'failed') counts.failed += 1;
    else counts.unknown += 1;
    args.progress.update(counts);
  };

  const requestFor = async (row: ValidRow, known: Pick<Ledger, 'byKey'>): Promise<TransactionRequest> => ({
    recipient: row.recipient,
    idempotencyKey: await keyForRow(row, batchId, known, scope, args.retryFailed, args.clock.now(), (failed, until) =>
      args.notify({ kind: 'row-held', row: row.row, maxNumRetry: failed.maxNumRetry, until }),
    ),
    batchId,
    reference: row.reference ?? undefined,
    rowNumber: row.row,
    maxNumRetry: args.maxNumRetry,
    force: args.force,
    batchGuard: args.repeatSince === undefined ? undefined : { since: args.repeatSince },
  });

  const refuse = (row: ValidRow, code: ErrorCode, message: string) => {
    counts.done += 1;
    counts.skipped += 1;
    refused.push({ row: row.row, line: row.line, errors: [{ code, message }] });
    args.notify({ kind: 'row-refused', row: row.row, message });
    args.progress.update(counts);
  };

  /**
   * On a shared ledger, the rows another process has: those it holds now (pending, its lease
   * running), and those it claimed since this run began. A row whose holder is gone is taken over at
   * once, under the single-send rules; one settled before this run began is the batch's history,
   * replayed.
   */
  const othersRow = (claim: ClaimOutcome): claim is { kind: 'existing'; row: StoredTransaction } => {
    if (!ledger.shared || claim.kind !== 'existing') return false;
    if (claim.row.state === 'pending') return claim.row.owner !== null && deps.liveness(claim.row.owner) === 'alive';
    return claim.row.createdAt >= startedAt;
  };
  /** Rows already in this run's list (a row taken over from another process is listed once). */
  const listed = new Set<number>();

  const sendRow = async (row: ValidRow, request: TransactionRequest, claim: ClaimOutcome) => {
    if (othersRow(claim)) {
      heldElsewhere.set(row.row, { row, request });
      elsewhereRows.add(row.row);
      counts.elsewhere += 1;
      counts.done += 1;
      await runRows.add(row.row, request.idempotencyKey);
      listed.add(row.row);
      args.progress.update(counts);
      return;
    }
    if (claim.kind === 'repeat') {
      const { match } = claim;
      refuse(
        row,
        'REPEAT_PAYMENT',
        `repeats ${match.currency} ${formatMinorOf(match.currency, match.amountMinor)} ${match.state} to ${match.phoneNumber} under key ${match.idempotencyKey}${match.batchId ? ` (batch ${match.batchId})` : ''} at ${new Date(match.createdAt).toISOString()}: not sent; --new pays it again on purpose`,
      );
      return;
    }
    try {
      await record(await sendClaimed(request, claim, deps), row);
    } catch (error) {
      if (error instanceof AirtimeError && (error.code === 'IDEMPOTENCY_CONFLICT' || error.code === 'LIMIT_EXCEEDED')) {
        // This row cannot be sent as it stands; the rest of the batch is unaffected (a cap reached
        // mid-batch by another sender stops dispatching, below).
        refuse(row, error.code, error.message);
        if (error.code === 'LIMIT_EXCEEDED') controller.abort();
        return;
      }
      fatal ??= error;
      controller.abort();
    }
  };

  // Rows wait in `ready`; they are claimed in the ledger a group at a time (one commit, one wait
  // for the disk, for `groupSize` rows) into `claimed`, from which each request leaves as
  // soon as a slot frees. The next group is claimed while requests are in flight, so the claim's
  // round trips and its wait for the disk are not spent with the slots idle: on one machine as
  // soon as the last group has all left (at most one group waits, claimed, for slots, as before);
  // on a shared ledger, which answers over the network, when one round of sends is left waiting.
  // Every request still leaves only after its own claim has committed. A row claimed but not yet
  // sent when the process dies is recovered like any pending row: resent under its key inside the
  // duplicate window, which counts from its claim; one the run stops before sending is given back.
  const ready: ValidRow[] = [];
  /**
   * Rows claimed in one commit: `concurrency` of them; on a shared ledger at least
   * SHARED_CLAIM_ROWS, so workers sharing a batch meet in the ledger (a claim, the cap's lock, a
   * look at what the others took) once for that many rows, whatever their concurrency.
   */
  const groupSize = ledger.shared ? Math.max(args.concurrency, SHARED_CLAIM_ROWS) : args.concurrency;
  /** Rows read ahead of the sends, and looked up together before a claim. */
  const lookahead = groupSize * 4;
  /** The next group is claimed when no more than this many claimed rows wait for a slot. */
  const refill = ledger.shared ? args.concurrency : 0;
  const claimed: { row: ValidRow; request: TransactionRequest; claim: ClaimOutcome }[] = [];
  let wakeScan: (() => void) | undefined;
  let pumpScheduled = false;
  let claiming: Promise<void> | undefined;
  const claimGroup = async () => {
    // The keys of the rows read ahead, in one query. A key the ledger already holds needs no
    // claim (it would find the same row): its row goes straight on, and the group is the next
    // `groupSize` rows whose keys nobody holds. Workers sharing a batch walk the same rows, so a
    // worker finds the rows the others claimed since it last looked several groups at a time,
    // rather than one query (and one claim that finds them held) a group.
    const window = ready.slice(0, lookahead);
    const known = await prefetchedKeys(
      ledger,
      scope,
      window.map((row) => baseKey(row, batchId)),
    );
    const taken: { row: ValidRow; request: TransactionRequest; held: StoredTransaction | undefined }[] = [];
    let fresh = 0;
    for (const row of window) {
      if (fresh === groupSize) break;
      const request = await requestFor(row, known);
      const held = known.found.get(request.idempotencyKey);
      taken.push({ row, request, held });
      if (!held) fresh += 1;
    }
    // Only this function takes rows from `ready` (one claim at a time); the scan adds at its end.
    ready.splice(0, taken.length);
    const claims =
      fresh > 0
        ? await claimTransactions(
            taken.filter((t) => !t.held).map((t) => t.request),
            deps,
          )
        : [];
    let next = 0;
    for (const { row, request, held } of taken) {
      const claim: ClaimOutcome | undefined = held ? { kind: 'existing', row: held } : claims[next++];
      if (claim) claimed.push({ row, request, claim });
    }
  };
  const pump = () => {
    pumpScheduled = false;
    while (!controller.signal.aborted && inFlight.size < args.concurrency) {
      const next = claimed.shift();
      if (!next) break;
      const task: Promise<void> = sendRow(next.row, next.request, next.claim).finally(() => {
        inFlight.delete(task);
        schedulePump();
      });
      inFlight.add(task);
    }
    // One claim at a time.
    if (!claiming && !controller.signal.aborted && ready.length > 0 && claimed.length <= refill) {
      claiming = claimGroup()
        .catch((error: unknown) => {
          fatal ??= error;
          controller.abort();
        })
        .finally(() => {
          claiming = undefined;
          schedulePump();
        });
    }
    wakeScan?.();
  };
  const schedulePump = () => {
    if (pumpScheduled) return;
    pumpScheduled = true;
    setImmediate(pump);
  };

  /**
   * Rows other processes hold are waited for before this one exits: each ends settled by its holder
   * (it stays theirs), or its holder is gone (its lease ran out, or it gave the row back) and this
   * process finishes it under the single-send rules. So the last worker to exit leaves the batch
   * done, unless every worker died; a holder that is alive settles within its request's timeout.
   */
  const finishElsewhere = async () => {
    while (heldElsewhere.size > 0 && !controller.signal.aborted && fatal === undefined) {
      const now = await ledger.byKeys(
        scope.account,
        scope.environment,
        [...heldElsewhere.values()].map((held) => held.request.idempotencyKey),
      );
      for (const [rowNumber, held] of [...heldElsewhere]) {
        const current = now.get(held.request.idempotencyKey);
        if (current && current.state !== 'pending') {
          heldElsewhere.delete(rowNumber);
          continue;
        }
        if (current?.owner && deps.liveness(current.owner) !== 'dead') continue;
        // Its holder is gone: the row is this process's now.
        heldElsewhere.delete(rowNumber);
        elsewhereRows.delete(rowNumber);
        counts.elsewhere -= 1;
        counts.done -= 1;
        const claim = current ? ({ kind: 'existing', row: current } as const) : (await claimTransactions([held.request], deps))[0];
        if (claim) await sendRow(held.row, held.request, claim);
      }
      if (heldElsewhere.size > 0) await args.clock.sleep(ELSEWHERE_POLL_MS);
    }
  };

  let sendingCheck: FileCheck | undefined;
  try {
    sendingCheck = await checkFile(input.source, input.format, {
      name: input.name,
      country: args.country,
      perRecipient: args.perRecipient,
      recordedKey: recordedKeys(ledger, scope),
      onValidRow: async (row) => {
        if (controller.signal.aborted) throw INTERRUPTED;
        ready.push(row);
        schedulePump();
        // Enough read ahead to claim the next group while the current one is being sent.
        while (ready.length >= lookahead && !controller.signal.aborted) {
          await new Promise<void>((resolve) => {
            wakeScan = resolve;
          });
        }
      },
    });
    // The file is read; send what is still waiting, then wait for the last answers.
    for (;;) {
      const waiting = (ready.length > 0 || claimed.length > 0) && !controller.signal.aborted;
      if (!waiting && inFlight.size === 0 && !claiming) break;
      // Each request and each claim pumps again as it ends; otherwise pump now.
      const busy = claiming ? [...inFlight, claiming] : [...inFlight];
      if (busy.length === 0 || (claimed.length > 0 && inFlight.size < args.concurrency)) {
        schedulePump();
        await new Promise<void>((resolve) => setImmediate(resolve));
      } else {
        await Promise.race(busy);
      }
    }
    await finishElsewhere();
  } catch (error) {
    if (error !== INTERRUPTED) {
      fatal ??= error;
      // Nothing more is claimed or sent.
      controller.abort();
    }
  } finally {
    // In-flight requests finish (each bounded by the timeout), their answers are written, and rows
    // claimed but never sent are given back: the ledger is left with nothing pending.
    await claiming;
    await Promise.allSettled([...inFlight]);
    try {
      await store.flush();
    } catch (error) {
      fatal ??= error;
    }
    const unsent = claimed.splice(0).flatMap(({ claim }) => (claim.kind === 'created' ? [claim.row.id] : []));
    try {
      await ledger.release(unsent, deps.owner);
    } catch (error) {
      fatal ??= error;
    }
    unregister();
    args.progress.stop();
  }
  if (fatal) throw fatal;

  // Not skipped (the word for rows that cannot or may not be sent): these are simply still to do.
  counts.notReached = Math.max(0, check.validCount - counts.done);
  // The sending pass's own verdict on each row (the ledger may have changed since the first pass),
  // and the rows refused as they were claimed: every row of the file is listed, and why.
  const problems = [...(sendingCheck?.invalid ?? check.invalid), ...refused].sort((a, b) => a.row - b.row);
  return { counts, accepted, interrupted, runRows, problems, elsewhere: ledger.shared ? elsewhereRows : undefined };
}
