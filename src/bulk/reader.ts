// Reads the rows of a bulk file (CSV with a header, a JSON array, or JSON lines) one at a time,
// so memory stays flat whatever the file's size, and digests the bytes on the way for the batch id.
import { parse } from 'csv-parse';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { AirtimeError } from '../core/errors.js';

export type FileFormat = 'csv' | 'json' | 'jsonl';

/** One record of the file, with its fields under the contract's names. */
export interface RawRow {
  /** 1 for the first record (the CSV header is not a record). */
  row: number;
  /** The line it starts on, where the format has lines. */
  line: number | null;
  phone?: unknown;
  amount?: unknown;
  currency?: unknown;
  key?: unknown;
  reference?: unknown;
  /** Why the record itself could not be read (a JSON line that is not JSON). */
  unreadable?: string;
}

const FIELD_NAMES: Record<string, 'phone' | 'amount' | 'currency' | 'key' | 'reference'> = {
  phone: 'phone',
  phonenumber: 'phone',
  amount: 'amount',
  currency: 'currency',
  currencycode: 'currency',
  key: 'key',
  idempotencykey: 'key',
  reference: 'reference',
  ref: 'reference',
};

/** `phoneNumber`, `phone_number` and `Phone Number` are all the phone column. */
export function fieldName(header: string): 'phone' | 'amount' | 'currency' | 'key' | 'reference' | undefined {
  return FIELD_NAMES[header.toLowerCase().replace(/[\s_-]/g, '')];
}

/** The format from the extension, else from the first character of the content. */
export async function detectFormat(path: string): Promise<FileFormat> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const start = buffer.toString('utf8', 0, bytesRead).replace(/^\uFEFF/, '').trimStart();
    if (start.startsWith('[')) return 'json';
    if (start.startsWith('{')) return 'jsonl';
    return 'csv';
  } finally {
    await handle.close();
  }
}

export interface RowSource {
  rows: AsyncIterable<RawRow>;
  /** The SHA-256 of the bytes read, complete once `rows` is exhausted. */
  digest(): string;
}

export function readRows(path: string, format: FileFormat): RowSource {
  const hash = createHash('sha256');
  let digest: string | undefined;
  const input = createReadStream(path, { highWaterMark: 256 * 1024 });
  input.on('data', (chunk) => hash.update(chunk as Buffer));
  const rows = format === 'csv' ? csvRows(input) : format === 'json' ? jsonArrayRows(input) : jsonLineRows(input);
  return {
    rows: finishing(rows, hash, (value) => {
      digest = value;
    }),
    digest: () => {
      if (digest === undefined) throw new Error('the file has not been read to the end');
      return digest;
    },
  };
}

async function* finishing(rows: AsyncIterable<RawRow>, hash: Hash, done: (digest: string) => void): AsyncGenerator<RawRow> {
  try {
    yield* rows;
  } catch (error) {
    if (error instanceof AirtimeError) throw error;
    // A read error (the file vanished, a disk error): the file's fault as far as the user can act.
    const code = (error as NodeJS.ErrnoException).code;
    throw new AirtimeError('INVALID_FILE', `the file cannot be read: ${code ?? String(error)}`);
  }
  done(hash.digest('hex'));
}

/** How both passes read a CSV: the line finder must count rows exactly as the reader does. */
const CSV_OPTIONS = { bom: true, skip_empty_lines: true, skip_records_with_empty_values: true, trim: true, relax_column_count: true } as const;

async function* csvRows(input: NodeJS.ReadableStream): AsyncGenerator<RawRow> {
  let twice: string | undefined;
  const parser = input.pipe(
    parse({
      ...CSV_OPTIONS,
      columns: (header: string[]) => {
        twice = namedTwice(header);
        return header.map((h) => fieldName(h) ?? `ignored:${h}`);
      },
    }),
  );
  // pipe() does not pass a read error on: without this, it would be an unhandled 'error' event.
  input.on('error', (error) => parser.destroy(error));
  let row = 0;
  let sawPhone: boolean | undefined;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (sawPhone === undefined) {
        // Which of two phone (or amount, key…) columns to pay is not for the reader to guess.
        if (twice) throw new AirtimeError('INVALID_FILE', `the CSV header names ${twice}: keep one`);
        sawPhone = 'phone' in record;
        if (!sawPhone || !('amount' in record)) {
          throw new AirtimeError('INVALID_FILE', 'the CSV header needs a phone (or phoneNumber) column and an amount column');
        }
      }
      row += 1;
      // The parser already named the columns; only the known ones are kept.
      const { phone, amount, currency, key, reference } = record;
      // No line here: asking the parser for it costs a tenth of the pass. csvLines() finds the
      // lines of the few rows an error report names.
      yield { row, line: null, phone: present(phone), amount: present(amount), currency: present(currency), key: present(key), reference: present(reference) };
    }
  } catch (error) {
    if (error instanceof AirtimeError) throw error;
    const err = error as { message?: string; lines?: number };
    throw new AirtimeError('INVALID_FILE', `the CSV cannot be read${err.lines ? ` at line ${err.lines}` : ''}: ${err.message ?? String(error)}`);
  }
}

