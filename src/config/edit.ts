// Changing one setting of a config file (`airtime config set|unset`): the key named as the schema
// names it, the value read as its type and checked as loading checks it, and the file written back
// in its own format. JSON keeps its indentation and key order. YAML keeps its comments: the lines of
// the setting are changed in place, and the result is parsed back and compared with what was meant
// before it is written; where that cannot be done (flow style, anchors, several documents), a file
// without comments is written out afresh, and one with comments is left for a person to edit.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CURRENCY_CODES, isCurrencyCode, marketByCurrency } from '../core/countries.js';
import { AirtimeError } from '../core/errors.js';
import { formatAmount } from '../core/money.js';
import { isCodeFile } from './places.js';
import { formatOf, readConfigFile } from './read.js';
import { KEYS, type KeySpec, LIMIT_KINDS, LIMIT_SUMMARIES, type LimitKind, parseLimit, type Raw, SERVE_KEYS } from './schema.js';

/** A setting as `config get|set|unset` names it (`timeout`, `limits.daily.KES`, `serve.validationMaxAge`). */
export interface SettingKey {
  /** The name, as the schema writes it (`limits.daily.KES`). */
  name: string;
  /** Where it sits in a file: the name's parts, under `profiles.<name>` with --profile. */
  path: string[];
  /** The check of a single value; undefined for a group (`limits`, `limits.daily`, `serve`). */
  spec: KeySpec | undefined;
}

/** Every name a single value can be set under, for an error that lists them. */
export const SETTING_NAMES = [
  ...Object.keys(KEYS).filter((key) => !['limits', 'serve', 'profiles'].includes(key)),
  ...LIMIT_KINDS.map((kind) => `limits.${kind}.<CUR>`),
  ...Object.keys(SERVE_KEYS).map((key) => `serve.${key}`),
];

const NUMERIC = new Set(['retryDelay', 'timeout', 'duplicateWindow', 'repeatWindow', 'retries', 'maxNumRetry', 'concurrency', 'rate']);

/**
 * Reads a setting's name. `set` and `get` need a single value; `unset` also takes a group
 * (`limits.daily`, `serve`). `apiKey` is never set from the command line.
 */
export function parseSettingKey(text: string, action: 'get' | 'set' | 'unset', profile?: string): SettingKey {
  const parts = text.trim().split('.');
  const [top = '', ...rest] = parts;
  const unknown = () => new AirtimeError('USAGE', `unknown config key "${text}"`, { hint: `the keys are ${SETTING_NAMES.join(', ')}` });
  if (!Object.hasOwn(KEYS, top)) throw unknown();
  if (top === 'profiles') {
    throw new AirtimeError('USAGE', "a profile's settings are named with --profile", {
      hint: 'e.g. airtime --profile live config set timeout 10',
    });
  }
  if (top === 'apiKey' && action === 'set') {
    throw new AirtimeError('USAGE', 'config set apiKey is refused: a key on the command line lands in shell history and in ps', {
      hint: 'run `airtime config set-key`: it asks with a hidden prompt, or reads the key from stdin',
    });
  }
  let name: string;
  let spec: KeySpec | undefined;
  if (top === 'limits') {
    const [kind, currency, ...extra] = rest;
    if (extra.length > 0 || (kind !== undefined && !(LIMIT_KINDS as readonly string[]).includes(kind))) throw unknown();
    const code = currency?.toUpperCase();
    if (code !== undefined && !isCurrencyCode(code)) {
      throw new AirtimeError(
        'USAGE',
        `${text}: ${currency} is not a currency Africa's Talking sells airtime in: use one of ${CURRENCY_CODES.join(', ')}`,
      );
    }
    name = ['limits', kind, code].filter((part) => part !== undefined).join('.');
    spec = code === undefined ? undefined : { check: () => undefined, project: 'tighten', summary: LIMIT_SUMMARIES[kind as LimitKind] };
  } else if (top === 'serve') {
    const [key, ...extra] = rest;
    if (extra.length > 0 || (key !== undefined && !Object.hasOwn(SERVE_KEYS, key))) throw unknown();
    name = key === undefined ? 'serve' : `serve.${key}`;
    spec = key === undefined ? undefined : SERVE_KEYS[key];
  } else {
    if (rest.length > 0) throw unknown();
    name = top;
    spec = KEYS[top];
  }
  if (spec === undefined && action !== 'unset') {
    throw new AirtimeError(
      'USAGE',
      `${name} holds several settings: name one, e.g. ${top === 'serve' ? 'serve.validationMaxAge' : 'limits.daily.KES'}`,
    );
  }
  const path = name.split('.');
  return { name, path: profile ? ['profiles', profile, ...path] : path, spec };
}

