// Reading one config file as data. JSON is parsed here; YAML with the loader cosmiconfig ships
// (js-yaml's safe schema). Code is never read: see places.ts. A parse error names the format, the
// parser's reason, and the line and column, so it can be fixed without guessing.
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { AirtimeError } from '../core/errors.js';

export type Format = 'JSON' | 'YAML';

/** The format of a config file: by its extension, and an extensionless rc file by its first character. */
export function formatOf(path: string, text: string): Format {
  const extension = extname(path).toLowerCase();
  if (extension === '.json' || basename(path) === 'package.json') return 'JSON';
  if (extension === '.yaml' || extension === '.yml') return 'YAML';
  // `.airtimerc` may hold either; cosmiconfig reads it as YAML, which turns a JSON typo into a
  // baffling YAML error. A file that opens like JSON is reported as JSON.
  return /^\s*[{[]/.test(text.replace(/^\uFEFF/, '')) ? 'JSON' : 'YAML';
}

/**
 * The settings a config file holds (undefined for a package.json without an `airtime` key, which
 * is not a config file). A missing or unreadable file is an error: it was found a moment ago.
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = { ENOENT: 'it does not exist', EACCES: 'permission denied', EISDIR: 'it is a folder' };
    throw new AirtimeError('CONFIG_ERROR', `cannot read the config file ${path}: ${reasons[code ?? ''] ?? code ?? String(error)}`);
  }
  const format = formatOf(path, text);
  const values = format === 'JSON' ? parseJson(path, text) : await parseYaml(path, text);
  if (basename(path) === 'package.json') {
    return typeof values === 'object' && values !== null && !Array.isArray(values)
      ? (values as Record<string, unknown>).airtime
      : undefined;
  }
  return values ?? {};
}

function parseJson(path: string, text: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 says "… in JSON at position 44" (newer Node adds "(line 4 column 1)"), or, for some
    // mistakes, quotes the whole text instead ("Unexpected token ':', "{…}" is not valid JSON").
    const position = /at position (\d+)/.exec(message)?.[1];
    const at = position === undefined ? firstBadOffset(body) : Number(position);
    const reason = message
      .replace(/,\s*(\.\.\.)?".*" is not valid JSON$/s, '')
      .replace(/\s*in JSON at position \d+.*$/s, '')
      .replace(/\s+/g, ' ')
      .trim();
    throw parseError(path, 'JSON', reason, lineAndColumn(body, at));
  }
}

/**
 * Where a text stops being the beginning of some JSON document: the longest prefix that still
 * parses, or fails only at its very end (it ran out), is found by halving (a prefix of a good
 * prefix is good).
 */
function firstBadOffset(text: string): number {
  const good = (length: number) => {
    try {
      JSON.parse(text.slice(0, length));
      return true;
    } catch (error) {
      const message = String((error as Error).message);
      const position = /at position (\d+)/.exec(message)?.[1];
      return position === undefined ? /end of JSON input|Unterminated string/i.test(message) : Number(position) >= length;
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (good(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

async function parseYaml(path: string, text: string): Promise<unknown> {
  const { defaultLoaders } = await import('./yaml.js');
  try {
    return defaultLoaders['.yaml'](path, text);
  } catch (error) {
    const yaml = error as { reason?: string; mark?: { line: number; column: number }; message?: string };
    const reason = yaml.reason ?? yaml.message?.split('\n').at(-1) ?? String(error);
    throw parseError(path, 'YAML', reason, yaml.mark ? { line: yaml.mark.line + 1, column: yaml.mark.column + 1 } : undefined);
  }
}

function parseError(path: string, format: Format, reason: string, where: { line: number; column: number } | undefined): AirtimeError {
  const place = where ? ` at line ${where.line}, column ${where.column}` : '';
  return new AirtimeError('CONFIG_ERROR', `the config file ${path} is not valid ${format}: ${reason}${place}`, {
    hint: 'fix the file; `airtime config path` shows which files are read',
  });
}

/** 1-based line and column of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
