import { describe, expect, it } from 'vitest';
import {
  AT_DELIVERY_RETRY_PERIOD_MS,
  backoffDelayMs,
  type Clock,
  deliveryRetriesUntil,
  insideRetryWindow,
  lastRetryStart,
  type RetryPolicy,
  runWithRetry,
  sendBudgetMs,
} from '../../src/core/retry.js';

const policy: RetryPolicy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 60_000, windowMs: 300_000, timeoutMs: 30_000 };

/** A clock whose sleep only moves time forward: a whole schedule runs in microseconds. */
function fakeClock(randomValues: number[] = [0.999]): Clock & { slept: number[]; time: number } {
  const clock = {
    time: 1_000_000,
    slept: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.time += ms;
    },
    random: () => randomValues[clock.slept.length % randomValues.length] ?? 0.5,
  };
  return clock;
}

describe('backoffDelayMs', () => {
  it.each([
    // retry, random, retryAfter, expected
    [1, 0.999, undefined, 999],
    [2, 0.999, undefined, 1998],
    [3, 0.999, undefined, 3996],
    [1, 0, undefined, 0],
    [3, 0.5, undefined, 2000],
    [20, 0.5, undefined, 30_000], // capped at maxDelayMs before jitter
    [1, 0.5, 5000, 5000], // Retry-After is honoured
    [3, 0.999, 1000, 3996], // and never shortens the backoff
  ])('retry %d, random %d, Retry-After %s → %d ms', (retry, random, retryAfter, expected) => {
    expect(backoffDelayMs(retry, policy, () => random, retryAfter)).toBe(expected);
  });
});

describe('runWithRetry', () => {
  it('retries transient results with doubling, jittered waits and stops at the first final one', async () => {
    const clock = fakeClock();
    const results = ['503', '503', 'ok'];
    const seen: number[] = [];
    const run = await runWithRetry(
      async (n) => {
        seen.push(n);
        return results[n - 1] ?? 'ok';
      },
      { policy, clock, transient: (r) => (r === '503' ? { reason: r } : null) },
    );
    expect(run).toEqual({ result: 'ok', attempts: 3 });
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.slept).toEqual([999, 1998]);
  });

  it('never retries a final answer', async () => {
    const clock = fakeClock();
    const run = await runWithRetry(async () => 'rejected', { policy, clock, transient: () => null });
    expect(run.attempts).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it('gives up after the configured number of retries', async () => {
    const clock = fakeClock();
    const run = await runWithRetry(async () => 'timeout', { policy, clock, transient: (r) => ({ reason: r }) });
    expect(run).toEqual({ result: 'timeout', attempts: 4, exhausted: 'retries' });
    expect(clock.slept).toHaveLength(3);
  });

  it('starts no retry that could reach AT after the duplicate window since the first attempt', async () => {
    const clock = fakeClock();
    const short = { ...policy, retries: 10, windowMs: 10_000, timeoutMs: 3_000 };
    let firstAt = 0;
    const run = await runWithRetry(
      async (n) => {
        if (n === 1) firstAt = clock.now();
        return 'timeout';
      },
      { policy: short, clock, transient: (r) => ({ reason: r }) },
    );
    expect(run.exhausted).toBe('window');
    // Every retry started before window - timeout; the next one would not have.
    expect(clock.now()).toBeLessThanOrEqual(lastRetryStart(firstAt, short));
    expect(run.attempts).toBeLessThan(11);
  });

  it('counts the window from a first attempt made by an earlier run', async () => {
    const clock = fakeClock();
    const run = await runWithRetry(async () => 'timeout', {
      policy,
      clock,
      transient: (r) => ({ reason: r }),
      firstAttemptAt: clock.time - policy.windowMs + policy.timeoutMs,
    });
    expect(run).toEqual({ result: 'timeout', attempts: 1, exhausted: 'window' });
  });

  it('honours Retry-After', async () => {
    const clock = fakeClock([0]);
    await runWithRetry(async (n) => (n === 1 ? '429' : 'ok'), {
      policy,
      clock,
      transient: (r) => (r === '429' ? { reason: r, retryAfterMs: 7000 } : null),
    });
    expect(clock.slept).toEqual([7000]);
  });

  it('stops retrying once aborted', async () => {
    const clock = fakeClock();
    const controller = new AbortController();
    const run = await runWithRetry(
      async () => {
        controller.abort();
        return 'timeout';
      },
      { policy, clock, transient: (r) => ({ reason: r }), signal: controller.signal },
    );
    expect(run).toEqual({ result: 'timeout', attempts: 1, exhausted: 'aborted' });
  });
});

describe('insideRetryWindow', () => {
  it.each([
    // now, inside
    [1_000_000, true], // the first attempt itself
    [1_000_000 + 270_000, true], // the last moment: window less one timeout
    [1_000_000 + 270_001, false],
    [999_999, false], // a clock set back: the time since is not known
  ])('at %i: %s', (now, inside) => {
    expect(insideRetryWindow(1_000_000, now, policy)).toBe(inside);
  });
});

describe('sendBudgetMs', () => {
  it.each([
    ['the defaults: a 300 s window and a 30 s timeout', { windowMs: 300_000, timeoutMs: 30_000 }, 330_000],
    ['a short window', { windowMs: 60_000, timeoutMs: 5_000 }, 65_000],
    ['a fractional timeout', { windowMs: 300_000, timeoutMs: 1_500 }, 301_500],
  ])('%s → %i ms', (_name, settings, budget) => {
    expect(sendBudgetMs(settings)).toBe(budget);
  });

  it('bounds every run of runWithRetry, whatever the retries and Retry-After', async () => {
    for (const [retries, retryAfterMs] of [
      [0, undefined],
      [3, undefined],
      [50, 1000],
      [50, 120_000],
    ] as const) {
      const tight = { ...policy, retries };
      let now = 1_000_000;
      const clock: Clock = { now: () => now, sleep: async (ms) => void (now += ms), random: () => 1 };
      // Every attempt lasts the whole timeout and is transient.
      await runWithRetry(async () => void (now += tight.timeoutMs), {
        policy: tight,
        clock,
        transient: () => ({ reason: 'timeout', retryAfterMs }),
      });
      expect(now - 1_000_000).toBeLessThanOrEqual(sendBudgetMs(tight));
    }
  });
});

describe('deliveryRetriesUntil', () => {
  const accepted = { requestId: 'ATQid_1', maxNumRetry: 3, firstAttemptAt: 1000, createdAt: 900 };
  it.each([
    ['accepted with maxNumRetry: 8 hours from the first attempt', accepted, 1000 + AT_DELIVERY_RETRY_PERIOD_MS],
    ['more retries than 8 hours of minutes', { ...accepted, maxNumRetry: 600 }, 1000 + 600 * 60_000],
    ['no first attempt recorded: from the claim', { ...accepted, firstAttemptAt: null }, 900 + AT_DELIVERY_RETRY_PERIOD_MS],
    ['never accepted', { ...accepted, requestId: null }, undefined],
    // Without maxNumRetry Africa's Talking retries for its default period: the same 8 hours.
    ['sent without maxNumRetry', { ...accepted, maxNumRetry: null }, 1000 + AT_DELIVERY_RETRY_PERIOD_MS],
    ['maxNumRetry 0 (recorded before it was refused)', { ...accepted, maxNumRetry: 0 }, 1000 + AT_DELIVERY_RETRY_PERIOD_MS],
  ])('%s', (_, send, until) => {
    expect(deliveryRetriesUntil(send)).toBe(until);
  });
});
