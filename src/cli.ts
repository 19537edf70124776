// Builds the commander program from the command table (src/commands/table.ts), parses argv, runs
// the one command asked for, and returns its exit code for src/main.ts.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { globalFlagsOf } from './commands/argv.js';
import { COMMANDS, type CommandSpec, Input, type OptionSpec, PROGRAM_OPTIONS, type ValueKind } from './commands/table.js';
import { InvalidValue, VALUE_PARSERS } from './commands/values.js';
import type { Context, GlobalFlags } from './context.js';
import { HELP_TOPICS } from './results/help.js';
import type { Streams } from './ui/output.js';

declare const __AIRTIME_VERSION__: string;
/** Set by the build from package.json; tests that import the source see a placeholder. */
export const VERSION = typeof __AIRTIME_VERSION__ === 'string' ? __AIRTIME_VERSION__ : '0.0.0-dev';

const ROOT_EXAMPLES = [
  '$ airtime send +254712345678 50',
  `$ airtime send --file payouts.csv --batch payroll-2026-11 --yes --json | jq '{sent, failed, unknown}'`,
  '$ airtime status --state unknown',
  '30 8 1 * *  cd /srv/payouts && airtime send --file payouts.csv --batch "payroll-$(date +\\%Y-\\%m)" --yes --json >> payroll.jsonl',
];

/** Parses argv, runs the command, prints its result; returns the exit code for main.ts to use. */
export async function run(argv: string[], streams: Streams, cwd: string): Promise<number> {
  let context: Context | undefined;
  let exitCode = 0;
  let parserMessage = '';
  const contextFor = async (command: Command): Promise<Context> => {
    const { createContext } = await import('./context.js');
    context ??= await createContext(streams, globalFlags(command), cwd);
    return context;
  };

  // The command being parsed when the parser fails: a usage error points at that command's own help.
  let parsing: Command | undefined;
  const failingIn = (command: Command) =>
    command.exitOverride((error) => {
      parsing = command;
      throw error;
    });

  const program = new Command('airtime')
    .description("Send mobile airtime through Africa's Talking, and keep a ledger of every transaction.")
    .version(VERSION, '-V, --version', 'print the version');
  for (const option of PROGRAM_OPTIONS) program.addOption(optionOf(option));
  program
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    // `airtime help` is the table's own command: topics, and `help config init` showing init's help.
    .helpCommand(false)
    .addHelpText(
      'after',
      `${helpTopics()}${helpExamples(ROOT_EXAMPLES)}\n\nRun \`airtime\` alone at a terminal for a guided menu, \`airtime help <topic>\` for a topic, and \`airtime <command> --help\` (or \`airtime help <command>\`) for each command.`,
    )
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
      // Parser errors come back through exitOverride and are printed like every other error.
      outputError: (text) => {
        parserMessage = text;
      },
    });

  failingIn(program);
  for (const spec of commandsFor(argv)) {
    const words = spec.name.split(' ');
    const parent = words.length === 1 ? program : findSubcommand(program, words[0] ?? '');
    const command = failingIn(parent.command(words.at(-1) ?? spec.name).description(spec.summary));
    for (const argument of spec.arguments ?? []) {
      const made = new Argument(argument.name, argument.description);
      if (argument.choices) made.choices(argument.choices);
      // After the choices, so a value kind replaces commander's own check of them (as for options).
      if (argument.value) made.argParser(PARSERS[argument.value] as (value: string, previous: unknown) => unknown);
      command.addArgument(made);
    }
    for (const option of spec.options ?? []) command.addOption(optionOf(option));
    if (spec.help || spec.examples) {
      command.addHelpText('after', `${spec.help ? `\n${spec.help}\n` : ''}${spec.examples ? helpExamples(spec.examples) : ''}`);
    }
    if (spec.name === 'config' || spec.name === 'ledger') continue; // its subcommands run; alone, it is a usage error
    command.action(async (...params: unknown[]) => {
      const invoked = params.at(-1) as Command;
      const ctx = await contextFor(invoked);
      const input = new Input(invoked.processedArgs as (string | string[] | undefined)[], invoked.opts());
      exitCode = await spec.execute(input, { ctx, program });
    });
  }

  try {
    if (argv.length === 0) {
      // A person at a terminal gets the guided menu; a script gets the help and a usage error.
      const ctx = await contextFor(program);
      if (!ctx.output.interactive) {
        streams.stderr.write(program.helpInformation());
        return 2;
      }
      const { menu } = await import('./commands/menu.js');
      return await menu(ctx, program);
    }
    await parse(
      program,
      argv,
      () => parserMessage,
      () => parsing ?? program,
    );
    return exitCode;
  } finally {
    await context?.close();
  }
}

