import { marketByCurrency } from './countries.js';
import { AirtimeError } from './errors.js';
import { formatMoney } from './money.js';
import type { Recipient } from './recipient.js';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/**
 * A fresh key for a send the user did not name: UUID v4. node:crypto is loaded here, when a key is
 * made, not as the module loads: it costs a dry run, which makes none, ~3 ms of start-up.
 */
export function newIdempotencyKey(): string {
  return process.getBuiltinModule('node:crypto').randomUUID();
}

/** A user's key: 1-255 visible ASCII characters (it travels in an HTTP header). */
export function parseIdempotencyKey(input: string): string {
  if (!VISIBLE_ASCII.test(input)) {
    throw new AirtimeError(
      'USAGE',
      input.length === 0 || input.length > 255
        ? `an idempotency key must be 1-255 characters long (got ${input.length})`
        : 'an idempotency key may only hold visible ASCII characters (no spaces or accents)',
    );
  }
  return input;
}

/** What a ledger holds under a key: the payment the key names. */
export interface KeyRecord {
  idempotencyKey: string;
  phoneNumber: string;
  currency: string;
  amountMinor: number;
}

/**
 * One key, one payment: the IDEMPOTENCY_CONFLICT error when a recorded key names another number,
 * amount or currency than this recipient, else undefined.
 */
export function keyConflict(recorded: KeyRecord, recipient: Recipient): AirtimeError | undefined {
  if (
    recorded.phoneNumber === recipient.phoneNumber &&
    recorded.currency === recipient.market.currency &&
    recorded.amountMinor === recipient.amountMinor
  ) {
    return undefined;
  }
  const market = marketByCurrency(recorded.currency);
  const money = market ? formatMoney(recorded.amountMinor, market) : `${recorded.currency} ${recorded.amountMinor}`;
  return new AirtimeError(
    'IDEMPOTENCY_CONFLICT',
    `key ${recorded.idempotencyKey} already names ${money} to ${recorded.phoneNumber}, not ${formatMoney(recipient.amountMinor, recipient.market)} to ${recipient.phoneNumber}`,
    {
      hint: `use a new key for a new send; run \`airtime status ${recorded.idempotencyKey}\` to see the recorded one`,
      details: { idempotencyKey: recorded.idempotencyKey },
    },
  );
}