/**
 * A value typed on the command line as the file holds it: numbers as numbers, an amount as the
 * currency writes it, a list from commas, a country in capitals. Checked with the schema's own
 * check, so it is refused here with the words loading would use, before anything is written.
 */
export function parseSettingValue(key: SettingKey, text: string): unknown {
  const typed = text.trim();
  let value: unknown = typed;
  const [top, kind, currency] = key.name.split('.');
  if (top === 'limits' && kind !== undefined && currency !== undefined) {
    const market = marketByCurrency(currency);
    try {
      const minor = parseLimit(key.name, currency, typed, 'the command line');
      return market ? Number(formatAmount(minor, market)) : typed;
    } catch (error) {
      if (error instanceof AirtimeError) throw new AirtimeError('USAGE', error.message.replace(' in the command line', ''));
      throw error;
    }
  }
  if (NUMERIC.has(key.name) || key.name === 'serve.validationMaxAge') {
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(typed)) value = Number(typed);
  } else if (key.name === 'serve.allowedSourceIps') {
    value = typed
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  } else if (key.name === 'defaultCountry') {
    value = typed.toUpperCase();
  }
  const expected = key.spec?.check(value);
  if (expected !== undefined) throw new AirtimeError('USAGE', `${key.name} must be ${expected} (got ${JSON.stringify(text)})`);
  return value;
}

export type EditFormat = 'JSON' | 'YAML';

/** A config file about to be changed: its text (undefined when it does not exist yet) and settings. */
export interface EditableFile {
  path: string;
  format: EditFormat;
  text: string | undefined;
  values: Raw;
}

/** Reads a config file to change it; refuses code and package.json, which airtime never rewrites. */
export async function readForEdit(path: string): Promise<EditableFile> {
  if (isCodeFile(path)) {
    throw new AirtimeError('CONFIG_ERROR', `${path} is code, so airtime will not rewrite it`, {
      hint: 'convert it to JSON or YAML by hand',
    });
  }
  if (basename(path) === 'package.json') {
    throw new AirtimeError('CONFIG_ERROR', `airtime does not rewrite ${path}`, {
      hint: 'edit its "airtime" key by hand, or move the settings to .airtimerc',
    });
  }
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new AirtimeError('CONFIG_ERROR', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  // A new or empty file is written as JSON unless its name says YAML.
  const yamlName = ['.yaml', '.yml'].includes(extname(path).toLowerCase());
  const format: EditFormat = text === undefined || text.trim() === '' ? (yamlName ? 'YAML' : 'JSON') : formatOf(path, text);
  const values = text === undefined ? {} : ((await readConfigFile(path)) ?? {});
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new AirtimeError('CONFIG_ERROR', `${path} must hold an object of settings, so airtime will not rewrite it`);
  }
  return { path, format, text, values: values as Raw };
}

/** The settings with one value set (or, undefined, removed with any group it leaves empty). */
export function withSetting(values: Raw, path: readonly string[], value: unknown): Raw {
  const copy = structuredClone(values);
  const [key, ...rest] = path;
  if (key === undefined) return copy;
  if (rest.length === 0) {
    if (value === undefined) delete copy[key];
    else copy[key] = value;
    return copy;
  }
  const child = copy[key];
  const inner = typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Raw) : {};
  if (value === undefined && child === undefined) return copy;
  const next = withSetting(inner, rest, value);
  if (Object.keys(next).length === 0) delete copy[key];
  else copy[key] = next;
  return copy;
}

/** The value at a path of the settings, if any. */
export function settingAt(values: Raw, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined;
    node = (node as Raw)[key];
  }
  return node;
}

