// The single-send repeat guard. Africa's Talking drops a key-less repeat of a request within its
// 5-minute window, but airtime gives every send a key (a fresh UUID when the user names none), which
// defeats that: `airtime send +254712399999 75` typed twice, or a cron line run twice, paid twice.
// So a send without --key that repeats the number, amount and currency of a recent one of this
// account and environment is refused, unless the user says it is meant.

/** How far back the guard looks, for each kind of earlier transaction. */
export interface RepeatGuard {
  /** Accepted earlier (`sent`, `delivered`): `repeatWindow`; 0 turns this part off. */
  acceptedWindowMs: number;
  /** Still unsettled (`pending`, `unknown`): it may have been paid, and nobody knows yet. */
  unsettledWindowMs: number;
}

/** An unsettled send blocks a repeat for a day: the daily cap's horizon, and longer than any retry. */
export const UNSETTLED_REPEAT_WINDOW_MS = 24 * 60 * 60 * 1000;

export function repeatGuard(repeatWindowMs: number): RepeatGuard {
  return { acceptedWindowMs: repeatWindowMs, unsettledWindowMs: UNSETTLED_REPEAT_WINDOW_MS };
}

/** Whether an earlier transaction of the same number, amount and currency makes a new send a repeat. */
export function repeats(earlier: { state: string; createdAt: number }, now: number, guard: RepeatGuard): boolean {
  const age = now - earlier.createdAt;
  // A clock set back makes the earlier send look younger, never older: it still counts.
  if (earlier.state === 'sent' || earlier.state === 'delivered') return guard.acceptedWindowMs > 0 && age < guard.acceptedWindowMs;
  if (earlier.state === 'pending' || earlier.state === 'unknown') return age < guard.unsettledWindowMs;
  return false;
}

/** The earliest creation time each state may have and still count, for a query. */
export function repeatCutoffs(now: number, guard: RepeatGuard): { accepted: number | null; unsettled: number } {
  return {
    accepted: guard.acceptedWindowMs > 0 ? now - guard.acceptedWindowMs : null,
    unsettled: now - guard.unsettledWindowMs,
  };
}
