// Request bodies of `airtime serve`: read with a size limit, then parsed as JSON or as a form.
// Africa's Talking has been seen sending both encodings (africastalking-airtime-api.md,
// "Callbacks"), and every byte of a callback is untrusted input.
import type { IncomingMessage } from 'node:http';

/** The contract's limit: bodies over 64 KiB get 413. A callback is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/** An answer other than 2xx, thrown by a handler and written by the router. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, 'BAD_REQUEST', message);

/** A body's fields, in a null-prototype object so a field named `__proto__` is just a field. */
export type Fields = Record<string, unknown>;

export type Encoding = 'json' | 'form';

/**
 * Reads the whole body, refusing one over `limit` bytes as soon as it is known to be too big:
 * from Content-Length before reading anything, or while streaming a chunked body.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `the body is over the ${limit / 1024} KiB limit`, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (error: Error) => {
      if (done) return;
      done = true;
      chunks.length = 0;
      reject(error);
    };
    // Not `for await`: leaving that loop early destroys the socket, and with it the 413.
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (error) => fail(new HttpError(400, 'BAD_REQUEST', `the body could not be read: ${error.message}`)));
    req.on('close', () => fail(new HttpError(400, 'BAD_REQUEST', 'the client went away before the body ended')));
  });
}

/** The encoding a Content-Type names; a missing or text/plain one is told from the body itself. */
export function encodingOf(contentType: string | undefined, body: string): Encoding | null {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === '' || type === 'text/plain') return body.trimStart().startsWith('{') ? 'json' : 'form';
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a body into fields; malformed input is a 400 with a short reason, never an exception. */
export function parseFields(contentType: string | undefined, body: Buffer, accepted: readonly Encoding[] = ['json', 'form']): Fields {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw badRequest('the body is not UTF-8 text');
  }
  const encoding = encodingOf(contentType, text);
  if (encoding === null || !accepted.includes(encoding)) {
    const names = accepted.map((e) => (e === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'));
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `send the body as ${names.join(' or ')}`);
  }
  return encoding === 'json' ? parseJsonFields(text) : parseFormFields(text);
}

function parseJsonFields(text: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest('the body must be a JSON object');
  return Object.assign(Object.create(null) as Fields, value);
}

function parseFormFields(text: string): Fields {
  if (text.trim() === '') throw badRequest('the body is empty');
  const fields = Object.create(null) as Fields;
  for (const [name, value] of new URLSearchParams(text)) {
    // Two values for one field cannot both be honoured; guessing which one is meant is how
    // parameter-pollution attacks work.
    if (name in fields) throw badRequest(`the field ${name} is given twice`);
    fields[name] = value;
  }
  return fields;
}

/** A string field that must be present and non-empty. */
export function requiredString(fields: Fields, name: string, maxLength = 255): string {
  const value = optionalString(fields, name, maxLength);
  if (value === null) throw badRequest(`missing field ${name}`);
  return value;
}

/** A string field that may be absent (or null); present, it must be a non-empty string. */
export function optionalString(fields: Fields, name: string, maxLength = 255): string | null {
  const value = fields[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badRequest(`the field ${name} must be a string`);
  const trimmed = value.trim();
  if (trimmed === '') throw badRequest(`the field ${name} is empty`);
  if (trimmed.length > maxLength) throw badRequest(`the field ${name} is longer than ${maxLength} characters`);
  return trimmed;
}

/**
 * An amount given as a JSON number or a decimal string ("50", "50.00"), as decimal text. A JSON
 * number is turned into text once, here, and parsed as a decimal from then on: never summed.
 */
export function requiredAmount(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null) throw badRequest(`missing field ${name}`);
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw badRequest(`the field ${name} must be a positive amount`);
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw badRequest(`the field ${name} must be a number or a decimal string`);
  }
  if (!/^\d{1,15}(\.\d{1,10})?$/.test(text)) throw badRequest(`the field ${name} must be a positive decimal amount, e.g. 50 or 50.25`);
  return text;
}
