// `airtime help [topic | command [subcommand]]`: a command's help exactly as its --help prints it
// (`airtime help config init` is init's, not config's), or a topic (./topics.ts). A word that names
// neither is a usage error that lists what there is, with commander's kind of "did you mean".
import type { Command } from 'commander';
import { AirtimeError, EXIT } from '../../core/errors.js';
import { closestWords } from '../../core/text.js';
import { type CommandHelp, HELP_TOPICS, type HelpResult, isHelpTopic } from '../../results/help.js';
import type { Context } from '../context.js';
import { commandPath } from '../usage.js';
import { configTopic, environmentTopic, exitCodesTopic } from './topics.js';

// Loaded with the command (scripts/build.mjs LAZY), so the hot path holds neither.
export { printHelp } from '../../ui/print/help.js';

export function help(words: readonly string[], ctx: Pick<Context, 'env'>, program: Command): HelpResult {
  const [first] = words;
  // A topic named alone; `help config init` is the command's.
  if (first !== undefined && words.length === 1 && isHelpTopic(first)) {
    if (first === 'exit-codes') return exitCodesTopic();
    if (first === 'environment') return environmentTopic();
    return configTopic(ctx.env);
  }
  let command = program;
  for (const [index, word] of words.entries()) {
    const found = command.commands.find((sub) => sub.name() === word || sub.aliases().includes(word));
    if (!found) throw unknownWord(words.slice(0, index + 1), command);
    command = found;
  }
  return commandHelp(command);
}

/** What `<command> --help` prints, written where it would be, captured. */
function commandHelp(command: Command): CommandHelp {
  let text = '';
  const output = command.configureOutput();
  command.configureOutput({
    writeOut: (chunk) => {
      text += chunk;
    },
  });
  try {
    command.outputHelp();
  } finally {
    command.configureOutput(output);
  }
  return { kind: 'command', command: commandPath(command), text, exitCode: EXIT.OK };
}

function unknownWord(path: readonly string[], parent: Command): AirtimeError {
  const word = path.at(-1) ?? '';
  const commands = parent.commands.map((command) => command.name());
  const atTop = parent.parent === null;
  const topics = atTop ? HELP_TOPICS.map((topic) => topic.name) : [];
  const similar = closestWords(word, [...topics, ...commands]);
  const suggestion = similar.length === 0 ? '' : `\n(Did you mean ${similar.length === 1 ? similar[0] : `one of ${similar.join(', ')}`}?)`;
  if (atTop) {
    return new AirtimeError('USAGE', `unknown help topic or command '${word}'${suggestion}`, {
      hint: `topics: ${topics.join(', ')}; commands: ${commands.join(', ')}`,
    });
  }
  const where = commandPath(parent);
  return new AirtimeError('USAGE', `unknown command '${path.join(' ')}'${suggestion}`, {
    hint: commands.length > 0 ? `the commands of ${where}: ${commands.join(', ')}` : `${where} has no subcommands`,
  });
}
