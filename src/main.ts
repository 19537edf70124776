// The process: run the command line, and the one place that ends the process with a code.
// (dist/launcher.cjs calls `main`, after answering --version on its own.) A common command line is
// read from the command table alone (src/commands/argv.ts); commander (src/cli.ts) is loaded for
// every other, and reads it whole.
import { type ReadLine, readArgv } from './commands/argv.js';
import { createContext } from './context.js';
import { directStdio } from './stdio.js';
import type { Streams } from './ui/output.js';

export async function main(argv: string[]): Promise<never> {
  const streams: Streams = {
    // Written straight to the descriptor where it is a pipe or a file (src/stdio.ts).
    stdout: directStdio(1, () => {
      // A reader that stops early (`airtime export | head`) closes the pipe: that is the reader's choice,
      // not a failure of ours. Writes are then dropped, and the command ends with its own exit code.
      process.stdout.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') throw error;
      });
      return process.stdout;
    }),
    stderr: directStdio(2, () => process.stderr),
    // Node makes process.stdin when it is first read: a command that reads no input never opens it.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
  };

  let exitCode: number;
  try {
    const line = readArgv(argv);
    exitCode = line ? await runLine(line, streams, process.cwd()) : await (await import('./cli.js')).run(argv, streams, process.cwd());
  } catch (error) {
    exitCode = await report(error, argv, streams);
  }
  // Exit explicitly: fetch keeps idle connections alive for seconds after the last answer. But first
  // let stdout and stderr drain: writes to a pipe are queued when the reader is slower than us, and
  // process.exit would drop what is queued (a bulk send's --json document, an export).
  await Promise.all([streams.stdout, streams.stderr].map(drained));
  process.exit(exitCode);
}

/** Runs a command line read without commander, as commander's action for it would (src/cli.ts). */
export async function runLine({ spec, input, flags }: ReadLine, streams: Streams, cwd: string): Promise<number> {
  const ctx = await createContext(streams, flags, cwd);
  try {
    return await spec.execute(input, { ctx, program: undefined });
  } finally {
    await ctx.close();
  }
}

function drained(stream: NodeJS.WritableStream & { writableLength?: number; destroyed?: boolean }): Promise<void> {
  if (!stream.writableLength || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}

async function report(error: unknown, argv: string[], streams: Streams): Promise<number> {
  const [{ AirtimeError }, { Output }, { printError }] = await Promise.all([
    import('./core/errors.js'),
    import('./ui/output.js'),
    import('./ui/print/error.js'),
  ]);
  // The parser may have failed before the flags were read, so they are read from argv here.
  const has = (flag: string) => argv.includes(flag);
  const output = await Output.open(streams, {
    json: has('--json'),
    quiet: has('-q') || has('--quiet'),
    verbose: false,
    color: !has('--no-color'),
    debug: has('--debug'),
    input: false,
  });
  if (error instanceof AirtimeError) {
    printError(error, output);
    if (output.flags.debug && error.stack) streams.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.error(
    `unexpected failure: ${message}`,
    output.flags.debug ? undefined : 'this is a bug in airtime: please report it with the output of the same command run with --debug',
  );
  if (output.flags.debug && error instanceof Error && error.stack) streams.stderr.write(`${error.stack}\n`);
  return 1;
}
