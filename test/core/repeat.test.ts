import { describe, expect, it } from 'vitest';
import { repeatCutoffs, repeatGuard, repeats, UNSETTLED_REPEAT_WINDOW_MS } from '../../src/core/repeat.js';

const NOW = Date.UTC(2026, 10, 30, 12);
const MIN = 60_000;
const HOUR = 60 * MIN;

describe('repeats', () => {
  const guard = repeatGuard(15 * MIN);
  it.each([
    ['sent 1 minute ago', 'sent', NOW - MIN, guard, true],
    ['delivered 14 minutes ago', 'delivered', NOW - 14 * MIN, guard, true],
    ['sent 15 minutes ago: the window has passed', 'sent', NOW - 15 * MIN, guard, false],
    ['failed 1 minute ago: nothing was paid', 'failed', NOW - MIN, guard, false],
    ['unknown 23 hours ago: it may have been paid', 'unknown', NOW - 23 * HOUR, guard, true],
    ['pending 1 minute ago: in flight', 'pending', NOW - MIN, guard, true],
    ['unknown 24 hours ago', 'unknown', NOW - 24 * HOUR, guard, false],
    ['sent 1 minute ago, repeatWindow 0', 'sent', NOW - MIN, repeatGuard(0), false],
    ['unknown 1 hour ago, repeatWindow 0: still guarded', 'unknown', NOW - HOUR, repeatGuard(0), true],
    ['sent "in the future" (a clock set back)', 'sent', NOW + HOUR, guard, true],
  ] as const)('%s', (_what, state, createdAt, g, expected) => {
    expect(repeats({ state, createdAt }, NOW, g)).toBe(expected);
  });

  it('gives the query the same cutoffs', () => {
    expect(repeatCutoffs(NOW, guard)).toEqual({ accepted: NOW - 15 * MIN, unsettled: NOW - UNSETTLED_REPEAT_WINDOW_MS });
    expect(repeatCutoffs(NOW, repeatGuard(0))).toEqual({ accepted: null, unsettled: NOW - UNSETTLED_REPEAT_WINDOW_MS });
  });
});
