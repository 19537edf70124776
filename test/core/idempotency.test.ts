import { describe, expect, it } from 'vitest';
import { type Market, marketByCurrency } from '../../src/core/countries.js';
import { keyConflict, newIdempotencyKey, parseIdempotencyKey } from '../../src/core/idempotency.js';

describe('idempotency keys', () => {
  it('generates UUID v4 keys, a new one each time', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it.each([['a'], ['order-1234'], ['x'.repeat(255)], ['!~{}[]"\'']])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([[''], ['x'.repeat(256)], ['has space'], ['tab\there'], ['café'], ['new\nline'], ['\u0000']])('rejects %j', (key) => {
    expect(() => parseIdempotencyKey(key)).toThrowError(/idempotency key/);
  });
});

describe('keyConflict', () => {
  const kes = marketByCurrency('KES') as Market;
  const recorded = { idempotencyKey: 'k', phoneNumber: '+254712345678', currency: 'KES', amountMinor: 5000 };
  it.each([
    [{ phoneNumber: '+254712345678', market: kes, amountMinor: 5000 }, undefined],
    [
      { phoneNumber: '+254712345678', market: kes, amountMinor: 6000 },
      'key k already names KES 50.00 to +254712345678, not KES 60.00 to +254712345678',
    ],
    [
      { phoneNumber: '+254712345679', market: kes, amountMinor: 5000 },
      'key k already names KES 50.00 to +254712345678, not KES 50.00 to +254712345679',
    ],
    [
      { phoneNumber: '+256701234567', market: marketByCurrency('UGX') as Market, amountMinor: 5000 },
      'key k already names KES 50.00 to +254712345678, not UGX 5000 to +256701234567',
    ],
  ])('row %# against KES 50.00 to +254712345678 → %s', (recipient, message) => {
    const conflict = keyConflict(recorded, recipient);
    expect(conflict?.message).toBe(message);
    if (conflict) expect(conflict.code).toBe('IDEMPOTENCY_CONFLICT');
  });
});
