// The shared secret of `airtime serve`. Callbacks carry it as `?token=` (Africa's Talking cannot
// send headers); POST /send carries it as `Authorization: Bearer`.
import { createHash, timingSafeEqual } from 'node:crypto';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares in constant time. Both sides are hashed first: timingSafeEqual needs equal lengths,
 * and comparing digests means the time taken tells nothing about the token's length or about
 * how many of its leading characters a guess got right.
 */
export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  const same = timingSafeEqual(digest(expected), digest(given ?? ''));
  return same && typeof given === 'string' && given !== '';
}

/** The token of an `Authorization: Bearer <token>` header (the scheme is case-insensitive, RFC 9110). */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header ?? '');
  return match?.[1] ?? null;
}
