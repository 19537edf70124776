// src/stdio.ts: stdout and stderr written straight to a pipe or a file, the real stream made only
// when it is needed, and then used for everything after, in order. (test/e2e/records.test.ts runs
// `airtime export | head -n 2` and a 5,000-line export through a pipe end to end.)
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { directStdio } from '../src/stdio.js';

const opened: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) closeSync(fd);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function file(flags: string): { path: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-stdio-'));
  dirs.push(dir);
  const path = join(dir, 'out');
  if (flags === 'r') closeSync(openSync(path, 'w'));
  const fd = openSync(path, flags);
  opened.push(fd);
  return { path, fd };
}

/** The "real" stream: what it was given, and how many times it was made. */
function realStream() {
  const seen = { made: 0, text: '' };
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      seen.text += chunk.toString();
      done();
    },
  });
  const make = () => {
    seen.made += 1;
    return stream as unknown as NodeJS.WriteStream;
  };
  return { seen, make };
}

describe('directStdio', () => {
  it('writes strings to a file itself, and never makes the stream', () => {
    const { path, fd } = file('w');
    const { seen, make } = realStream();
    const out = directStdio(fd, make);
    expect(out.isTTY).toBeUndefined();
    expect(out.columns).toBeUndefined();
    expect(out.write('{"ok":true}\n')).toBe(true);
    expect(out.write('ünïcode ✓\n')).toBe(true);
    expect(out.writableLength).toBe(0);
    expect(out.destroyed).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('{"ok":true}\nünïcode ✓\n');
    expect(seen.made).toBe(0);
  });

  it('makes the stream for more than a plain write, and sends everything after through it', async () => {
    const { path, fd } = file('w');
    const { seen, make } = realStream();
    const out = directStdio(fd, make);
    out.write('first\n');
    const written = new Promise((resolve) => out.write('second\n', resolve));
    out.write('third\n');
    out.once('drain', () => {});
    await written;
    expect(seen.made).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    expect(seen.text).toBe('second\nthird\n');
  });

  it('hands a write that fails to the stream, which reports it as it always did', () => {
    // Open for reading only: write(2) fails (EBADF), as EPIPE or EAGAIN would.
    const { fd } = file('r');
    const { seen, make } = realStream();
    const out = directStdio(fd, make);
    out.write('lost?\n');
    expect(seen).toEqual({ made: 1, text: 'lost?\n' });
  });

  it('uses the real stream at once for a character device (a terminal is one)', () => {
    const fd = openSync('/dev/null', 'w');
    opened.push(fd);
    const { seen, make } = realStream();
    const out = directStdio(fd, make);
    expect(seen.made).toBe(1);
    out.write('x');
    expect(seen.text).toBe('x');
  });
});
