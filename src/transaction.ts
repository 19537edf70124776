// One airtime transaction, start to finish: claim its key in the ledger (a committed `pending`
// row) before anything leaves, request it (retrying transient failures under the same key), and
// settle the row from the answer. Shared by `send`, bulk sends and `serve`'s POST /send.
//
// What happens to a key the ledger already holds:
//   sent / delivered / failed      → the recorded result is replayed, no request
//   pending, owner process alive   → wait for it, then replay its result
//   pending (owner gone) / unknown → resent under the same key while the duplicate window since
//                                    the first attempt is open (AT drops it if the first arrived);
//                                    after that it stays unknown (exit 5) unless --force
import type { AtClient, SendAnswer } from './at/client.js';
import type { Environment } from './core/environment.js';
import { AirtimeError, type ErrorCode, EXIT, exitCodeFor } from './core/errors.js';
import { keyConflict } from './core/idempotency.js';
import { formatAmount, formatMoney, formatReportedMoney, parseReportedMoney } from './core/money.js';
import type { MoneyLimits, Recipient } from './core/recipient.js';
import type { RepeatGuard } from './core/repeat.js';
import { type Clock, insideRetryWindow, type RetryEvent, type RetryPolicy, runWithRetry } from './core/retry.js';
import type { Liveness, Owner } from './ledger/owner.js';
import type { ClaimOutcome, Settlement, StoredTransaction, TransactionState } from './ledger/records.js';
import type { Ledger } from './ledger/store.js';
import { resultFromRow, type TransactionResult, transactionJson } from './results/transaction.js';

export type { TransactionResult, TransactionState };

export interface TransactionRequest {
  recipient: Recipient;
  idempotencyKey: string;
  maxNumRetry?: number | undefined;
  batchId?: string | undefined;
  reference?: string | undefined;
  rowNumber?: number | undefined;
  /** Resend a key left unknown past the duplicate window (the user checked it did not arrive). */
  force?: boolean | undefined;
  /** A single send without --key: refused when it repeats a recent payment (src/core/repeat.ts). */
  repeatGuard?: RepeatGuard | undefined;
  /** A bulk row without --new: refused when a payment outside its batch since then paid the same (REPEAT_PAYMENT). */
  batchGuard?: { since: number } | undefined;
}

/** The part of the ledger a transaction needs; the benchmark swaps in an in-memory one. */
export type TransactionStore = Pick<Ledger, 'claimMany' | 'beginAttempt' | 'takeOver' | 'settleMany' | 'get'>;

