import { describe, expect, it } from 'vitest';
import { localDay, nextLocalDay, parseMoment, startOfLocalDay } from '../../src/core/time.js';

const NOW = new Date(2026, 10, 27, 15, 30).getTime();
const MINUTE = 60_000;

describe('parseMoment', () => {
  it.each([
    ['30m', NOW - 30 * MINUTE],
    ['24h', NOW - 24 * 60 * MINUTE],
    ['7d', NOW - 7 * 24 * 60 * MINUTE],
    [' 3 d ', NOW - 3 * 24 * 60 * MINUTE],
    ['2w', NOW - 14 * 24 * 60 * MINUTE],
    // A date is its local midnight; a date-time is what it says.
    ['2026-11-01', new Date(2026, 10, 1).getTime()],
    ['2026-11-01T10:00:00Z', Date.UTC(2026, 10, 1, 10)],
  ])('%j → the moment it names', (text, expected) => {
    expect(parseMoment(text, NOW)).toBe(expected);
  });

  it.each(['', 'yesterday', '7y', '-7d', '2026-02-30', '2026-13-01', '2026-11-1', '2026-11-01Tnonsense'])(
    '%j is a USAGE error naming the flag and the forms allowed',
    (text) => {
      expect(() => parseMoment(text, NOW, '--until')).toThrow(
        expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/^--until .*a duration like 7d/) }),
      );
    },
  );
});

describe('localDay', () => {
  it.each([
    [new Date(2026, 10, 27, 0, 0).getTime(), '2026-11-27'],
    [new Date(2026, 10, 27, 23, 59, 59).getTime(), '2026-11-27'],
    [new Date(2026, 0, 5, 12).getTime(), '2026-01-05'],
  ])('%d is %s in local time', (ms, day) => {
    expect(localDay(ms)).toBe(day);
  });
});

describe('startOfLocalDay and nextLocalDay', () => {
  it.each([
    [new Date(2026, 10, 27, 15, 30).getTime(), new Date(2026, 10, 27).getTime(), new Date(2026, 10, 28).getTime()],
    [new Date(2026, 11, 31, 23, 59).getTime(), new Date(2026, 11, 31).getTime(), new Date(2027, 0, 1).getTime()],
    [new Date(2026, 1, 28, 0, 0).getTime(), new Date(2026, 1, 28).getTime(), new Date(2026, 2, 1).getTime()],
  ])('%d: the day starts at %d and the next at %d', (ms, start, next) => {
    expect(startOfLocalDay(ms)).toBe(start);
    expect(nextLocalDay(startOfLocalDay(ms))).toBe(next);
  });
});
