import { describe, expect, it } from 'vitest';
import { newIdempotencyKey, parseIdempotencyKey } from '../../src/core/idempotency.js';

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
