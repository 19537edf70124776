// One airtime transaction, start to finish: record it, request it (retrying transient failures
// under the same key), record the answer. Shared by `send`, bulk sends and `serve`'s POST /send.
import type { AtClient, Environment, SendAnswer } from './at/client.js';
import type { ErrorCode } from './core/errors.js';
import { formatAmount, formatMoney, formatReportedMoney, parseReportedMoney } from './core/money.js';
import type { Recipient } from './core/recipient.js';
import { runWithRetry, type Clock, type RetryEvent, type RetryPolicy } from './core/retry.js';

export type TransactionState = 'pending' | 'sent' | 'delivered' | 'failed' | 'unknown';

export interface TransactionRequest {
  recipient: Recipient;
  idempotencyKey: string;
  maxNumRetry?: number | undefined;
}

/** The outcome of a send as the user sees it (`send --json`). */
export interface TransactionResult {
  state: TransactionState;
  /** Africa's Talking's word for it ("Sent", "Failed"), null when it gave none. */
  status: string | null;
  phoneNumber: string;
  country: string;
  amount: string;
  currency: string;
  idempotencyKey: string;
  requestId: string | null;
  discount: string | null;
  errorMessage: string | null;
  error: { code: ErrorCode; message: string } | null;
  replayed: boolean;
  attempts: number;
  environment: Environment;
}

/** What the ledger records about the attempt and its answer. Until the ledger lands these do nothing. */
export interface TransactionRecorder {
  /** Called before the request leaves: the transaction must be durable by the time this returns. */
  recordPending(request: TransactionRequest, environment: Environment): void;
  recordAnswer(request: TransactionRequest, result: TransactionResult, answers: SendAnswer[]): void;
}

export const noRecorder: TransactionRecorder = {
  recordPending() {},
  recordAnswer() {},
};

export interface TransactionDeps {
  client: Pick<AtClient, 'send' | 'environment'>;
  recorder: TransactionRecorder;
  policy: RetryPolicy;
  clock: Clock;
  onRetry?: ((event: RetryEvent) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export async function sendTransaction(request: TransactionRequest, deps: TransactionDeps): Promise<TransactionResult> {
  const { recipient } = request;
  const environment = deps.client.environment;
  deps.recorder.recordPending(request, environment);

  const answers: SendAnswer[] = [];
  const run = await runWithRetry(
    async () => {
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
      policy: deps.policy,
      clock: deps.clock,
      transient: (answer) => (answer.kind === 'transient' ? answer : null),
      onRetry: deps.onRetry,
      signal: deps.signal,
    },
  );

  const result = resultFromAnswers(request, environment, answers, run.attempts);
  deps.recorder.recordAnswer(request, result, answers);
  return result;
}

/** Settles a transaction from every answer its attempts got (the last one decides, earlier ones qualify). */
export function resultFromAnswers(
  request: TransactionRequest,
  environment: Environment,
  answers: SendAnswer[],
  attempts: number,
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
  const last = answers.at(-1);
  const fail = (state: TransactionState, status: string | null, code: ErrorCode, message: string) => ({
    ...base,
    state,
    status,
    errorMessage: message,
    error: { code, message },
  });

  if (!last) return fail('unknown', null, 'OUTCOME_UNKNOWN', 'no request was made');
  switch (last.kind) {
    case 'accepted': {
      const discount = parseReportedMoney(last.discount);
      return {
        ...base,
        state: 'sent',
        status: last.status,
        requestId: last.requestId,
        discount: discount ? formatReportedMoney(discount) : last.discount,
        errorMessage: last.errorMessage,
        error: null,
      };
    }
    case 'rejected':
      return fail(
        'failed',
        'Failed',
        last.reason === 'balance' ? 'INSUFFICIENT_BALANCE' : 'REJECTED',
        last.errorMessage,
      );
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
      const mayHaveArrived = answers.some((a) => a.kind === 'transient' && a.reached);
      return mayHaveArrived
        ? fail('unknown', null, 'OUTCOME_UNKNOWN', `no answer from Africa's Talking after ${attempts} attempt(s): ${last.reason}`)
        : fail('failed', null, 'NETWORK_ERROR', `could not reach Africa's Talking after ${attempts} attempt(s): ${last.reason}`);
    }
  }
}
