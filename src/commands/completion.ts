// `airtime completion bash|zsh|fish`: a completion script made from the commander program itself
// (its commands, their options, choices and arguments), so the scripts cannot drift from the CLI;
// currency and country codes come from the core's list of markets.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are shell scripts, whose ${…} is the shell's own
import type { Command, Option } from 'commander';
import { COUNTRY_CODES, CURRENCY_CODES } from '../core/countries.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import type { CompletionResult, Shell } from '../results/config.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** What an option's value completes to: words, file names, or nothing in particular. */
type Values = readonly string[] | 'files' | 'any';

interface OptionSpec {
  /** -c and --currency */
  names: string[];
  description: string;
  /** undefined for a flag that takes no value */
  values: Values | undefined;
}

interface CommandSpec {
  /** '' for the program itself, else the words that reach the command: 'config init' */
  path: string;
  subcommands: { name: string; description: string }[];
  /** Choices of the command's positional arguments (bash, zsh, fish for `completion`). */
  argumentChoices: string[];
  /** The command's own options; the program's apply everywhere. */
  options: OptionSpec[];
}

export function completion(shell: string, program: Command): CompletionResult {
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new AirtimeError('USAGE', `no completion for ${shell}: use one of ${SHELLS.join(', ')}`);
  }
  const specs = describeProgram(program);
  const version = program.version() ?? '';
  const script = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell as Shell](specs, version);
  return { shell: shell as Shell, script, exitCode: EXIT.OK };
}

/** Every command of the program, depth first, with what completes after it. */
function describeProgram(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const visit = (command: Command, path: string) => {
    const help = command.createHelp();
    const subcommands = help.visibleCommands(command);
    specs.push({
      path,
      subcommands: subcommands.map((sub) => ({ name: sub.name(), description: sub.description() })),
      argumentChoices: command.registeredArguments.flatMap((argument) => argument.argChoices ?? []),
      options: help.visibleOptions(command).map(optionSpec),
    });
    for (const sub of subcommands) {
      // commander's own `help [command]` has nothing of its own to complete.
      if (sub.name() !== 'help' || command.commands.includes(sub)) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
    }
  };
  visit(program, '');
  return specs;
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  return { names, description: option.description, values: option.required || option.optional ? valuesOf(option) : undefined };
}

function valuesOf(option: Option): Values {
  if (option.argChoices) return option.argChoices;
  // --currency, --country, --default-country (and not --concurrency).
  const long = option.long ?? '';
  if (/^--(.+-)?currency$/.test(long)) return CURRENCY_CODES;
  if (/^--(.+-)?country$/.test(long)) return COUNTRY_CODES;
  return /<[^>]*(path|file)[^>]*>/.test(option.flags) ? 'files' : 'any';
}

/** Every option that takes a value, with the case labels that name it: 'send -c', 'send --currency'. */
function valueOptions(specs: CommandSpec[]): { labels: string[]; values: Values }[] {
  return specs.flatMap((spec) =>
    spec.options.flatMap(({ names, values }) =>
      values === undefined ? [] : [{ labels: names.map((name) => `${spec.path} ${name}`), values }],
    ),
  );
}

const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const fishQuote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** _describe splits "name:description" at the first unescaped colon. */
const zshItem = (name: string, description: string) => `${name}:${description.replace(/:/g, '\\:')}`;

function valueWords(values: Values): string[] {
  return values === 'files' ? ['__files__'] : values === 'any' ? [] : [...values];
}

function header(shell: string, version: string, install: string[]): string[] {
  return [
    `# ${shell} completion for airtime ${version}, generated from its own command definitions:`,
    '# regenerate it after upgrading airtime.',
    '#',
    ...install.map((line) => `# ${line}`),
  ];
}

/** A bash or zsh function made of one `case` (both shells read this form). */
function caseFunction(name: string, comment: string, subject: string, entries: [string, string][], otherwise: string): string[] {
  return [
    '',
    `# ${comment}`,
    `${name}() {`,
    `  case ${subject} in`,
    ...entries.map(([label, body]) => `    ${label}) ${body} ;;`),
    `    *) ${otherwise} ;;`,
    '  esac',
    '}',
  ];
}

/**
 * The four lookups the bash and zsh scripts share, by command path: subcommands, argument
 * choices, options, and what an option's value completes to. `give` turns words into the body
 * that hands them back (echo for bash, reply=(…) for zsh); `named` adds a description, for zsh.
 */
