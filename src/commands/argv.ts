// Reads the common command lines (`airtime validate +254712345678 50 --json`, `airtime send … --yes`,
// `airtime status`) from the command table alone, as commander would read them: building commander's
// program costs a command about a fifth of its start-up. Anything this reader does not fully
// understand, it leaves to commander (src/cli.ts), which then reads the whole line: help and
// version, `--`, an unknown or combined flag (-qv, --key=x), a negative number, a value that looks
// like a flag, a value its kind or choices refuse, a missing or extra argument, a command of
// subcommands. So every error and every help text still comes from commander.
// test/commands/argv.test.ts proves that both read the same Input and flags from many lines.
import type { GlobalFlags } from './context.js';
import { COMMANDS, type CommandSpec, Input, type OptionSpec, PROGRAM_OPTIONS } from './table.js';
import { VALUE_PARSERS } from './values.js';

/** A command line read: the command, what it was given, and the program's flags. */
export interface ReadLine {
  spec: CommandSpec;
  input: Input;
  flags: GlobalFlags;
}

/** The flags every command takes, from the program's and the command's options merged (the command's win, as in commander). */
export function globalFlagsOf(all: Readonly<Record<string, unknown>>): GlobalFlags {
  return {
    json: Boolean(all.json),
    quiet: Boolean(all.quiet),
    verbose: Boolean(all.verbose),
    color: all.color !== false,
    input: all.input !== false,
    debug: Boolean(all.debug),
    config: all.config as string | undefined,
    profile: all.profile as string | undefined,
  };
}

/** Words that show help (commander's, and the `help` command of src/cli.ts's commandsFor). */
const HELP = new Set(['help', '-h', '--help']);
/** `completion` writes its script from commander's program itself. */
const NEEDS_PROGRAM = new Set(['completion']);

/** What this reader knows of an option or an argument; a spec with anything more is left to commander. */
const OPTION_KEYS = new Set(['flags', 'description', 'value', 'choices', 'default', 'required']);
const ARGUMENT_KEYS = new Set(['name', 'description', 'choices']);
/**
 * '-c, --currency <code>', '--yes', '--no-input': a short flag or none, a long one, and one required
 * value or none (not '[n]', optional, nor '<ids...>', variadic).
 */
const FLAGS = /^(?:(-[A-Za-z]), )?(--[A-Za-z][A-Za-z0-9-]*)(?: <[^<>\s]*[^<>\s.]>)?$/;
const ARGUMENT = /^(?:<[\w-]+>|\[[\w-]+\])$/;

interface Flag {
  spec: OptionSpec;
  short: string | undefined;
  long: string;
  /** The key in opts(): the long name in camelCase, without `no-`. */
  key: string;
  takesValue: boolean;
  negate: boolean;
}

/**
 * Undefined when commander must read the line; else what it would have read: the command's
 * arguments and options (an Input), and the program's flags.
 */
export function readArgv(argv: readonly string[], commands: readonly CommandSpec[] = COMMANDS): ReadLine | undefined {
  const programFlags = flagsOf(PROGRAM_OPTIONS);
  if (!programFlags) return undefined;
  const programValues = defaults(programFlags);
  let command: { spec: CommandSpec; flags: Flag[] } | undefined;
  let values: Record<string, unknown> = {};
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--' || HELP.has(arg)) return undefined;
    if (!looksLikeFlag(arg)) {
      if (command) {
        operands.push(arg);
        continue;
      }
      command = leafCommand(arg, commands);
      if (!command) return undefined;
      values = defaults(command.flags);
      continue;
    }
    // commander gives the program its own flags wherever they are, then the command the rest.
    const own = programFlags.find((flag) => flag.short === arg || flag.long === arg);
    const flag = own ?? command?.flags.find((f) => f.short === arg || f.long === arg);
    if (!flag) return undefined;
    const target = own ? programValues : values;
    if (!flag.takesValue) {
      target[flag.key] = !flag.negate;
      continue;
    }
    const value = argv[i + 1];
    // A value that looks like a flag may be another level's flag to commander: it decides.
    if (value === undefined || looksLikeFlag(value)) return undefined;
    i += 1;
    const read = readValue(flag.spec, value, target[flag.key]);
    if (read === REFUSED) return undefined;
    target[flag.key] = read;
  }
  if (!command) return undefined;
  if (command.flags.some((flag) => flag.spec.required && values[flag.key] === undefined)) return undefined;
  const declared = command.spec.arguments ?? [];
  if (operands.length > declared.length) return undefined;
  for (const [index, argument] of declared.entries()) {
    const given = operands[index];
    if (given === undefined ? argument.name.startsWith('<') : argument.choices && !argument.choices.includes(given)) return undefined;
  }
  return {
    spec: command.spec,
    input: new Input(
      declared.map((_, index) => operands[index]),
      values,
    ),
    flags: globalFlagsOf({ ...programValues, ...values }),
  };
}

/** commander's test: a dash and at least one more character ('-' alone is an operand, standard input). */
function looksLikeFlag(arg: string): boolean {
  return arg.length > 1 && arg[0] === '-';
}

/** A command without subcommands, whose options and arguments this reader understands in full. */
function leafCommand(name: string, commands: readonly CommandSpec[]): { spec: CommandSpec; flags: Flag[] } | undefined {
  const spec = commands.find((s) => s.name === name);
  if (!spec || NEEDS_PROGRAM.has(name) || commands.some((s) => s.name.startsWith(`${name} `))) return undefined;
  const understood = (spec.arguments ?? []).every(
    (argument) => ARGUMENT.test(argument.name) && Object.keys(argument).every((key) => ARGUMENT_KEYS.has(key)),
  );
  const flags = understood ? flagsOf(spec.options ?? []) : undefined;
  return flags && { spec, flags };
}

function flagsOf(options: readonly OptionSpec[]): Flag[] | undefined {
  const flags: Flag[] = [];
  for (const spec of options) {
    const match = FLAGS.exec(spec.flags);
    if (!match || !Object.keys(spec).every((key) => OPTION_KEYS.has(key))) return undefined;
    const long = match[2] as string;
    const takesValue = spec.flags.endsWith('>');
    // A value kind or choices on a flag without a value, or a --no-x beside an --x: commander's to read.
    if (!takesValue && (spec.value !== undefined || spec.choices !== undefined)) return undefined;
    const negate = long.startsWith('--no-');
    if (negate && options.some((other) => other.flags.split(/[ ,]+/).includes(`--${long.slice(5)}`))) return undefined;
    const name = long.slice(2).replace(/^no-/, '');
    const key = name.replace(/-([a-z0-9])/gi, (_, letter: string) => letter.toUpperCase());
    flags.push({ spec, short: match[1], long, key, takesValue, negate });
  }
  return flags;
}

/** opts() before any flag is read: each default, and true for a --no-x. */
function defaults(flags: readonly Flag[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const flag of flags) {
    if (flag.negate) values[flag.key] = flag.spec.default ?? true;
    else if (flag.spec.default !== undefined) values[flag.key] = flag.spec.default;
  }
  return values;
}

const REFUSED = Symbol('refused');

/** A flag's value as commander's argParser would make it; REFUSED where commander would report an error. */
function readValue(spec: OptionSpec, value: string, previous: unknown): unknown {
  if (spec.value !== undefined) {
    try {
      return VALUE_PARSERS[spec.value](value, previous);
    } catch {
      return REFUSED;
    }
  }
  if (spec.choices && !spec.choices.includes(value)) return REFUSED;
  return value;
}
