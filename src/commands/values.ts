// How each kind of flag value in the command table is read and checked. Kept apart from the
// parser (src/cli.ts) so that src/commands/argv.ts reads the common command lines with the same
// rules without loading commander.
import type { ValueKind } from './table.js';

/** A value its kind refuses; src/cli.ts hands it to commander, which names the flag and the value. */
export class InvalidValue extends Error {}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidValue('expected a whole number, 0 or more.');
  return Number(value);
}

/** Each kind's reader: the value as typed, and what earlier occurrences of the flag gave (for lists). */
export const VALUE_PARSERS: Record<ValueKind, (value: string, previous?: unknown) => unknown> = {
  whole: wholeNumber,
  /** maxNumRetry 0 would ask Africa's Talking for no retries of its own, which no one means. */
  maxNumRetry: (value) => {
    const number = wholeNumber(value);
    if (number === 0) throw new InvalidValue("0 is refused: omit the flag for Africa's Talking's default.");
    return number;
  },
  positive: (value) => {
    const number = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || !(number > 0)) throw new InvalidValue('expected a number above 0.');
    return number;
  },
  nonNegative: (value) => {
    if (!/^\d*\.?\d+$/.test(value)) throw new InvalidValue('expected a number, 0 or more.');
    return Number(value);
  },
  concurrency: (value) => {
    const number = wholeNumber(value);
    if (number < 1 || number > 64) throw new InvalidValue('expected a whole number from 1 to 64.');
    return number;
  },
  fraction: (value) => {
    const number = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || number > 1) throw new InvalidValue('expected a number from 0 to 1.');
    return number;
  },
  port: (value) => {
    const number = wholeNumber(value);
    if (number > 65535) throw new InvalidValue('expected a port from 0 to 65535.');
    return number;
  },
  /** Any text: choices shown in --help and completion, checked by the command (it explains a refusal best). */
  text: String,
  /** A repeatable option: every value given, in order. */
  list: (value, previous) => [...((previous as string[] | undefined) ?? []), value],
};