function lookups(specs: CommandSpec[], give: (words: string[]) => string, named: (name: string, description: string) => string): string[] {
  const byPath = (pick: (spec: CommandSpec) => string[]): [string, string][] =>
    specs.flatMap((spec): [string, string][] => {
      const words = pick(spec);
      return words.length ? [[sq(spec.path), give(words)]] : [];
    });
  const otherwise = give([]);
  return [
    ...caseFunction(
      '_airtime_commands',
      'The subcommands of a command path ("" is airtime itself).',
      '"$1"',
      byPath((spec) => spec.subcommands.map((c) => named(c.name, c.description))),
      otherwise,
    ),
    ...caseFunction(
      '_airtime_arguments',
      "The choices of a command path's positional arguments.",
      '"$1"',
      byPath((spec) => spec.argumentChoices),
      otherwise,
    ),
    ...caseFunction(
      '_airtime_options',
      'The options of a command path.',
      '"$1"',
      byPath((spec) => spec.options.flatMap((o) => o.names.map((name) => named(name, o.description)))),
      otherwise,
    ),
    ...caseFunction(
      '_airtime_option_values',
      'What option $2 of command path $1 takes (__files__ for file names); fails for an option without a value.',
      '"$1 $2"',
      valueOptions(specs).map(({ labels, values }) => [labels.map(sq).join('|'), give(valueWords(values))]),
      'return 1',
    ),
  ];
}

function bashScript(specs: CommandSpec[], version: string): string {
  const lines = header('bash', version, [
    'Install it for your user (bash-completion 2 loads it on first use):',
    '  mkdir -p ~/.local/share/bash-completion/completions',
    '  airtime completion bash > ~/.local/share/bash-completion/completions/airtime',
    'or load it from ~/.bashrc:',
    '  eval "$(airtime completion bash)"',
  ]);
  // Bash completes bare words: the lookups echo names, without descriptions.
  lines.push(
    ...lookups(
      specs,
      (words) => `echo ${sq(words.join(' '))}`,
      (name) => name,
    ),
  );
  lines.push(
    '',
    '_airtime() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    "  local cmdpath='' word values i",
    '  # Which command is being completed: the subcommand words so far, skipping options and their values.',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    word=${COMP_WORDS[i]}',
    '    if [[ $word == -* ]]; then',
    '      if [[ $word != *=* ]] && { _airtime_option_values "$cmdpath" "$word" || _airtime_option_values \'\' "$word"; } >/dev/null; then',
    '        ((i++))',
    '      fi',
    '    elif [[ " $(_airtime_commands "$cmdpath") " == *" $word "* ]]; then',
    '      cmdpath=${cmdpath:+$cmdpath }$word',
    '    fi',
    '  done',
    '  if ((COMP_CWORD > 1)) && [[ $prev == -* ]] && values=$(_airtime_option_values "$cmdpath" "$prev" || _airtime_option_values \'\' "$prev"); then',
    '    if [[ $values == __files__ ]]; then',
    '      compopt -o filenames 2>/dev/null',
    '      COMPREPLY=($(compgen -f -- "$cur"))',
    '    else',
    '      COMPREPLY=($(compgen -W "$values" -- "$cur"))',
    '    fi',
    '  elif [[ $cur == -* ]]; then',
    '    COMPREPLY=($(compgen -W "$(_airtime_options "$cmdpath") ${cmdpath:+$(_airtime_options \'\')}" -- "$cur"))',
    '  else',
    '    COMPREPLY=($(compgen -W "$(_airtime_commands "$cmdpath") $(_airtime_arguments "$cmdpath")" -- "$cur"))',
    '  fi',
    '}',
    '',
    'complete -F _airtime airtime',
  );
  return `${lines.join('\n')}\n`;
}

function zshScript(specs: CommandSpec[], version: string): string {
  const lines = ['#compdef airtime'];
  lines.push(
    ...header('zsh', version, [
      'Install it in a folder of your $fpath, then start a new shell:',
      '  mkdir -p ~/.zfunc && airtime completion zsh > ~/.zfunc/_airtime',
      '  # and in ~/.zshrc, before compinit: fpath=(~/.zfunc $fpath)',
      'or load it from ~/.zshrc, after compinit:',
      '  source <(airtime completion zsh)',
    ]),
  );
  // _describe shows each name with its description; reply carries them as name:description.
  lines.push(...lookups(specs, (words) => `reply=(${words.map(sq).join(' ')})`, zshItem));
  lines.push(
    '',
    '_airtime() {',
    "  local cmdpath='' word prev i",
    '  local -a reply names candidates',
    '  # Which command is being completed: the subcommand words so far, skipping options and their values.',
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    word=${words[i]}',
    '    if [[ $word == -* ]]; then',
    '      if [[ $word != *=* ]] && { _airtime_option_values "$cmdpath" "$word" || _airtime_option_values \'\' "$word"; }; then',
    '        ((i++))',
    '      fi',
    '    else',
    '      _airtime_commands "$cmdpath"',
    '      names=(${reply%%:*})',
    '      if ((${names[(Ie)$word]})); then cmdpath=${cmdpath:+$cmdpath }$word; fi',
    '    fi',
    '  done',
    '  prev=${words[CURRENT-1]}',
    '  if ((CURRENT > 2)) && [[ $prev == -* ]] && { _airtime_option_values "$cmdpath" "$prev" || _airtime_option_values \'\' "$prev"; }; then',
    '    if [[ ${reply[1]} == __files__ ]]; then',
    '      _files',
    '    elif (($#reply)); then',
    '      compadd -a reply',
    '    else',
    "      _message 'value'",
    '    fi',
    '  elif [[ $PREFIX == -* ]]; then',
    '    _airtime_options "$cmdpath"; candidates=("${reply[@]}")',
    '    if [[ -n $cmdpath ]]; then _airtime_options \'\'; candidates+=("${reply[@]}"); fi',
    '    _describe -t options option candidates',
    '  else',
    '    _airtime_commands "$cmdpath"; candidates=("${reply[@]}")',
    '    _airtime_arguments "$cmdpath"; candidates+=("${reply[@]}")',
    '    (($#candidates)) && _describe -t commands command candidates',
    '  fi',
    '}',
    '',
    '# Autoloaded from $fpath the file is the body of _airtime; sourced, it registers it.',
    'if [[ ${funcstack[1]} == _airtime ]]; then',
    '  _airtime "$@"',
    'else',
    '  compdef _airtime airtime',
    'fi',
  );
  return `${lines.join('\n')}\n`;
}