/** The file's new text, holding `next` (the settings with the change made at `path`). */
export async function renderEdit(file: EditableFile, path: readonly string[], value: unknown, next: Raw): Promise<string> {
  if (file.format === 'JSON') return renderJson(file.text, next);
  const verified = async (text: string | undefined) =>
    text !== undefined && isDeepStrictEqual(await parseYaml(file.path, text), next) ? text : undefined;
  if (file.text === undefined || file.text.trim() === '') return emitYaml(next);
  const edited = await verified(editYamlLines(file.text, path, value));
  if (edited !== undefined) return edited;
  // The lines could not be changed in place: a file without comments loses nothing written afresh.
  if (!hasComment(file.text)) {
    const fresh = await verified(emitYaml(next));
    if (fresh !== undefined) return fresh;
  }
  throw new AirtimeError('CONFIG_ERROR', `airtime cannot change ${path.join('.')} in ${file.path} without losing the file's comments`, {
    hint: 'edit the file by hand (`airtime config path` shows it); nothing was written',
  });
}

/** JSON as the file had it: its indentation (two spaces for a new file), a byte-order mark, a final newline. */
function renderJson(text: string | undefined, values: Raw): string {
  const body = text?.replace(/^\uFEFF/, '') ?? '';
  const indent = body.trim() === '' ? '  ' : (/\n([ \t]+)["}]/.exec(body)?.[1] ?? (body.trim().includes('\n') ? '  ' : ''));
  const bom = text?.startsWith('\uFEFF') ? '\uFEFF' : '';
  const end = text === undefined || text.trim() === '' || text.endsWith('\n') ? '\n' : '';
  return `${bom}${JSON.stringify(values, null, indent)}${end}`;
}

async function parseYaml(path: string, text: string): Promise<unknown> {
  const { defaultLoaders } = await import('./yaml.js');
  try {
    return defaultLoaders['.yaml'](path, text) ?? {};
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------------
// YAML, line by line

/** A scalar as YAML writes it: numbers plain, text double-quoted (JSON's escapes are YAML's), lists in flow style. */
function yamlScalar(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => yamlScalar(item)).join(', ')}]`;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function yamlKey(key: string): string {
  return /^[A-Za-z_][\w-]*$/.test(key) ? key : JSON.stringify(key);
}

/** A whole YAML file for settings: block mappings, two spaces a level. */
export function emitYaml(values: Raw, indent = 0): string {
  const pad = ' '.repeat(indent);
  return Object.entries(values)
    .map(([key, value]) => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const inner = value as Raw;
        return Object.keys(inner).length === 0 ? `${pad}${yamlKey(key)}: {}\n` : `${pad}${yamlKey(key)}:\n${emitYaml(inner, indent + 2)}`;
      }
      return `${pad}${yamlKey(key)}: ${yamlScalar(value)}\n`;
    })
    .join('');
}

function hasComment(text: string): boolean {
  return text.split('\n').some((line) => splitComment(line.replace(/^[^:]*:/, '')).comment !== '' || /^\s*#/.test(line));
}

/** `key: value  # why` → its parts; the comment keeps the spaces before it. */
const ENTRY = /^( *)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{}[\],&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?)[ \t]*:(?=[ \t]|$)(.*)$/;

interface Entry {
  line: number;
  indent: number;
  key: string;
  /** The key as the file writes it (quoted or not). */
  raw: string;
  value: string;
  comment: string;
  /** The line after the last line of its block (its children, or a value continued below it). */
  end: number;
}

function splitComment(rest: string): { value: string; comment: string } {
  let quote: string | null = null;
  for (let i = 0; i < rest.length; i += 1) {
    const ch = rest[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(rest[i - 1] ?? ''))) {
      let start = i;
      while (start > 0 && /[ \t]/.test(rest[start - 1] ?? '')) start -= 1;
      return { value: rest.slice(0, start).trim(), comment: rest.slice(start) };
    }
  }
  return { value: rest.trim(), comment: '' };
}

const isContent = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');
const indentOf = (line: string) => line.length - line.trimStart().length;

