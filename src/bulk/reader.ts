// Reads the rows of a bulk file (CSV with a header, a JSON array, or JSON lines) one at a time,
// so memory stays flat whatever the file's size, and digests the bytes on the way for the batch id.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { AirtimeError } from '../core/errors.js';

import type { FileFormat } from '../results/bulk.js';

export type { FileFormat };

/**
 * The longest line (CSV record, JSON line, JSON array element) read. No row needs more, and
 * without a bound one endless line (a binary, a file of NULs) would be held whole: 1 GB of it
 * took 1.8 GB of memory and 31 s to fail on V8's own string limit.
 */
export const MAX_LINE = 64 * 1024;

/** One record of the file, with its fields under the contract's names. */
export interface RawRow {
  /** 1 for the first record (the CSV header is not a record). */
  row: number;
  /** The line it starts on. */
  line: number | null;
  phone?: unknown;
  amount?: unknown;
  currency?: unknown;
  key?: unknown;
  reference?: unknown;
  /** Why the record itself cannot be used (a JSON line that is not JSON, a CSV row of the wrong width). */
  unreadable?: string;
}

type Field = 'phone' | 'amount' | 'currency' | 'key' | 'reference';

const FIELD_NAMES: Record<string, Field> = {
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
export function fieldName(header: string): Field | undefined {
  return FIELD_NAMES[header.toLowerCase().replace(/[\s_-]/g, '')];
}

/** The format a name's extension says, if it says one. */
export function formatFromName(name: string): FileFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** The format the first characters of the content say: `[` a JSON array, `{` JSON lines, else CSV. */
export function formatFromContent(start: string): FileFormat {
  const text = start.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('[')) return 'json';
  if (text.startsWith('{')) return 'jsonl';
  return 'csv';
}

/** The format from the extension, else from the first characters of the content. */
export async function detectFormat(path: string): Promise<FileFormat> {
  const named = formatFromName(path);
  if (named) return named;
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    return formatFromContent(buffer.toString('utf8', 0, bytesRead));
  } finally {
    await handle.close();
  }
}

export interface RowSource {
  rows: AsyncIterable<RawRow>;
  /** The SHA-256 of the bytes read, complete once `rows` is exhausted. */
  digest(): string;
}

/** A file's path, or something that opens its bytes (standard input copied as it is read). */
export type RowInput = string | (() => AsyncIterable<Buffer | string>);

/** `name` is how messages call the file (the user's argument, "standard input"). */
export function readRows(input: RowInput, format: FileFormat, name = typeof input === 'string' ? basename(input) : 'the file'): RowSource {
  const hash = createHash('sha256');
  let digest: string | undefined;
  const bytes = typeof input === 'string' ? createReadStream(input, { highWaterMark: 256 * 1024 }) : input();
  const chunks = hashed(bytes, hash);
  const rows = format === 'csv' ? csvRows(chunks, name) : format === 'json' ? jsonArrayRows(chunks, name) : jsonLineRows(chunks, name);
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

async function* hashed(bytes: AsyncIterable<Buffer | string>, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of bytes) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    hash.update(buffer);
    yield buffer;
  }
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

function fileError(name: string, message: string): AirtimeError {
  return new AirtimeError('INVALID_FILE', `${name}: ${message}`);
}

/** Where a record starts, as messages name it: "row 3 (line 4)", or the header. */
function at(row: number | 'header', line: number): string {
  return row === 'header' ? `the header (line ${line})` : `row ${row} (line ${line})`;
}

/** Why reading stops at a record: the whole file is refused there, whatever --skip-invalid says. */
type Stop = { line: number; reason: 'long' | 'nul' | 'unclosed' | 'after-quote' | 'stray-quote' };

function stopMessage(stop: Stop, where: string): string {
  switch (stop.reason) {
    case 'long':
      // Refused, not skipped: finding where the line ends would mean reading on through data that
      // is not a list of payments (a binary, an export gone wrong), for as long as it goes.
      return `${where} is longer than 64 KiB, which no row needs: this does not look like a list of payments`;
    case 'nul':
      return `${where} holds a NUL byte, which no text file does (saved as UTF-16? a binary file?): save it as UTF-8 text`;
    case 'unclosed':
      return `the CSV cannot be read at ${where}: a quoted field is not closed`;
    case 'after-quote':
      return `the CSV cannot be read at ${where}: a closing quote is followed by more text before the next comma`;
    case 'stray-quote':
      return `the CSV cannot be read at ${where}: a quote inside a field that does not start with one (quote the whole field, doubling the quote: "a ""b"" c")`;
  }
}

