// Africa's Talking runs two systems: the sandbox and live. Every key, payment and cap is kept apart
// per account and environment.

export type Environment = 'sandbox' | 'live';

/** Exactly `sandbox` selects the sandbox; the official Node SDK lower-cases it, a real bug. */
export function environmentOf(username: string): Environment {
  return username === 'sandbox' ? 'sandbox' : 'live';
}
