// Where everything the user sees goes. stdout carries the result (human text, or exactly one JSON
// document with --json); stderr carries progress, warnings and errors. Colour is decided for
// each stream on its own.
import type { ChalkInstance } from 'chalk';
import { printable as escapeControl } from '../core/text.js';
import { type ColorLevel, colorLevel } from './color.js';

type ChalkClass = typeof import('chalk').Chalk;

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface OutputFlags {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-color */
  color: boolean;
  debug: boolean;
  /** false with --no-input */
  input: boolean;
}

export class Output {
  /** Colours for stdout text. */
  readonly out: ChalkInstance;
  /** Colours for stderr text. */
  readonly err: ChalkInstance;

  /**
   * An Output for these streams, loading chalk only when one of them is to be coloured: chalk builds
   * every style it has as it loads (~2 ms of a command's start-up), and a run whose output is a pipe
   * or a file colours nothing.
   */
  static async open(streams: Streams, flags: OutputFlags): Promise<Output> {
    const coloured = levelsOf(streams, flags).some((level) => level > 0);
    return new Output(streams, flags, coloured ? (await import('chalk')).Chalk : undefined);
  }

  /** `chalk` is needed when a stream is to be coloured (Output.open gives it). */
  constructor(
    readonly streams: Streams,
    readonly flags: OutputFlags,
    chalk?: ChalkClass,
  ) {
    const [out, err] = levelsOf(streams, flags);
    this.out = painter(out, chalk);
    this.err = painter(err, chalk);
  }

  /** Prompts only when a person is there to answer: both ends a terminal, and neither --no-input nor CI. */
  get interactive(): boolean {
    const { stdin, stdout, env } = this.streams;
    return Boolean(stdin.isTTY && stdout.isTTY) && this.flags.input && !env.CI;
  }

  /** Spinners and progress bars: stderr is a terminal and nothing asked for quiet output. */
  get animated(): boolean {
    return Boolean(this.streams.stderr.isTTY) && !this.flags.json && !this.flags.quiet && this.streams.env.TERM !== 'dumb';
  }

  /**
   * How wide stdout's terminal is, for tables that fit it; undefined when stdout is not a terminal
   * (a pipe or a file gets every column in full). A terminal that reports no width counts as 80.
   */
  get columns(): number | undefined {
    const { stdout } = this.streams;
    if (!stdout.isTTY) return undefined;
    return stdout.columns && stdout.columns > 0 ? stdout.columns : 80;
  }

  /** Dates for people on a terminal, ISO-8601 for everything else. */
  get localDates(): boolean {
    return Boolean(this.streams.stdout.isTTY) && !this.flags.json;
  }

  /** A line of the human result on stdout (nothing with --json or --quiet). */
  result(line = ''): void {
    if (this.flags.json || this.flags.quiet) return;
    this.streams.stdout.write(`${line}\n`);
  }

  /** The one JSON document of a --json run. */
  json(document: unknown): void {
    this.streams.stdout.write(`${JSON.stringify(document)}\n`);
  }

  /** Raw text on stdout: a large JSON document written piece by piece. */
  write(text: string): void {
    this.streams.stdout.write(text);
  }

  /** Progress and notes on stderr (nothing with --quiet). */
  info(line: string): void {
    if (this.flags.quiet) return;
    this.streams.stderr.write(`${printable(line)}\n`);
  }

  warn(line: string): void {
    if (this.flags.quiet) return;
    this.streams.stderr.write(`${this.err.yellow('warning:')} ${printable(line)}\n`);
  }

  /** --verbose detail (the HTTP exchange); the client has already redacted secrets. */
  verbose(line: string): void {
    if (!this.flags.verbose) return;
    this.streams.stderr.write(`${this.err.dim(printable(line))}\n`);
  }

  /** An error a person can act on: the message, then what to do next. Always printed. */
  error(message: string, hint?: string): void {
    this.streams.stderr.write(`${this.err.red('error:')} ${printable(message)}\n`);
    if (hint) this.streams.stderr.write(`${this.err.dim(printable(hint))}\n`);
  }
}

function levelsOf(streams: Streams, flags: OutputFlags): [ColorLevel, ColorLevel] {
  const allowed = flags.color && !flags.json;
  return [
    colorLevel({ isTTY: Boolean(streams.stdout.isTTY), env: streams.env, allowed }),
    colorLevel({ isTTY: Boolean(streams.stderr.isTTY), env: streams.env, allowed }),
  ];
}

function painter(level: ColorLevel, chalk: ChalkClass | undefined): ChalkInstance {
  if (level === 0) return LEVEL_ZERO;
  if (!chalk) throw new Error('a coloured Output needs chalk: make it with Output.open');
  return new chalk({ level });
}

/**
 * What chalk is at level 0, without loading it: each style, however chained, gives back its text
 * as chalk does (one argument as a string, several joined by spaces), and `visible` text is dropped
 * (chalk shows it only where it colours).
 */
function levelZero(visible: boolean): ChalkInstance {
  const paint = (...text: unknown[]): string => (!visible ? '' : text.length === 1 ? `${text[0]}` : text.join(' '));
  const self: ChalkInstance = new Proxy(paint, {
    get(_paint, property) {
      if (property === 'level') return 0;
      // Not a thenable, and nothing behind a symbol: only style names lead on.
      if (typeof property !== 'string' || property === 'then') return undefined;
      if (property === 'visible') return visible ? hidden() : self;
      return MODELS.has(property) ? () => self : self;
    },
  }) as unknown as ChalkInstance;
  return self;
}

/** chalk's styles that take a colour and give a style. */
const MODELS = new Set(['rgb', 'hex', 'ansi256', 'bgRgb', 'bgHex', 'bgAnsi256']);
let invisible: ChalkInstance | undefined;
const hidden = (): ChalkInstance => {
  invisible ??= levelZero(false);
  return invisible;
};
const LEVEL_ZERO = levelZero(true);

/**
 * Notes and errors quote what came from outside (a file's cells, a callback's fields, an HTTP
 * answer); a control character among them would drive the reader's terminal (retitle it, recolour
 * it, move the cursor). They are shown as \u escapes instead; only the newline passes.
 */
export function printable(text: string): string {
  return escapeControl(text, { keepNewlines: true });
}