/** The entries of the mapping in lines [from, to), or undefined where the block is not a plain block mapping. */
function entriesIn(lines: string[], from: number, to: number, parentIndent: number): Entry[] | undefined {
  const found: Entry[] = [];
  let level = -1;
  for (let i = from; i < to; i += 1) {
    const line = lines[i] ?? '';
    if (!isContent(line)) continue;
    if (/^\s*\t/.test(line)) return undefined;
    const indent = indentOf(line);
    if (level === -1) {
      if (indent <= parentIndent) return undefined;
      level = indent;
    }
    if (indent < level) return undefined;
    if (indent > level) continue;
    const match = ENTRY.exec(line);
    if (!match) return undefined;
    const raw = match[2] ?? '';
    const key = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw;
    const { value, comment } = splitComment(match[3] ?? '');
    found.push({ line: i, indent, key, raw, value, comment, end: i + 1 });
  }
  // Each entry's block runs to its last content line before the next entry.
  found.forEach((entry, n) => {
    const limit = found[n + 1]?.line ?? to;
    for (let i = entry.line + 1; i < limit; i += 1) if (isContent(lines[i] ?? '')) entry.end = i + 1;
  });
  return found;
}

/** The chain of entries down a path, as far as it exists; undefined where the file's shape is not plain. */
function walk(lines: string[], path: readonly string[]): { chain: Entry[]; level: Entry[] } | undefined {
  const chain: Entry[] = [];
  let from = 0;
  let to = lines.length;
  let parentIndent = -1;
  let level: Entry[] = [];
  for (const key of path) {
    const entries = entriesIn(lines, from, to, parentIndent);
    if (!entries) return undefined;
    level = entries;
    const entry = entries.find((candidate) => candidate.key === key);
    if (!entry) break;
    chain.push(entry);
    if (chain.length < path.length && entry.value !== '') return undefined; // a flow or scalar value where a mapping is needed
    from = entry.line + 1;
    to = entry.end;
    parentIndent = entry.indent;
    level = [];
  }
  return { chain, level };
}

/** The text with the setting at `path` changed in place (undefined: removed), or undefined when it cannot be. */
export function editYamlLines(text: string, path: readonly string[], value: unknown): string | undefined {
  if (/^(---|\.\.\.)(\s|$)/m.test(text)) return undefined;
  const lines = text.split('\n');
  const found = walk(lines, path);
  if (!found) return undefined;
  const { chain, level } = found;
  const indents = lines
    .filter(isContent)
    .map(indentOf)
    .filter((n) => n > 0);
  const unit = indents.length > 0 ? Math.min(...indents) : 2;

  if (value === undefined) {
    if (chain.length < path.length) return text;
    // The entry goes, and with it each group it was the only member of.
    let depth = chain.length - 1;
    while (depth > 0) {
      const parent = chain[depth - 1] as Entry;
      if ((entriesIn(lines, parent.line + 1, parent.end, parent.indent) ?? []).length > 1) break;
      depth -= 1;
    }
    const target = chain[depth] as Entry;
    lines.splice(target.line, target.end - target.line);
    return lines.join('\n');
  }

  if (chain.length === path.length) {
    const entry = chain.at(-1) as Entry;
    const replaced = `${' '.repeat(entry.indent)}${entry.raw}: ${yamlScalar(value)}${entry.comment}`;
    lines.splice(entry.line, entry.end - entry.line, replaced);
    return lines.join('\n');
  }

  // New lines for the part of the path not in the file, after the deepest part that is.
  const parent = chain.at(-1);
  let at: number;
  let indent: number;
  if (parent) {
    at = parent.end;
    const children = entriesIn(lines, parent.line + 1, parent.end, parent.indent) ?? [];
    indent = children[0]?.indent ?? parent.indent + unit;
  } else {
    at = lines.reduce((last, line, i) => (isContent(line) ? i + 1 : last), 0);
    indent = level[0]?.indent ?? 0;
  }
  const missing = path.slice(chain.length);
  const added = missing.map((key, i) => {
    const pad = ' '.repeat(indent + i * unit);
    return i === missing.length - 1 ? `${pad}${yamlKey(key)}: ${yamlScalar(value)}` : `${pad}${yamlKey(key)}:`;
  });
  // After the last line of a file that does not end with a newline, the new lines end with one.
  if (at === lines.length) added.push('');
  lines.splice(at, 0, ...added);
  return lines.join('\n');
}
