// How `config` and `completion` read.
import { stripVTControlCharacters } from 'node:util';
import type {
  CompletionResult,
  ConfigEditResult,
  ConfigGetResult,
  ConfigInitResult,
  ConfigPathResult,
  ConfigShowResult,
  SetKeyResult,
} from '../../results/config.js';
import type { Output } from '../output.js';

export function printConfigInit(result: ConfigInitResult, output: Output): void {
  if (result.kind === 'declined') {
    output.error(`cancelled: ${result.path} was left as it was`);
    return;
  }
  for (const warning of result.warnings) output.warn(warning);
  if (output.flags.json) {
    const { kind: _kind, exitCode: _exitCode, ...document } = result;
    output.json({ ok: true, ...document });
    return;
  }
  const tick = output.out.green('✔');
  for (const path of result.written) {
    // The key file, the user config given the key, or the user config that --global wrote with it.
    const holdsKey = result.apiKey !== null && (path !== result.path || result.scope === 'user');
    output.result(`${tick} wrote ${path} (mode 0600${holdsKey ? `, with the API key ${result.apiKey}` : ''})`);
  }
  output.result(
    result.keySource === 'env'
      ? 'Next: export AT_API_KEY in your shell (it is not stored), then run `airtime balance` to check the credentials.'
      : 'Next: run `airtime balance` to check the credentials, or `airtime config show` to see every setting.',
  );
}

export function printConfigSetKey(result: SetKeyResult, output: Output): void {
  for (const warning of result.warnings) output.warn(warning);
  if (output.flags.json) {
    const { exitCode: _exitCode, ...document } = result;
    output.json({ ok: true, ...document });
    return;
  }
  const where = result.profile ? ` for profile ${result.profile}` : '';
  output.result(
    `${output.out.green('✔')} ${result.replaced ? 'replaced' : 'stored'} the API key${where} in ${result.path} (mode 0600): ${result.apiKey}`,
  );
}

export function printConfigShow(result: ConfigShowResult, output: Output): void {
  if (output.flags.json) {
    output.json({ ok: true, values: result.values, files: result.files });
    return;
  }
  const c = output.out;
  // Eleven currencies of defaults for each kind of limit would bury the values someone set:
  // those get a line each, and each kind's defaults share one.
  const rows: { key: string; value: string; source: string }[] = [];
  const defaults = new Map<string, { key: string; value: string; source: string }>();
  for (const [key, { value, source }] of Object.entries(result.values)) {
    const limit = /^(limits\.\w+)\.([A-Z]{3})$/.exec(key);
    if (limit?.[1] && source === 'default') {
      const money = `${limit[2]} ${String(value)}`;
      const shared = defaults.get(limit[1]);
      if (shared) shared.value += `, ${money}`;
      else {
        const row = { key: limit[1], value: money, source };
        defaults.set(limit[1], row);
        rows.push(row);
      }
      continue;
    }
    rows.push({ key, value: value === null ? c.dim('-') : Array.isArray(value) ? value.join(', ') : String(value), source });
  }
  for (const row of defaults.values()) {
    if (rows.some(({ key }) => key.startsWith(`${row.key}.`))) row.key += ' (others)';
  }
  const keyWidth = Math.max(...rows.map(({ key }) => key.length));
  const valueWidth = Math.min(40, Math.max(...rows.map(({ value }) => visibleLength(value))));
  for (const { key, value, source } of rows) {
    const pad = ' '.repeat(Math.max(0, valueWidth - visibleLength(value)));
    const from = source === 'default' || source === 'not set' ? c.dim(source) : source;
    output.result(`${key.padEnd(keyWidth)}  ${value}${pad}  ${from}`);
  }
  output.result('');
  output.result(`files read: ${result.files.length ? result.files.join(', ') : 'none'}`);
}

export function printConfigPath(result: ConfigPathResult, output: Output): void {
  if (result.problem) output.warn(result.problem);
  if (output.flags.json) {
    // Every place searched, whether or not a file is there: a script filters on exists and loaded.
    const { exitCode: _exitCode, all: _all, ...document } = result;
    output.json({ ok: true, ...document });
    return;
  }
  const c = output.out;
  // The files that are there, unless --all: most of the places searched hold nothing, and a list
  // of eighty dashes hides the two lines that matter.
  const files = result.all ? result.files : result.files.filter((file) => file.exists);
  if (files.length === 0) {
    output.result(`No config file: settings come from the environment and the defaults.`);
    output.result(`Your user config would be ${result.userFile} (\`airtime config set\` writes it).`);
  }
  const mark = (exists: boolean, loaded: boolean) => (loaded ? c.green('loaded') : exists ? c.yellow('exists') : c.dim('-'.padEnd(6)));
  const headings = {
    explicit: 'Named by --config or AIRTIME_CONFIG, instead of the search:',
    user: 'Your user folder (the first found is read):',
    home: 'Your home folder (yours: read beneath a project file):',
    project: 'Project files, from the working directory up to the first folder with .git, or your home folder (the first found is read):',
    beyond: 'Beyond where the search stops (no longer read):',
  };
  let kind = '';
  for (const file of files) {
    if (file.kind !== kind) {
      if (kind) output.result('');
      output.result(headings[file.kind]);
      kind = file.kind;
    }
    const why = file.note ? `  ${c.yellow(`(${file.note})`)}` : '';
    output.result(`  ${mark(file.exists, file.loaded)}  ${file.exists ? file.path : c.dim(file.path)}${why}`);
  }
  output.result('');
  output.result('Ledger:');
  const state = result.ledger.exists === null ? c.cyan('shared') : result.ledger.exists ? c.green('exists') : c.dim('-'.padEnd(6));
  output.result(`  ${state}  ${result.ledger.path}`);
  if (!result.all) output.result(c.dim(`\n\`airtime config path --all\` lists all ${result.files.length} places searched, in order.`));
}

export function printConfigGet(result: ConfigGetResult, output: Output): void {
  if (output.flags.json) {
    output.json({ ok: true, key: result.key, value: result.value, source: result.source });
    return;
  }
  // The value alone, for `$(airtime config get timeout)`; --json has where it came from.
  output.result(Array.isArray(result.value) ? result.value.join(',') : String(result.value));
}

export function printConfigEdit(result: ConfigEditResult, output: Output): void {
  for (const warning of result.warnings) output.warn(warning);
  if (output.flags.json) {
    const { exitCode: _exitCode, warnings: _warnings, ...document } = result;
    output.json({ ok: true, ...document });
    return;
  }
  const shown = (value: ConfigEditResult['value']) => (Array.isArray(value) ? value.join(',') : String(value));
  const tick = output.out.green('✔');
  const key = result.profile === null ? result.key : `${result.key} (profile ${result.profile})`;
  if (result.action === 'set') {
    output.result(
      result.changed
        ? `${tick} ${key} = ${shown(result.value)} in ${result.file}${result.previous === null ? '' : ` (was ${shown(result.previous)})`}`
        : `${key} is already ${shown(result.value)} in ${result.file}: nothing changed`,
    );
  } else {
    output.result(
      result.changed
        ? `${tick} removed ${key} from ${result.file} (was ${shown(result.previous)})`
        : `${key} is not set in ${result.file}: nothing changed`,
    );
  }
}

export function printCompletion(result: CompletionResult, output: Output): void {
  if (output.flags.json) output.json({ ok: true, shell: result.shell, script: result.script });
  else output.result(result.script.trimEnd());
}

function visibleLength(text: string): number {
  return stripVTControlCharacters(text).length;
}
