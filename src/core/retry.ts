// Retry with exponential backoff and full jitter, bounded by Africa's Talking's duplicate window.
// Pure: time, sleep and randomness are injected, so tests run the whole schedule in microseconds.

export interface RetryPolicy {
  /** Retries after the first attempt (`--retries`, default 3). */
  retries: number;
  /** Ceiling of the first wait (`retryDelay`, default 1 s); it doubles for each further retry. */
  baseDelayMs: number;
  /** No single wait is longer than this, whatever the doubling gives. */
  maxDelayMs: number;
  /** AT's duplicate window (`duplicateWindow`, default and maximum 300 s). */
  windowMs: number;
  /** Per-request timeout (`timeout`, default 30 s). */
  timeoutMs: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Why an attempt may be tried again; null for an answer that must not be retried. */
export interface TransientFailure {
  reason: string;
  /** From a `Retry-After` header. */
  retryAfterMs?: number | undefined;
}

/**
 * The wait before retry number `retry` (1 for the first retry): a uniformly random time up to
 * base × 2^(retry-1) ("full jitter", so many clients do not retry in lock-step), and never less
 * than the server's Retry-After.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
}

/**
 * The last moment a retry may start. A retry that reaches AT after the duplicate window since the
 * first attempt is processed as a new request and can pay twice; a request may take up to the
 * timeout to arrive, so retries stop a timeout's length before the window ends.
 */
export function lastRetryStart(firstAttemptAt: number, policy: RetryPolicy): number {
  return firstAttemptAt + policy.windowMs - policy.timeoutMs;
}

/**
 * Whether a retry may start at `now`: no earlier than the first attempt and no later than
 * lastRetryStart. A clock reading earlier than the first attempt was set back, so the time since
 * is not known; the window counts as closed, as a resend could reach AT after its real window.
 */
export function insideRetryWindow(firstAttemptAt: number, now: number, policy: RetryPolicy): boolean {
  return now >= firstAttemptAt && now <= lastRetryStart(firstAttemptAt, policy);
}

/**
 * The longest one send can take, claim to answer: its last retry starts no later than the duplicate
 * window less a timeout after the first attempt and lasts at most a timeout, and a send that waits
 * for another process sending the same key gives up a timeout after that key's window. What the
 * ledger makes it wait (a busy timeout per write, when another process holds the lock) comes on top.
 */
export function sendBudgetMs(policy: Pick<RetryPolicy, 'windowMs' | 'timeoutMs'>): number {
  return policy.windowMs + policy.timeoutMs;
}

/** How long Africa's Talking retries a failed delivery by default (the API documentation). */
export const AT_DELIVERY_RETRY_PERIOD_MS = 8 * 60 * 60 * 1000;

/**
 * Until when Africa's Talking may still deliver a send it accepted and then reported as failed.
 * It goes on retrying the delivery itself, every 60 s, `maxNumRetry` times or, without it, for its
 * default retry period of 8 hours; a resend under a new key before then could pay twice. Either way
 * at least the 8 hours are assumed (a row recorded with maxNumRetry 0, which the flag now refuses,
 * is read as the default). Undefined when nothing can retry it: never accepted (no requestId).
 */
export function deliveryRetriesUntil(send: {
  requestId: string | null;
  maxNumRetry: number | null;
  firstAttemptAt: number | null;
  createdAt: number;
}): number | undefined {
  if (send.requestId === null) return undefined;
  const from = send.firstAttemptAt ?? send.createdAt;
  return from + Math.max(AT_DELIVERY_RETRY_PERIOD_MS, (send.maxNumRetry ?? 0) * 60_000);
}

export interface RetryEvent {
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface RetryRun<R> {
  result: R;
  /** Attempts made in this run. */
  attempts: number;
  /** Set when the last result was transient and no retry was allowed. */
  exhausted?: 'retries' | 'window' | 'aborted';
}

export interface RetryOptions<R> {
  policy: RetryPolicy;
  clock: Clock;
  /** Classifies a result: a TransientFailure may be retried, null is final. */
  transient: (result: R) => TransientFailure | null;
  /** When the first attempt of this key was made, if an earlier run made it. */
  firstAttemptAt?: number | undefined;
  onRetry?: (event: RetryEvent) => void;
  /** Stops further retries (Ctrl-C in a bulk send); the attempt in flight finishes. */
  signal?: AbortSignal | undefined;
}

export async function runWithRetry<R>(attempt: (attemptNumber: number) => Promise<R>, options: RetryOptions<R>): Promise<RetryRun<R>> {
  const { policy, clock } = options;
  const firstAttemptAt = options.firstAttemptAt ?? clock.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const result = await attempt(attempts);
    const failure = options.transient(result);
    if (!failure) return { result, attempts };
    if (attempts > policy.retries) return { result, attempts, exhausted: 'retries' };
    if (options.signal?.aborted) return { result, attempts, exhausted: 'aborted' };
    const delayMs = backoffDelayMs(attempts, policy, clock.random, failure.retryAfterMs);
    if (!insideRetryWindow(firstAttemptAt, clock.now() + delayMs, policy)) {
      return { result, attempts, exhausted: 'window' };
    }
    options.onRetry?.({ attempt: attempts + 1, delayMs, reason: failure.reason });
    await clock.sleep(delayMs);
    if (options.signal?.aborted) return { result, attempts, exhausted: 'aborted' };
  }
}
