import { randomUUID } from 'node:crypto';
import { AirtimeError } from './errors.js';

const VISIBLE_ASCII = /^[\x21-\x7e]{1,255}$/;

/** A fresh key for a send the user did not name: UUID v4. */
export function newIdempotencyKey(): string {
  return randomUUID();
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
