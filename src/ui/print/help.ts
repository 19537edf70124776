// How `airtime help` reads: a command's help exactly as its --help prints it; a topic as short
// blocks (a name, then what it is, indented under it) wrapped to the terminal; or, with --json,
// the topic as one JSON document.
import type { ConfigTopic, EnvironmentTopic, ExitCodesTopic, HelpResult } from '../../results/help.js';
import type { Output } from '../output.js';

export function printHelp(result: HelpResult, output: Output): void {
  if (output.flags.json) {
    const { exitCode: _exitCode, kind: _kind, ...document } = result;
    output.json({ ok: true, ...document });
    return;
  }
  // As --help writes it: even with --quiet, which asks for no chatter, not for no answer.
  if (result.kind === 'command') {
    output.write(result.text);
    return;
  }
  const width = Math.min(output.columns ?? 80, 100);
  const lines =
    result.topic === 'exit-codes'
      ? exitCodeLines(result, output, width)
      : result.topic === 'environment'
        ? environmentLines(result, output, width)
        : configLines(result, output, width);
  for (const line of lines) output.result(line);
}

function exitCodeLines(topic: ExitCodesTopic, output: Output, width: number): string[] {
  const c = output.out;
  const lines = ['Exit codes, the same for every command:', ''];
  for (const entry of topic.codes) {
    const [first = '', ...rest] = wrap(entry.meaning, width - 7);
    lines.push(`  ${c.bold(String(entry.exitCode).padEnd(5))}${first}`, ...rest.map((line) => `       ${line}`));
    if (entry.errorCodes.length > 0)
      lines.push(...wrap(`error codes: ${entry.errorCodes.join(', ')}`, width - 7).map((line) => `       ${c.dim(line)}`));
  }
  lines.push('', ...topic.notes.flatMap((note) => wrap(note, width)));
  return lines;
}

function environmentLines(topic: EnvironmentTopic, output: Output, width: number): string[] {
  const c = output.out;
  const lines = wrap('Environment variables airtime reads (`airtime help config` for the settings they override):', width);
  for (const group of topic.groups) {
    lines.push('', c.bold(group.title));
    for (const variable of group.variables) lines.push(`  ${variable.names.join(', ')}`, ...indented(variable.about, 6, width));
  }
  return lines;
}

function configLines(topic: ConfigTopic, output: Output, width: number): string[] {
  const c = output.out;
  const lines = [
    ...wrap(`Config keys, with their defaults and where each may be set. Highest precedence first: ${topic.precedence.join(', ')}.`, width),
  ];
  for (const file of topic.files) {
    lines.push('', c.bold(file.kind === 'user' ? 'User file' : 'Project file'), ...indented(`${file.places}.`, 4, width));
    lines.push(...indented(`${file.rule}.`, 4, width));
  }
  for (const key of topic.keys) {
    lines.push(
      '',
      c.bold(key.key),
      ...indented(key.summary, 4, width),
      ...indented(`default: ${key.default ?? 'none'}`, 4, width, /(?<=,) /),
    );
    if (key.environment) lines.push(`    environment: ${key.environment}`);
    if (key.flag) lines.push(`    flag: ${key.flag}`);
    lines.push(...indented(`project file: ${key.projectFile}`, 4, width));
  }
  lines.push(
    '',
    ...wrap(
      '`airtime config show` shows the values in use and where each came from; `airtime config --help` lists the commands that change them.',
      width,
    ),
  );
  return lines;
}

function indented(text: string, indent: number, width: number, breaks: RegExp = / /): string[] {
  return wrap(text, width - indent, breaks).map((line) => `${' '.repeat(indent)}${line}`);
}

/**
 * Words into lines of at most `width` characters (a longer word gets a line of its own), broken
 * only at the spaces `breaks` matches: after a comma keeps each "KES 10000" of a list whole.
 */
function wrap(text: string, width: number, breaks: RegExp = / /): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(breaks)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}
