import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    // Calendar days by name: the local midnight that starts them, whatever the hour now.
    ['today', new Date(2026, 10, 27).getTime()],
    ['Yesterday', new Date(2026, 10, 26).getTime()],
    [' yesterday ', new Date(2026, 10, 26).getTime()],
  ])('%j → the moment it names', (text, expected) => {
    expect(parseMoment(text, NOW)).toBe(expected);
  });

  it.each(['', 'tomorrow', 'constructor', 'last week', '7y', '-7d', '2026-02-30', '2026-13-01', '2026-11-1', '2026-11-01Tnonsense'])(
    '%j is a USAGE error naming the flag and the forms allowed',
    (text) => {
      expect(() => parseMoment(text, NOW, '--until')).toThrow(
        expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(/^--until .*today, yesterday, .*a duration like 7d/) }),
      );
    },
  );

  // "yesterday" is a calendar day, not the last 24 hours: what an accountant means by it.
  it.each([
    // [now, text, expected], each a local time
    [new Date(2026, 10, 27, 0, 5), 'yesterday', new Date(2026, 10, 26)],
    [new Date(2026, 10, 27, 23, 55), 'yesterday', new Date(2026, 10, 26)],
    [new Date(2026, 10, 27, 0, 5), 'today', new Date(2026, 10, 27)],
    [new Date(2026, 0, 1, 0, 30), 'yesterday', new Date(2025, 11, 31)],
    [new Date(2028, 2, 1, 9), 'yesterday', new Date(2028, 1, 29)],
  ])('at %s, %s starts at %s', (now, text, expected) => {
    expect(parseMoment(text, now.getTime())).toBe(expected.getTime());
  });

  describe('across a daylight-saving change (Europe/London, 2026-03-29)', () => {
    let zone: string | undefined;
    beforeAll(() => {
      zone = process.env.TZ;
      process.env.TZ = 'Europe/London';
    });
    afterAll(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it('yesterday to today is the 23 hours of the short day', () => {
      const now = Date.UTC(2026, 2, 30, 9); // 10:00 BST on the 30th
      expect(parseMoment('yesterday', now)).toBe(Date.UTC(2026, 2, 29, 0)); // midnight GMT
      expect(parseMoment('today', now)).toBe(Date.UTC(2026, 2, 29, 23)); // midnight BST
      expect(parseMoment('1d', now)).toBe(Date.UTC(2026, 2, 29, 9));
    });
  });
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
