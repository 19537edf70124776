import { AirtimeError } from './errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Calendar days by name: how many days before today each starts. */
const DAYS_BACK = new Map([
  ['today', 0],
  ['yesterday', 1],
]);

/**
 * A moment from what a person types after --since / --until: a calendar day as people name it
 * ("today", "yesterday", "2026-11-01": the local midnight that starts it), a duration back from
 * now ("7d", "24h", "30m", "2w") or an ISO date-time. "yesterday" is the calendar day, not the
 * last 24 hours: `--since yesterday --until today` is the whole of yesterday, whatever the hour.
 */
export function parseMoment(text: string, now: number, flag = '--since'): number {
  const trimmed = text.trim();
  const named = DAYS_BACK.get(trimmed.toLowerCase());
  if (named !== undefined) {
    const today = new Date(now);
    // The calendar does the arithmetic, so a day with a daylight-saving change has its true length.
    return new Date(today.getFullYear(), today.getMonth(), today.getDate() - named).getTime();
  }
  const duration = /^(\d+)\s*([mhdw])$/.exec(trimmed);
  if (duration) return now - Number(duration[1]) * (UNITS[duration[2] ?? 'd'] ?? 0);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (date.getMonth() === Number(day[2]) - 1) return date.getTime();
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    if (!Number.isNaN(parsed)) return parsed;
  }
  throw new AirtimeError(
    'USAGE',
    `${flag} ${text}: use today, yesterday, a date like 2026-11-01, a duration like 7d, 24h or 30m, or an ISO date-time`,
  );
}

/** The local calendar day of a moment, "2026-11-27". */
export function localDay(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of the day a moment falls in (days are local time, not UTC). */
export function startOfLocalDay(ms: number): number {
  const date = new Date(ms);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

/** Local midnight of the next day: 23 or 25 hours later across a daylight-saving change. */
export function nextLocalDay(ms: number): number {
  const date = new Date(ms);
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
}
