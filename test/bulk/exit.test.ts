import { describe, expect, it } from 'vitest';
import { bulkExitCode } from '../../src/bulk/outcome.js';

describe('bulk exit codes: 130/143 over 5 over 3 over 1 over 0', () => {
  it.each([
    [null, { sent: 5, failed: 0, unknown: 0, skipped: 0 }, 0],
    [null, { sent: 0, failed: 5, unknown: 0, skipped: 0 }, 1],
    [null, { sent: 0, failed: 0, unknown: 0, skipped: 3 }, 1],
    [null, { sent: 4, failed: 1, unknown: 0, skipped: 0 }, 3],
    [null, { sent: 4, failed: 0, unknown: 0, skipped: 1 }, 3],
    [null, { sent: 4, failed: 1, unknown: 1, skipped: 0 }, 5],
    [null, { sent: 0, failed: 0, unknown: 1, skipped: 0 }, 5],
    ['SIGINT', { sent: 4, failed: 1, unknown: 1, skipped: 0 }, 130],
    ['SIGTERM', { sent: 0, failed: 0, unknown: 0, skipped: 0 }, 143],
  ] as const)('%s %j → %d', (signal, counts, code) => {
    expect(bulkExitCode(signal, counts)).toBe(code);
  });
});