function fishScript(specs: CommandSpec[], version: string): string {
  const lines = header('fish', version, [
    'Install it where fish looks for completions:',
    '  airtime completion fish > ~/.config/fish/completions/airtime.fish',
  ]);
  const switchOf = (name: string, comment: string, entries: [string, string][], otherwise: string) => {
    lines.push('', `# ${comment}`, `function ${name}`, '    switch "$argv[1]"');
    for (const [label, words] of entries) lines.push(`        case ${label}`, `            printf '%s\\n' ${words}`);
    lines.push(`        case '*'`, `            ${otherwise}`, '    end', 'end');
  };
  switchOf(
    '__airtime_commands',
    'The subcommands of a command path ("" is airtime itself).',
    specs.filter((s) => s.subcommands.length).map((s) => [fishQuote(s.path), s.subcommands.map((c) => c.name).join(' ')]),
    'return 0',
  );
  lines.push(
    '',
    '# Whether option $argv[2] of command path $argv[1] takes a value (complete -a lists the values).',
    'function __airtime_option_values',
    '    switch "$argv[1] $argv[2]"',
  );
  for (const { labels } of valueOptions(specs)) lines.push(`        case ${labels.map(fishQuote).join(' ')}`, '            return 0');
  lines.push(
    `        case '*'`,
    '            return 1',
    '    end',
    'end',
    '',
    '# The command being completed: the subcommand words so far, skipping options and their values.',
    'function __airtime_path',
    "    set -l cmdpath ''",
    '    set -l skip 0',
    '    for token in (commandline -opc)[2..-1]',
    '        if test $skip -eq 1',
    '            set skip 0',
    "        else if string match -q -- '-*' $token",
    "            if not string match -q -- '*=*' $token",
    '                and begin; __airtime_option_values "$cmdpath" $token; or __airtime_option_values \'\' $token; end >/dev/null',
    '                set skip 1',
    '            end',
    '        else if contains -- $token (__airtime_commands "$cmdpath")',
    '            set cmdpath (string trim -- "$cmdpath $token")',
    '        end',
    '    end',
    '    echo $cmdpath',
    'end',
    '',
    'function __airtime_at',
    '    set -l cmdpath (__airtime_path)',
    '    test "$cmdpath" = "$argv[1]"',
    'end',
    '',
    'complete -c airtime -f',
  );
  for (const spec of specs) {
    const at = spec.path === '' ? '' : ` -n ${fishQuote(`__airtime_at ${fishQuote(spec.path)}`)}`;
    const root = ` -n ${fishQuote(`__airtime_at ''`)}`;
    for (const sub of spec.subcommands) {
      lines.push(`complete -c airtime${spec.path === '' ? root : at} -a ${fishQuote(sub.name)} -d ${fishQuote(sub.description)}`);
    }
    if (spec.argumentChoices.length) {
      lines.push(`complete -c airtime${spec.path === '' ? root : at} -a ${fishQuote(spec.argumentChoices.join(' '))}`);
    }
    // The program's own options apply after any subcommand, so they carry no condition.
    for (const option of spec.options) {
      const names = option.names.map((name) => (name.startsWith('--') ? ` -l ${name.slice(2)}` : ` -s ${name.slice(1)}`)).join('');
      const value =
        option.values === undefined
          ? ''
          : option.values === 'files'
            ? ' -r -F'
            : option.values === 'any'
              ? ' -x'
              : ` -x -a ${fishQuote(option.values.join(' '))}`;
      lines.push(`complete -c airtime${at}${names}${value} -d ${fishQuote(option.description)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