interface CsvRecord {
  fields: string[];
  /** Which fields were quoted; undefined when none was (the common case, kept cheap). */
  quoted: boolean[] | undefined;
  line: number;
}

/**
 * Splits CSV text into records as it arrives: RFC 4180 quoting (doubled quotes, separators and
 * line breaks inside quotes), LF, CRLF or CR line ends, blanks around fields trimmed. Written here
 * rather than taken from csv-parse because the rules of a bulk file need what csv-parse gives only
 * at a tenth of the pass or more: which fields were quoted, each record's line, and a bound on a
 * record that is found without holding it. A line without quotes (nearly every line) is one split.
 */
class CsvSplitter {
  private text = '';
  private line = 1;
  private started = false;
  private delimiter: '\n' | '\r' | undefined;

  /**
   * The records complete in what has arrived (every one at the end), one at a time so that a
   * chunk's records are never all held at once; returns why reading stops, if it does.
   */
  *push(chunk: string, final: boolean): Generator<CsvRecord, Stop | undefined> {
    let text = this.text + chunk;
    if (!this.started && text !== '') {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.delimiter ??= lineEnd(text, final);
    const d = this.delimiter;
    if (d === undefined) {
      this.text = text;
      return text.length > MAX_LINE ? this.halt(overLong(text, 0)) : undefined;
    }
    let pos = 0;
    let nextQuote = text.indexOf('"');
    const nextNul = text.indexOf('\0');
    let nextComma = -2;
    while (pos < text.length) {
      const end = text.indexOf(d, pos);
      if (end === -1 && !final) break;
      const stop = end === -1 ? text.length : end;
      // A line over the bound is refused whatever it holds: read in chunks, it is refused before its end.
      if (stop - pos > MAX_LINE) return this.halt(overLong(text, pos));
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      if (nextQuote === -1 || nextQuote >= stop) {
        if (nextNul !== -1 && nextNul < stop) return this.halt('nul');
        let body = text.slice(pos, stop);
        if (d === '\n' && body.endsWith('\r')) body = body.slice(0, -1);
        const fields = body.split(',');
        for (let i = 0; i < fields.length; i += 1) fields[i] = (fields[i] as string).trim();
        yield { fields, quoted: undefined, line: this.line };
        this.line += 1;
        pos = stop + 1;
        continue;
      }
      // A quote on this line: field by field, quoted fields may run over line ends.
      const fields: string[] = [];
      const quoted: boolean[] = [];
      let i = pos;
      let lines = 0;
      let next: number | 'more' | Stop['reason'] | undefined;
      // Where a problem was found: past the bound, the record is too long whatever else is wrong
      // (read in small chunks, it would have been refused as too long before getting there).
      let at = text.length;
      while (next === undefined) {
        let j = i;
        while (text[j] === ' ' || text[j] === '\t') j += 1;
        if (text[j] === '"') {
          let value = '';
          let from = j + 1;
          for (;;) {
            const q = text.indexOf('"', from);
            if (q === -1 || (q === text.length - 1 && !final)) {
              next = final ? 'unclosed' : 'more';
              break;
            }
            if (text[q + 1] === '"') {
              value += text.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value += text.slice(from, q);
            j = q + 1;
            break;
          }
          if (next !== undefined) break;
          for (let n = value.indexOf(d); n !== -1; n = value.indexOf(d, n + 1)) lines += 1;
          fields.push(value);
          quoted.push(true);
          while (text[j] === ' ' || text[j] === '\t') j += 1;
          if (text[j] === ',') i = j + 1;
          else if (j >= text.length) next = final ? text.length : 'more';
          else if (d === '\n' && text[j] === '\r' && j + 1 === text.length && !final) next = 'more';
          else if (d === '\n' && text[j] === '\r' && text[j + 1] === '\n') next = j + 1;
          else if (text[j] === d) next = j;
          else {
            next = 'after-quote';
            at = j;
          }
        } else {
          if (nextComma !== -1 && nextComma < i) nextComma = text.indexOf(',', i);
          const lineEnds = text.indexOf(d, i);
          let fieldEnd = nextComma !== -1 && (lineEnds === -1 || nextComma < lineEnds) ? nextComma : lineEnds;
          if (fieldEnd === -1) {
            if (!final) {
              next = 'more';
              break;
            }
            fieldEnd = text.length;
          }
          let raw = text.slice(i, fieldEnd);
          if (raw.includes('"')) {
            next = 'stray-quote';
            at = fieldEnd;
            break;
          }
          if (fieldEnd === lineEnds && d === '\n' && raw.endsWith('\r')) raw = raw.slice(0, -1);
          fields.push(raw.trim());
          quoted.push(false);
          if (fieldEnd === nextComma) i = fieldEnd + 1;
          else next = fieldEnd;
        }
      }
      if (next === 'more') {
        if (text.length - pos > MAX_LINE) return this.halt(overLong(text, pos));
        break;
      }
      if ((typeof next === 'number' ? next : at) - pos > MAX_LINE) return this.halt(overLong(text, pos));
      if (typeof next === 'string') return this.halt(next);
      if (nextNul !== -1 && nextNul < next) return this.halt('nul');
      yield { fields, quoted, line: this.line };
      this.line += 1 + lines;
      pos = next + 1;
    }
    this.text = pos >= text.length ? '' : text.slice(pos);
    if (this.text.length > MAX_LINE) return this.halt(overLong(this.text, 0));
    if (final && this.text !== '') return this.halt('unclosed');
    return undefined;
  }

  private halt(reason: Stop['reason']): Stop {
    return { line: this.line, reason };
  }
}

/**
 * A record too long to hold: 'nul' when a NUL byte comes within the bound (a binary file), which
 * says more. Only the bound is looked at, so the answer is the same however the bytes arrive.
 */
function overLong(text: string, from: number): 'nul' | 'long' {
  const nul = text.indexOf('\0', from);
  return nul !== -1 && nul <= from + MAX_LINE ? 'nul' : 'long';
}

/** `\n` (also for CRLF), or `\r` for a file with old Mac line ends; undefined until a line ends. */
function lineEnd(text: string, final: boolean): '\n' | '\r' | undefined {
  const i = text.search(/[\r\n]/);
  if (i === -1) return final ? '\n' : undefined;
  if (text[i] === '\n') return '\n';
  if (i + 1 < text.length) return text[i + 1] === '\n' ? '\n' : '\r';
  return final ? '\r' : undefined;
}

/** The CSV header: which column holds which field, and how many fields a row must have. */
class CsvHeader {
  private readonly index: Partial<Record<Field, number>> = {};
  /** Up to the last named column: a spreadsheet's empty trailing columns are not counted. */
  private readonly width: number;

  constructor(fields: string[], name: string) {
    const twice = namedTwice(fields);
    // Which of two phone (or amount, key…) columns to pay is not for the reader to guess.
    if (twice) throw fileError(name, `the CSV header names ${twice}: keep one`);
    fields.forEach((header, i) => {
      const field = fieldName(header);
      if (field) this.index[field] = i;
    });
    if (this.index.phone === undefined || this.index.amount === undefined) {
      const found = fields.join(',');
      const shown = found.length > 120 ? `${found.slice(0, 120)}…` : found;
      const separator = fields.length === 1 ? [';', '\t', '|'].find((s) => found.includes(s)) : undefined;
      throw fileError(
        name,
        `the CSV header is "${shown}", but a phone (or phoneNumber) column and an amount column are needed` +
          (separator ? `; its columns look separated by ${separator === '\t' ? 'tabs' : `"${separator}"`}: save the file with commas` : ''),
      );
    }
    let width = fields.length;
    while (width > 0 && fields[width - 1] === '') width -= 1;
    this.width = width;
  }

  rowOf(record: CsvRecord, row: number): RawRow {
    const { fields, quoted, line } = record;
    const count = fields.length;
    const amountAt = this.index.amount as number;
    const split = splitAmount(fields, quoted, amountAt);
    if (count < this.width) {
      return { row, line, unreadable: `${count} field${count === 1 ? '' : 's'} where the header has ${this.width}` };
    }
    if (count > this.width && fields.slice(this.width).some((f) => f !== '')) {
      // An unquoted `1,500` would otherwise pay 1: the extra field is the clue.
      const cause = split
        ? `the amount ${split} looks split at a thousands separator: write it as ${split.replace(',', '')}`
        : 'an amount with a thousands separator (write 1500, not 1,500), or a comma in a value that is not quoted?';
      return { row, line, unreadable: `${count} fields where the header has ${this.width}: ${cause}` };
    }
    if (split) {
      // The same mistake with a column after the amount (`12,500` under phone,amount,reference
      // pays 12 with reference 500) has the right width: only its shape gives it away.
      const [whole, rest] = split.split(',');
      return {
        row,
        line,
        unreadable: `the amount ${whole} followed by ${rest} looks like ${split} split at a thousands separator: write it as ${whole}${rest}, or quote the ${whole} or the ${rest} if both are meant`,
      };
    }
    const value = (field: Field) => {
      const i = this.index[field];
      return i === undefined ? undefined : present(fields[i]);
    };
    return {
      row,
      line,
      phone: value('phone'),
      amount: value('amount'),
      currency: value('currency'),
      key: value('key'),
      reference: value('reference'),
    };
  }
}

/** "12,500" when an unquoted 1-3 digit amount is followed by an unquoted field of exactly 3 digits. */
function splitAmount(fields: string[], quoted: boolean[] | undefined, amountAt: number): string | undefined {
  const amount = fields[amountAt];
  const next = fields[amountAt + 1];
  if (amount === undefined || next === undefined || quoted?.[amountAt] || quoted?.[amountAt + 1]) return undefined;
  return /^\d{1,3}$/.test(amount) && /^\d{3}$/.test(next) ? `${amount},${next}` : undefined;
}

async function* csvRows(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<RawRow> {
  const decoder = new StringDecoder('utf8');
  const splitter = new CsvSplitter();
  let header: CsvHeader | undefined;
  let row = 0;
  const take = function* (records: Generator<CsvRecord, Stop | undefined>): Generator<RawRow> {
    let next = records.next();
    for (; !next.done; next = records.next()) {
      const record = next.value;
      // Rows whose fields are all empty are skipped: spreadsheets write them below the data.
      if (record.fields.every((f) => f === '')) continue;
      if (!header) {
        header = new CsvHeader(record.fields, name);
        continue;
      }
      row += 1;
      yield header.rowOf(record, row);
    }
    const stop = next.value;
    if (stop) throw fileError(name, stopMessage(stop, at(header ? row + 1 : 'header', stop.line)));
  };
  for await (const chunk of chunks) yield* take(splitter.push(decoder.write(chunk), false));
  yield* take(splitter.push(decoder.end(), true));
}

async function* jsonLineRows(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<RawRow> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let lineNumber = 0;
  let row = 0;
  const parseLine = (text: string): RawRow | undefined => {
    lineNumber += 1;
    const trimmed = (lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (trimmed === '') return undefined;
    row += 1;
    if (trimmed.length > MAX_LINE || trimmed.includes('\0')) {
      throw fileError(name, stopMessage({ line: lineNumber, reason: overLong(trimmed, 0) }, at(row, lineNumber)));
    }
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
  for await (const chunk of chunks) {
    pending += decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const parsed = parseLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
      if (parsed) yield parsed;
      newline = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE) {
      throw fileError(name, stopMessage({ line: lineNumber + 1, reason: overLong(pending, 0) }, at(row + 1, lineNumber + 1)));
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
async function* jsonArrayRows(chunks: AsyncIterable<Buffer>, name: string): AsyncGenerator<RawRow> {
  const decoder = new StringDecoder('utf8');
  let state: 'before' | 'inside' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let row = 0;
  let line = 1;
  let elementLine = 1;
  const fail = (reason: string) => fileError(name, `the JSON file cannot be read at line ${line}: ${reason}`);
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

  for await (const chunk of chunks) {
    const text = decoder.write(chunk);
    const out: RawRow[] = [];
    for (let i = 0; i < text.length; i += 1) {
      const ch = text[i] as string;
      if (ch === '\n') line += 1;
      if (ch === '\0') throw fileError(name, stopMessage({ line, reason: 'nul' }, state === 'inside' ? at(row + 1, line) : `line ${line}`));
      if (state === 'before') {
        if (ch === '[') state = 'inside';
        else if (!/\s|\uFEFF/.test(ch)) throw fail('a JSON file must hold an array of rows, [ {...}, {...} ]');
        continue;
      }
      if (state === 'after') {
        if (!/\s/.test(ch)) throw fail('unexpected text after the closing ]');
        continue;
      }
      if (element.length > MAX_LINE) throw fileError(name, stopMessage({ line: elementLine, reason: 'long' }, at(row + 1, elementLine)));
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
