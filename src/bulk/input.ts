// The file a bulk command reads: a path or standard input, its format, and its bytes for each
// pass over it.
import { closeSync, constants, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AirtimeError } from '../core/errors.js';
import type { FileFormat } from '../results/bulk.js';
import { detectFormat, formatFromContent, formatFromName, type RowInput } from './reader.js';

export interface Input {
  /** How messages call it: the path given, or "standard input". */
  name: string;
  format: FileFormat;
  /** Its bytes, for each pass over it. */
  source: RowInput;
  cleanup(): void;
}

const CHUNK = 256 * 1024;

/**
 * The file a command reads. A bulk send reads it twice (validate, then send), so it reads a
 * private copy (`snapshot`): what is sent is exactly what was validated, counted against the caps
 * and confirmed, even if an exporter rewrites the file meanwhile. The copy is written by the
 * first pass as it reads, so the first pass's bounds (a line over 64 KiB, a NUL byte) stop the
 * copy too: 1 GB of garbage on standard input is refused after its first 64 KiB, not copied whole
 * first. Standard input can be read only once: a bulk send always copies it.
 */
export async function openInput(file: string, stdin: NodeJS.ReadableStream, snapshot = false): Promise<Input> {
  const name = file === '-' ? 'standard input' : file;
  if (file !== '-') {
    try {
      // Checked here, so a missing or unreadable file is one clear error, not a failed stream.
      await access(file, constants.R_OK);
      if ((await stat(file)).isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
      if (!snapshot) return { name, format: await detectFormat(file), source: file, cleanup: () => {} };
    } catch (error) {
      throw unreadable(file, error);
    }
  }
  const stream = file === '-' ? stdin : createReadStream(file, { highWaterMark: CHUNK });
  const bytes = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  // The first bytes tell the format when the name does not (standard input has none).
  const head: Buffer[] = [];
  let size = 0;
  while (size < 4096) {
    const next = await bytes.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
    if (/[^\s\uFEFF]/.test(Buffer.concat(head).toString('utf8'))) break;
  }
  const format = formatFromName(file === '-' ? '' : file) ?? formatFromContent(Buffer.concat(head).toString('utf8'));
  const rest = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* head;
      for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value;
    } finally {
      // Stopped early (a row refused the file): stop reading the source too.
      await bytes.return?.();
    }
  };
  if (!snapshot) {
    let read = false;
    const once = () => {
      if (read) throw new Error('standard input can be read only once');
      read = true;
      return rest();
    };
    return { name, format, source: once, cleanup: () => {} };
  }

  const dir = mkdtempSync(join(tmpdir(), 'airtime-input-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const path = join(dir, 'input');
  let state: 'unread' | 'copying' | 'copied' = 'unread';
  const source = () => {
    if (state === 'copied') return createReadStream(path, { highWaterMark: CHUNK });
    if (state === 'copying') throw new Error('the copy of the input was not finished');
    state = 'copying';
    return copying(rest(), path, () => {
      state = 'copied';
    });
  };
  return { name, format, source, cleanup };
}

/** The bytes as they are read, each also written to `path` (a private copy, mode 0600). */
async function* copying(bytes: AsyncGenerator<Buffer>, path: string, done: () => void): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'wx', 0o600);
  try {
    for await (const chunk of bytes) {
      for (let written = 0; written < chunk.length; ) written += writeSync(fd, chunk, written);
      yield chunk;
    }
    done();
  } finally {
    closeSync(fd);
  }
}

function unreadable(file: string, error: unknown): AirtimeError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EISDIR: 'it is a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
  };
  return new AirtimeError('INVALID_FILE', `cannot read ${file}: ${reasons[code] ?? (code || String(error))}`);
}
