// Writing many lines to a stream (a file, stdout) without holding them: each waits for the stream
// to take more, and a reader that goes away (`airtime export | head`) ends the writing, not the run.

/** Writes the lines, each ended by a newline; stops early when the stream is closed. Returns how many were written. */
export async function writeLines(sink: NodeJS.WritableStream & { destroyed?: boolean }, lines: AsyncIterable<string>): Promise<number> {
  let written = 0;
  for await (const line of lines) {
    if (sink.destroyed) break; // the reader went away: nobody wants the rest
    if (!sink.write(`${line}\n`)) await writable(sink);
    written += 1;
  }
  return written;
}

/** Resolves when the stream can take more, or will take no more (closed, or failed: EPIPE). */
function writable(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}