/** The line each of the given CSV rows starts on, for error reports (a second, partial read). */
export async function csvLines(path: string, rows: readonly number[]): Promise<Map<number, number>> {
  const wanted = new Set(rows);
  const last = Math.max(0, ...rows);
  const lines = new Map<number, number>();
  if (wanted.size === 0) return lines;
  const parser = createReadStream(path).pipe(
    parse({ ...CSV_OPTIONS, columns: true, info: true }),
  );
  let row = 0;
  try {
    for await (const { info } of parser as AsyncIterable<{ info: { lines: number } }>) {
      row += 1;
      if (wanted.has(row)) lines.set(row, info.lines);
      if (row >= last) break;
    }
  } catch {
    // The first pass already read the file; a failure here only costs the line numbers.
  }
  parser.destroy();
  return lines;
}

async function* jsonLineRows(input: NodeJS.ReadableStream): AsyncGenerator<RawRow> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let row = 0;
  const parseLine = (text: string): RawRow | undefined => {
    lineNumber += 1;
    const trimmed = (lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (trimmed === '') return undefined;
    row += 1;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { row, line: lineNumber, unreadable: 'a JSON line must be an object like {"phone":"+254712345678","amount":50}' };
      }
      return { row, line: lineNumber, ...pick(value as Record<string, unknown>) };
    } catch {
      return { row, line: lineNumber, unreadable: 'this line is not JSON' };
    }
  };
  for await (const chunk of input) {
    pending += decoder.write(chunk as Buffer);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const parsed = parseLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (parsed) yield parsed;
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.end();
  const last = pending === '' ? undefined : parseLine(pending);
  if (last) yield last;
}

/**
 * A top-level JSON array, one element at a time: a small scanner finds where each element ends
 * (tracking strings and nesting), and only that element's text is held and parsed.
 */
async function* jsonArrayRows(input: NodeJS.ReadableStream): AsyncGenerator<RawRow> {
  const decoder = new StringDecoder('utf8');
  let state: 'before' | 'inside' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let row = 0;
  let line = 1;
  let elementLine = 1;
  const fail = (reason: string) => new AirtimeError('INVALID_FILE', `the JSON file cannot be read at line ${line}: ${reason}`);
  const emit = (): RawRow | undefined => {
    const text = element.trim();
    element = '';
    if (text === '') return undefined;
    row += 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw fail(`element ${row} is not valid JSON`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { row, line: elementLine, unreadable: 'each element must be an object like {"phone":"+254712345678","amount":50}' };
    }
    return { row, line: elementLine, ...pick(value as Record<string, unknown>) };
  };

  for await (const chunk of input) {
    const text = decoder.write(chunk as Buffer);
    const out: RawRow[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i] as string;
      if (ch === '\n') line += 1;
      if (state === 'before') {
        if (ch === '[') state = 'inside';
        else if (!/\s|\uFEFF/.test(ch)) throw fail('a JSON file must hold an array of rows, [ {...}, {...} ]');
        continue;
      }
      if (state === 'after') {
        if (!/\s/.test(ch)) throw fail('unexpected text after the closing ]');
        continue;
      }
      if (inString) {
        element += ch;
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        continue;
      }
      if (depth === 0 && (ch === ',' || ch === ']')) {
        const parsed = emit();
        if (parsed) out.push(parsed);
        if (ch === ']') state = 'after';
        continue;
      }
      if (depth === 0 && element.trim() === '' && !/\s/.test(ch)) elementLine = line;
      element += ch;
      if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth += 1;
      else if (ch === '}' || ch === ']') depth -= 1;
      if (depth < 0) throw fail('unbalanced brackets');
    }
    yield* out;
  }
  decoder.end();
  if (state !== 'after') throw fail('the array is not closed with ]');
}

function present(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function pick(record: Record<string, unknown>): Omit<RawRow, 'row' | 'line'> {
  const twice = namedTwice(Object.keys(record));
  if (twice) return { unreadable: `the row names ${twice}: keep one` };
  const fields: Omit<RawRow, 'row' | 'line'> = {};
  for (const [name, value] of Object.entries(record)) {
    const field = fieldName(name);
    if (field && value !== undefined && value !== null && value !== '') fields[field] = value;
  }
  return fields;
}

/** The first field two names mean ("the phone twice (phone, Phone Number)"), if any. */
function namedTwice(names: readonly string[]): string | undefined {
  const seen = new Map<string, string>();
  for (const name of names) {
    const field = fieldName(name);
    if (!field) continue;
    const first = seen.get(field);
    if (first !== undefined) return `the ${field} twice (${first}, ${name})`;
    seen.set(field, name);
  }
  return undefined;
}
