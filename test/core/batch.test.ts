import { describe, expect, it } from 'vitest';
import { batchIdFromContent, parseBatchName, retryKey, rowFingerprint, rowKey } from '../../src/core/batch.js';
import { parseIdempotencyKey } from '../../src/core/idempotency.js';

const row = { phoneNumber: '+254712345678', amountMinor: 5000, currency: 'KES', reference: null, occurrence: 1 };

describe('batch identity', () => {
  it('derives a row key from the batch and the row content alone', () => {
    const key = rowKey('payroll', row);
    expect(key).toMatch(/^payroll:[\w-]{22}$/);
    expect(() => parseIdempotencyKey(key)).not.toThrow();
    expect(rowKey('payroll', { ...row })).toBe(key); // stable
  });

  it.each([
    ['another batch', { batch: 'other' }],
    ['another phone', { phoneNumber: '+254712345679' }],
    ['another amount', { amountMinor: 5001 }],
    ['another currency', { currency: 'UGX' }],
    ['a reference', { reference: 'r1' }],
    ['the second occurrence', { occurrence: 2 }],
  ])('changes with %s', (_name, change) => {
    const { batch = 'payroll', ...rest } = change as { batch?: string };
    expect(rowKey(batch, { ...row, ...rest })).not.toBe(rowKey('payroll', row));
  });

  it('names a batch from the content digest, and checks user batch names', () => {
    expect(batchIdFromContent('ab'.repeat(32))).toBe('file-abababababababab');
    expect(parseBatchName('payroll-2026-11')).toBe('payroll-2026-11');
    expect(() => parseBatchName('has space')).toThrowError(/--batch/);
    expect(() => parseBatchName('x'.repeat(101))).toThrowError(/--batch/);
  });

  it('gives a resend of a failed row a new key', () => {
    expect(retryKey('b:k', 1)).toBe('b:k~r1');
    expect(retryKey('b:k', 2)).not.toBe(retryKey('b:k', 1));
  });

  it('fingerprints rows into safe integers that tell fields apart', () => {
    const a = rowFingerprint(['+254712345678', 5000, 'KES', null, null]);
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(rowFingerprint(['+254712345678', 5000, 'KES', null, null])).toBe(a);
    expect(rowFingerprint(['+254712345678', 500, '0KES', null, null])).not.toBe(a);
    expect(rowFingerprint(['+254712345678', 5000, 'KES', '', 'k'])).not.toBe(a);
  });
});
