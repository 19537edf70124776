// stdout and stderr, written straight to their file descriptors where they are a pipe or a file.
// process.stdout and process.stderr are costly to make there, as for a script or a cron job: Node
// loads its stream, net and tty modules for them, about a tenth of a short command's start-up, and
// most runs print only a line or one JSON document. At a terminal (any character device) the real
// stream is used as it always was. Elsewhere it is made only when it is needed, and from then on
// everything goes through it, in order: for a write that does not go through at once (a full
// non-blocking pipe, EAGAIN; a reader gone, EPIPE, which the stream then reports as it always did),
// and for anything beyond writing a string (events, callbacks, drain).
import { fstatSync, writeSync } from 'node:fs';

type Stdio = NodeJS.WriteStream;

/** The stream of descriptor `fd` (1 or 2); `make` returns the real one (process.stdout or process.stderr). */
export function directStdio(fd: number, make: () => Stdio): Stdio {
  if (!pipeOrFile(fd)) return make();
  let stream: Stdio | undefined;
  const real = (): Stdio => {
    stream ??= make();
    return stream;
  };
  const own = {
    /** Never a terminal, and so no width: as the real stream of a pipe or a file says. */
    isTTY: undefined,
    columns: undefined,
    get writableLength(): number {
      return stream ? stream.writableLength : 0;
    },
    get destroyed(): boolean {
      return stream ? stream.destroyed : false;
    },
    write(...args: unknown[]): boolean {
      const [chunk] = args;
      if (stream || args.length !== 1 || typeof chunk !== 'string') return (real().write as (...a: unknown[]) => boolean)(...args);
      const bytes = Buffer.from(chunk);
      let written = 0;
      try {
        written = writeSync(fd, bytes);
      } catch {
        // Nothing written: the real stream writes it, or reports why it cannot.
      }
      return written === bytes.length || real().write(bytes.subarray(written));
    },
  };
  return new Proxy(own, {
    get(target, property) {
      if (property in target) return Reflect.get(target, property);
      const value = Reflect.get(real(), property);
      return typeof value === 'function' ? value.bind(real()) : value;
    },
  }) as unknown as Stdio;
}

/** A pipe, a socket or a file: not a character device (a terminal is one), and open. */
function pipeOrFile(fd: number): boolean {
  try {
    return !fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}