/**
 * The commands the parser is built with: only the one asked for, since building every command's
 * options is most of commander's cost at start-up; all of them where the whole list shows (help,
 * the menu, completion scripts, a word that names no command).
 */
export function commandsFor(argv: readonly string[]): readonly CommandSpec[] {
  const first = argv[0];
  if (first === undefined || first === 'completion' || argv.some((arg) => arg === 'help' || arg === '-h' || arg === '--help')) {
    return COMMANDS;
  }
  const asked = COMMANDS.filter((spec) => spec.name.split(' ')[0] === first);
  return asked.length > 0 ? asked : COMMANDS;
}

function findSubcommand(program: Command, name: string): Command {
  const found = program.commands.find((command) => command.name() === name);
  if (!found) throw new Error(`the command table names ${name} before its subcommands`);
  return found;
}

/** The topics of `airtime help <topic>`, listed in `airtime --help` as commander lists commands. */
function helpTopics(): string {
  const width = Math.max(...HELP_TOPICS.map((topic) => topic.name.length));
  return `\nHelp topics:\n${HELP_TOPICS.map((topic) => `  ${topic.name.padEnd(width)}  ${topic.summary}`).join('\n')}\n`;
}

function helpExamples(examples: readonly string[]): string {
  return `\nExamples:\n${examples.map((example) => `  ${example}`).join('\n')}`;
}

function optionOf(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  // After the choices, so a value kind replaces commander's own check of them (see 'text').
  if (spec.value) option.argParser(PARSERS[spec.value] as (value: string, previous: unknown) => unknown);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

/**
 * Runs the parser; its own errors (unknown option, bad value) become usage errors, exit 2, whose
 * hint names the help of the command that was being parsed.
 */
async function parse(program: Command, argv: string[], parserMessage: () => string, parsing: () => Command): Promise<void> {
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const { commandPath, helpHint, usage } = await import('./commands/usage.js');
    // A command of subcommands given none (`airtime config`) prints its help as an error: exit 2.
    if (error.code === 'commander.help' && error.exitCode !== 0) usage('a subcommand is needed (listed above)');
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return;
    const message = parserMessage() || error.message;
    const path = commandPath(parsing());
    // commander reads "-5" as an option: say what the person most likely meant.
    const hint = /unknown option '-\d/.test(message)
      ? `amounts must be positive; ${helpHint(path === 'airtime' ? 'airtime send' : path)}`
      : helpHint(path);
    usage(usageMessage(message), hint);
  }
}

function globalFlags(command: Command): GlobalFlags {
  return globalFlagsOf(command.optsWithGlobals<Record<string, unknown>>());
}

function usageMessage(text: string): string {
  return text.trim().replace(/^error:\s*/, '');
}

/** The value kinds' readers, their refusals in commander's form (it names the flag and the value). */
const PARSERS = Object.fromEntries(
  Object.entries(VALUE_PARSERS).map(([kind, parse]) => [
    kind,
    (value: string, previous?: unknown) => {
      try {
        return parse(value, previous);
      } catch (error) {
        throw error instanceof InvalidValue ? new InvalidArgumentError(error.message) : error;
      }
    },
  ]),
) as Record<ValueKind, (value: string, previous?: unknown) => unknown>;

export type { CommandSpec };