export interface TransactionDeps {
  client: Pick<AtClient, 'send' | 'environment'>;
  store: TransactionStore;
  /** The AT username: keys are scoped to it and the environment. */
  account: string;
  policy: RetryPolicy;
  clock: Clock;
  owner: Owner;
  liveness: (owner: Owner) => Liveness;
  origin: { osUser: string; host: string };
  dailyCaps?: MoneyLimits | undefined;
  onRetry?: ((event: RetryEvent) => void) | undefined;
  /** Called once when another live process is found sending this key. */
  onWait?: ((owner: Owner) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** How often to look at a row another process is sending (default 100 ms). */
  waitPollMs?: number | undefined;
  /**
   * Awaited before each request leaves (a bulk send's shared rate limit). The duplicate window is
   * checked after it, so however long it waits, no resend leaves once the window has closed.
   */
  beforeRequest?: (() => Promise<void>) | undefined;
}

export async function sendTransaction(request: TransactionRequest, deps: TransactionDeps): Promise<TransactionResult> {
  const [claim] = await claimTransactions([request], deps);
  return sendClaimed(request, claim as ClaimOutcome, deps);
}

/**
 * Claims the keys of several transactions in one ledger commit (a bulk send claims the rows it is
 * about to send together: one wait for the disk instead of one per row). Nothing is sent yet.
 */
export function claimTransactions(requests: readonly TransactionRequest[], deps: TransactionDeps): Promise<ClaimOutcome[]> {
  const inputs = requests.map(({ recipient, ...request }) => ({
    account: deps.account,
    environment: deps.client.environment,
    idempotencyKey: request.idempotencyKey,
    phoneNumber: recipient.phoneNumber,
    country: recipient.market.country,
    currency: recipient.market.currency,
    amountMinor: recipient.amountMinor,
    batchId: request.batchId,
    reference: request.reference,
    rowNumber: request.rowNumber,
    maxNumRetry: request.maxNumRetry,
    repeatGuard: request.repeatGuard,
    batchGuard: request.batchGuard,
    owner: deps.owner,
    ...deps.origin,
  }));
  return deps.store.claimMany(inputs, deps.clock.now(), deps.dailyCaps ?? {});
}

/** Continues a claimed transaction: sends it, replays it, waits for it, or recovers it. */
export async function sendClaimed(request: TransactionRequest, claim: ClaimOutcome, deps: TransactionDeps): Promise<TransactionResult> {
  switch (claim.kind) {
    case 'over-cap':
      throw overDailyCap(request.recipient, claim.spentMinor, claim.capMinor);
    case 'repeat':
      throw repeatPayment(request.recipient, claim.match, deps.clock.now());
    case 'created':
      // The claim itself recorded the first attempt; the duplicate window counts from it.
      return attempt(request, claim.row, claim.row.firstAttemptAt ?? undefined, deps, true);
    case 'existing':
      checkSameParameters(claim.row, request);
      return resume(request, claim.row, deps);
  }
}

async function resume(request: TransactionRequest, found: StoredTransaction, deps: TransactionDeps): Promise<TransactionResult> {
  const { store, clock, policy } = deps;
  let row = found;
  let announced = false;
  for (;;) {
    if (row.state === 'sent' || row.state === 'delivered' || row.state === 'failed') return resultFromRow(row, true);

    const owner = row.owner;
    if (row.state === 'pending' && owner) {
      const liveness = deps.liveness(owner);
      const started = row.firstAttemptAt ?? row.createdAt;
      // A live owner has the request in flight: wait for its answer instead of sending again.
      // An owner on another host cannot be checked; it is trusted until the window has passed.
      const waiting = liveness === 'alive' || (liveness === 'unknown' && clock.now() < started + policy.windowMs);
      if (waiting) {
        if (clock.now() > started + policy.windowMs + policy.timeoutMs || deps.signal?.aborted) {
          return inFlightElsewhere(row, owner);
        }
        if (!announced) deps.onWait?.(owner);
        announced = true;
        await clock.sleep(deps.waitPollMs ?? 100);
        const current = await store.get(row.id);
        // Gone: its owner gave it back unsent (a bulk send stopped before the request left).
        if (!current) return sendTransaction(request, deps);
        row = current;
        continue;
      }
    }

    // The row is unknown, or pending with its owner gone (a crash, a kill): recover it.
    const first = row.firstAttemptAt;
    const now = clock.now();
    // Inside the window a resend under the same key cannot pay twice. Past it AT would treat the
    // key as new: resent only on the user's word (--force) that it did not arrive, its window anew.
    const inWindow = first === null || insideRetryWindow(first, now, policy);
    const forced = !inWindow && Boolean(request.force);
    if (inWindow || forced || row.state === 'pending') {
      if (!(await store.takeOver(row.id, owner, deps.owner, now, forced))) {
        // Another process recovered it first (follow that one), or gave it back unsent.
        const current = await store.get(row.id);
        if (!current) return sendTransaction(request, deps);
        row = current;
        continue;
      }
      if (inWindow || forced) return attempt(request, row, inWindow ? (first ?? undefined) : undefined, deps);
      const message = `an earlier run was stopped after sending this key ${minutesAgo(first, now)}, and no answer was recorded`;
      await store.settleMany([{ id: row.id, settlement: { ...unknownSettlement(message), requestId: row.requestId }, now }]);
      row = (await store.get(row.id)) ?? row;
    }
    // Past the window nothing is sent, so say so: re-running the same command changes nothing.
    const message = `${row.errorMessage ?? 'outcome unknown'}; its duplicate window has passed, so it is not resent: check it, then settle it with \`airtime reconcile\`, or resend it with --force if it did not arrive`;
    return { ...resultFromRow(row, false), exitCode: EXIT.UNKNOWN, error: { code: 'OUTCOME_UNKNOWN', message } };
  }
}

async function attempt(
  request: TransactionRequest,
  row: StoredTransaction,
  windowStart: number | undefined,
  deps: TransactionDeps,
  claimedFirstAttempt = false,
): Promise<TransactionResult> {
  const { recipient } = request;
  const { store, clock, policy } = deps;
  // Resuming a key an earlier run sent: that request may have arrived, whatever this run hears.
  const priorMayHaveArrived = !claimedFirstAttempt && row.attempts > 0;
  const answers: SendAnswer[] = [];
  let firstSentAt: number | undefined;
  // Requests that left, as the ledger counts them: an attempt stopped by the closed window is not one.
  let requests = 0;
  try {
    await runWithRetry(
      async (n) => {
        await deps.beforeRequest?.();
        const start = windowStart ?? firstSentAt;
        if ((n > 1 || priorMayHaveArrived) && start !== undefined && !insideRetryWindow(start, clock.now(), policy)) {
          // The wait outlasted the window: a request now could be paid a second time. Not sent.
          const closed: SendAnswer = { kind: 'transient', reached: false, reason: 'the duplicate window closed before it could be resent' };
          answers.push(closed);
          return closed;
        }
        // Committed before the request leaves: a crash from here on leaves a pending row that a
        // re-run recovers under the same key.
        if (n > 1 || !claimedFirstAttempt) await store.beginAttempt(row.id, deps.owner, clock.now());
        firstSentAt ??= clock.now();
        requests += 1;
        const answer = await deps.client.send({
          phoneNumber: recipient.phoneNumber,
          amount: formatMoney(recipient.amountMinor, recipient.market),
          idempotencyKey: request.idempotencyKey,
          maxNumRetry: request.maxNumRetry,
        });
        answers.push(answer);
        return answer;
      },
      {
        policy,
        clock,
        transient: (answer) => (answer.kind === 'transient' ? answer : null),
        firstAttemptAt: windowStart,
        onRetry: deps.onRetry,
        signal: deps.signal,
      },
    );
  } catch (error) {
    // The ledger failed to record a retry before it left: an earlier request with this key may
    // have been paid, so the outcome is unknown, and the key is what lets anyone find out.
    if (!(error instanceof AirtimeError) || error.code !== 'LEDGER_ERROR' || !(priorMayHaveArrived || mayHaveArrived(answers))) throw error;
    const key = request.idempotencyKey;
    throw new AirtimeError(
      'OUTCOME_UNKNOWN',
      `an earlier attempt may have reached Africa's Talking, and the retry could not be recorded: ${error.message}`,
      {
        hint: `the ledger still holds key ${key} as pending: re-running with --key ${key} cannot pay twice, or check with \`airtime status ${key}\``,
        details: {
          ...transactionJson(resultFromRow(row, false)),
          state: 'pending',
          attempts: (claimedFirstAttempt ? 0 : row.attempts) + requests,
        },
        cause: error,
      },
    );
  }
  const previousAttempts = claimedFirstAttempt ? 0 : row.attempts;
  const result = resultFromAnswers(request, deps.client.environment, answers, previousAttempts + requests, priorMayHaveArrived);
  const discount = parseReportedMoney(result.discount);
  try {
    await store.settleMany([
      {
        id: row.id,
        settlement: {
          state: result.state,
          atStatus: result.status,
          requestId: result.requestId,
          discountCurrency: discount?.currency ?? null,
          discountUnits4: discount?.units4 ?? null,
          errorCode: result.error?.code ?? null,
          errorMessage: result.errorMessage,
          exitCode: result.exitCode,
        },
        now: clock.now(),
        events: answers.map((answer) => ({ kind: 'answer', payload: answerEvent(answer) })),
      },
    ]);
  } catch (error) {
    // Africa's Talking has answered; only the record failed. Say what happened, with the key, so
    // nobody reads "nothing was sent" and pays again.
    if (!(error instanceof AirtimeError)) throw error;
    throw new AirtimeError(
      error.code,
      `Africa's Talking answered (${result.state}${result.requestId ? `, requestId ${result.requestId}` : ''}), but the answer could not be recorded: ${error.message}`,
      {
        hint: `the ledger still holds key ${request.idempotencyKey} as pending: re-running with --key ${request.idempotencyKey} cannot pay twice, or settle it with \`airtime reconcile ${request.idempotencyKey} --as ${result.state === 'failed' ? 'failed' : 'sent'}\``,
        details: transactionJson(result),
        cause: error,
      },
    );
  }
  return result;
}

/** Whether one of these attempts may have reached Africa's Talking (it timed out, say), and been paid. */
function mayHaveArrived(answers: readonly SendAnswer[]): boolean {
  return answers.some((a) => a.kind === 'transient' && a.reached);
}

/** Settles a transaction from every answer its attempts got (the last one decides, earlier ones qualify). */
function resultFromAnswers(
  request: Pick<TransactionRequest, 'recipient' | 'idempotencyKey'>,
  environment: Environment,
  answers: SendAnswer[],
  attempts: number,
  /** An earlier run sent this key: only an answer from Africa's Talking itself can settle it. */
  priorMayHaveArrived = false,
): TransactionResult {
  const { recipient } = request;
  const base = {
    phoneNumber: recipient.phoneNumber,
    country: recipient.market.country,
    amount: formatAmount(recipient.amountMinor, recipient.market),
    currency: recipient.market.currency,
    idempotencyKey: request.idempotencyKey,
    requestId: null,
    discount: null,
    errorMessage: null,
    replayed: false,
    attempts,
    environment,
  };
  const fail = (state: TransactionState, status: string | null, code: ErrorCode, message: string): TransactionResult => ({
    ...base,
    state,
    status,
    errorMessage: message,
    error: { code, message },
    exitCode: exitCodeFor(code),
  });

  const last = answers.at(-1);
  if (!last) return fail('unknown', null, 'OUTCOME_UNKNOWN', 'no request was made');
  // A refusal that is not Africa's Talking's own JSON answer (a gateway's 403, a 401, a 400) says
  // nothing about an earlier request with this key, which may have been paid.
  const notFromAfrica = last.kind === 'auth-failed' || (last.kind === 'rejected' && (last.httpStatus ?? 200) >= 300);
  const earlierMayHaveArrived = priorMayHaveArrived || mayHaveArrived(answers.slice(0, -1));
  if (earlierMayHaveArrived && notFromAfrica) {
    return fail(
      'unknown',
      null,
      'OUTCOME_UNKNOWN',
      `an earlier attempt may have arrived, and the resend was refused: ${last.errorMessage}`,
    );
  }
  switch (last.kind) {
    case 'accepted': {
      const discount = parseReportedMoney(last.discount);
      return {
        ...base,
        state: 'sent',
        status: last.status,
        requestId: last.requestId,
        discount: discount ? formatReportedMoney(discount) : null,
        errorMessage: last.errorMessage,
        error: null,
        exitCode: EXIT.OK,
      };
    }
    case 'rejected':
      return fail('failed', 'Failed', last.reason === 'balance' ? 'INSUFFICIENT_BALANCE' : 'REJECTED', last.errorMessage);
    case 'duplicate':
      // The key reached AT earlier; what AT decided then is not known. Never 'failed': it may
      // have been paid.
      return fail(
        'unknown',
        null,
        'OUTCOME_UNKNOWN',
        `Africa's Talking already received this key (${last.errorMessage}); whether it paid is not known`,
      );
    case 'auth-failed':
      return fail('failed', null, 'AUTH_FAILED', `Africa's Talking refused the credentials: ${last.errorMessage}`);
    case 'transient': {
      return priorMayHaveArrived || mayHaveArrived(answers)
        ? fail('unknown', null, 'OUTCOME_UNKNOWN', `no answer from Africa's Talking after ${attempts} attempt(s): ${last.reason}`)
        : fail('failed', null, 'NETWORK_ERROR', `could not reach Africa's Talking after ${attempts} attempt(s): ${last.reason}`);
    }
  }
}

function checkSameParameters(row: StoredTransaction, request: TransactionRequest): void {
  const conflict = keyConflict(row, request.recipient);
  if (conflict) throw conflict;
}

function overDailyCap(recipient: Recipient, spentMinor: number, capMinor: number): AirtimeError {
  const { market } = recipient;
  return new AirtimeError(
    'LIMIT_EXCEEDED',
    `${formatMoney(recipient.amountMinor, market)} would bring the last 24 hours to ${formatMoney(spentMinor, market)}, over limits.daily.${market.currency} (${formatMoney(capMinor, market)})`,
    { hint: `nothing was sent; raise limits.daily.${market.currency} in your config if this is intended` },
  );
}

/**
 * REPEAT_PAYMENT for a single send: names the earlier transaction (time, state, key) and the safe
 * command to finish or replay it, which a key makes idempotent.
 */
export function repeatPayment(recipient: Recipient, earlier: StoredTransaction, now: number): AirtimeError {
  const money = formatMoney(recipient.amountMinor, recipient.market);
  const when = `${minutesAgo(earlier.createdAt, now)} (${new Date(earlier.createdAt).toISOString()})`;
  const unsettled = earlier.state === 'pending' || earlier.state === 'unknown';
  const what = unsettled
    ? `this repeats a send of ${money} to ${recipient.phoneNumber} made ${when} under key ${earlier.idempotencyKey}, whose outcome is not known yet (${earlier.state})`
    : `this repeats ${money} ${earlier.state} to ${recipient.phoneNumber} ${when} under key ${earlier.idempotencyKey}`;
  const amount = formatAmount(recipient.amountMinor, recipient.market);
  return new AirtimeError('REPEAT_PAYMENT', `${what}: nothing was sent`, {
    hint: `${unsettled ? 'to finish that one' : 'to see that one again'}: airtime send ${recipient.phoneNumber} ${amount} --key ${earlier.idempotencyKey}; to pay again on purpose: --allow-repeat`,
    details: {
      repeats: {
        idempotencyKey: earlier.idempotencyKey,
        state: earlier.state,
        requestId: earlier.requestId,
        createdAt: new Date(earlier.createdAt).toISOString(),
      },
    },
  });
}

function inFlightElsewhere(row: StoredTransaction, owner: Owner): TransactionResult {
  const message = `process ${owner.pid} on ${owner.host} is still sending this key and has not recorded an answer`;
  return { ...resultFromRow(row, false), error: { code: 'OUTCOME_UNKNOWN', message }, errorMessage: message, exitCode: EXIT.UNKNOWN };
}

function unknownSettlement(message: string): Settlement {
  return {
    state: 'unknown',
    atStatus: null,
    requestId: null,
    discountCurrency: null,
    discountUnits4: null,
    errorCode: 'OUTCOME_UNKNOWN',
    errorMessage: message,
    exitCode: EXIT.UNKNOWN,
  };
}

function minutesAgo(then: number, now: number): string {
  const minutes = Math.round((now - then) / 60_000);
  if (minutes < 1) return 'under a minute ago';
  return minutes < 120 ? `${minutes} minute(s) ago` : `${Math.round(minutes / 60)} hour(s) ago`;
}

/** What the ledger keeps of each answer: its kind, HTTP status and raw body. */
function answerEvent(answer: SendAnswer): Record<string, unknown> {
  const { raw, ...rest } = answer;
  return { ...rest, raw: raw ?? null };
}
