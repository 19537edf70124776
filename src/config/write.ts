// Writing configuration: `airtime config init` and `config set-key`. Files are written only their
// owner can read (they may hold the key), atomically, and only in a format that can be written back.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AirtimeError } from '../core/errors.js';
import { isCodeFile } from './places.js';
import { isObject, validateLayer } from './schema.js';

/** Checks settings about to be written with the rules loading applies (exit 4 naming the key); returns the warnings. */
export function checkConfig(values: Record<string, unknown>, source: string): string[] {
  const warnings: string[] = [];
  validateLayer(values, source, warnings);
  return warnings;
}

/**
 * The settings of a config file that airtime is about to change ({} when there is none). Only
 * JSON is rewritten: a YAML file would lose its comments, and code is never touched.
 */
export function readConfigForUpdate(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const refuse = (why: string) =>
    new AirtimeError('CONFIG_ERROR', `${path} ${why}, so airtime will not rewrite it`, {
      hint: 'edit it by hand, or keep the key in AT_API_KEY or a file named by apiKeyFile',
    });
  if (isCodeFile(path)) throw refuse('is code');
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch {
    throw refuse('is not JSON');
  }
  if (isObject(values)) throw refuse('does not hold an object of settings');
  return values as Record<string, unknown>;
}

/** Writes settings as JSON: see writePrivateFile. Refuses to replace code with JSON. */
export function writeConfigFile(path: string, values: Record<string, unknown>): void {
  if (isCodeFile(path)) {
    throw new AirtimeError('CONFIG_ERROR', `${path} is code, so airtime will not overwrite it`, {
      hint: 'convert it to JSON or YAML by hand',
    });
  }
  writePrivateFile(path, `${JSON.stringify(values, null, 2)}\n`);
}

/**
 * Writes a file only its owner can read (0600, or `mode`), creating missing folders 0700. The text
 * goes to a new file that is then renamed over the old one, so an existing file with looser
 * permissions ends up 0600 too, and a crash never leaves half a config.
 */
export function writePrivateFile(path: string, text: string, mode = 0o600): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(temp, text, { mode, flag: 'wx' });
    // The umask may have taken bits away from `mode`: set it as asked.
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AirtimeError('CONFIG_ERROR', `cannot write ${path} (${reason})`);
  }
}
