// Finds, merges and validates configuration. Precedence, highest first: flags, environment,
// the chosen profile, the project file (searched upward from the working directory to the home
// folder), the user file ($XDG_CONFIG_HOME/airtime/), defaults. `--config`/AIRTIME_CONFIG names
// one file instead of the search.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { isCountryCode, isCurrencyCode, marketByCurrency, type CountryCode } from './core/countries.js';
import { AirtimeError } from './core/errors.js';
import { defaultDailyCaps } from './core/limits.js';
import { parseAmount } from './core/money.js';
import type { MoneyLimits } from './core/recipient.js';

export interface Limits {
  perRecipient: MoneyLimits;
  perRun: MoneyLimits;
  daily: MoneyLimits;
}

export interface Settings {
  username: string | undefined;
  apiKey: string | undefined;
  apiUrl: string | undefined;
  defaultCountry: CountryCode | undefined;
  ledgerPath: string;
  retryDelayMs: number;
  timeoutMs: number;
  duplicateWindowMs: number;
  retries: number;
  maxNumRetry: number | undefined;
  concurrency: number;
  rate: number | undefined;
  limits: Limits;
  serve: ServeSettings;
  /**
   * Where each value came from, for `airtime config show`: top-level keys, and the
   * `limits.<kind>.<CUR>` and `serve.<key>` that a file sets (absent ones are defaults).
   */
  sources: Record<string, string>;
  /** Config files read, in the order they were applied. */
  files: string[];
  /** Things the user should know (unknown keys, an exposed apiKey); printed on stderr. */
  warnings: string[];
}

export interface ServeSettings {
  /** How old a ledger transaction may be and still be validated (seconds). */
  validationMaxAge: number;
  /** When set, validation callbacks must name one of these source IPs. */
  allowedSourceIps: string[] | undefined;
}

/** Values given as flags for this run; they beat every other source. */
export interface FlagOverrides {
  config?: string | undefined;
  profile?: string | undefined;
  country?: string | undefined;
  timeout?: number | undefined;
  retries?: number | undefined;
  maxNumRetry?: number | undefined;
  concurrency?: number | undefined;
  rate?: number | undefined;
}

export interface LoadOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  flags?: FlagOverrides;
}

type Raw = Record<string, unknown>;

interface Layer {
  values: Raw;
  source: string;
  /** Relative paths in a file are read from the file's folder. */
  baseDir: string;
}

const DEFAULTS = {
  retryDelay: 1,
  timeout: 30,
  duplicateWindow: 300,
  retries: 3,
  concurrency: 4,
} as const;

type Check = (value: unknown) => string | undefined;

const isString: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'a non-empty string');
const isPositive: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a number above 0');
const isNonNegative: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number, 0 or more';
const isCount: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100 ? undefined : 'a whole number from 0 to 100');
const isConcurrency: Check = (v) => (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 64 ? undefined : 'a whole number from 1 to 64');
const isWindow: Check = (v) =>
  typeof v === 'number' && v > 0 && v <= 300 ? undefined : 'a number of seconds above 0 and at most 300';
const isCountry: Check = (v) =>
  typeof v === 'string' && isCountryCode(v.toUpperCase()) ? undefined : 'a supported country code (KE, UG, TZ, NG, RW, MW, ZM, ZA, ET, GH, CI)';
const isUrl: Check = (v) => {
  if (typeof v !== 'string') return 'an http(s) URL';
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol) ? undefined : 'an http(s) URL';
  } catch {
    return 'an http(s) URL';
  }
};
const isObject: Check = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'an object');
const isStringList: Check = (v) =>
  Array.isArray(v) && v.every((item) => typeof item === 'string') ? undefined : 'a list of strings';

/** Every key a config file may hold, with its type; anything else is warned about. */
const SCHEMA: Record<string, Check> = {
  username: isString,
  apiKey: isString,
  apiKeyFile: isString,
  apiUrl: isUrl,
  defaultCountry: isCountry,
  ledger: isString,
  retryDelay: isNonNegative,
  timeout: isPositive,
  duplicateWindow: isWindow,
  retries: isCount,
  maxNumRetry: isCount,
  concurrency: isConcurrency,
  rate: isPositive,
  limits: isObject,
  serve: isObject,
  profiles: isObject,
};
const LIMIT_KINDS = ['perRecipient', 'perRun', 'daily'] as const;
const SERVE_SCHEMA: Record<string, Check> = { validationMaxAge: isPositive, allowedSourceIps: isStringList };

export const CONFIG_KEYS = Object.keys(SCHEMA);

export function userConfigDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'airtime');
}

export function defaultLedgerPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'airtime', 'ledger.db');
}

const USER_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml', 'config.js', 'config.cjs', 'config.mjs'];

/** cosmiconfig's search places for the name `airtime`; a test keeps this list equal to its own. */
export const PROJECT_PLACES = [
  'package.json',
  '.airtimerc',
  '.airtimerc.json',
  '.airtimerc.yaml',
  '.airtimerc.yml',
  '.airtimerc.js',
  '.airtimerc.ts',
  '.airtimerc.cjs',
  '.airtimerc.mjs',
  '.config/airtimerc',
  '.config/airtimerc.json',
  '.config/airtimerc.yaml',
  '.config/airtimerc.yml',
  '.config/airtimerc.js',
  '.config/airtimerc.ts',
  '.config/airtimerc.cjs',
  '.config/airtimerc.mjs',
  'airtime.config.js',
  'airtime.config.ts',
  'airtime.config.cjs',
  'airtime.config.mjs',
];

/** The folders searched for a project file: the working directory up to the home folder (or the root). */
function projectSearchDirs(cwd: string): string[] {
  const home = homedir();
  const dirs: string[] = [];
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dir === home || dirname(dir) === dir) return dirs;
  }
}

/**
 * Whether any config file could apply, found with plain stats. Most runs (a cron job configured by
 * environment variables) have none, and then cosmiconfig, with the YAML and JSON parsers it
 * brings, is not loaded at all: that is a third of `airtime validate`'s start-up.
 */
function anyConfigFile(options: LoadOptions): boolean {
  return configCandidates(options).some(({ path }) => {
    if (!existsSync(path)) return false;
    if (basename(path) !== 'package.json') return true;
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>).airtime !== undefined;
    } catch {
      return true; // let cosmiconfig report what is wrong with it
    }
  });
}

interface FoundFile {
  filepath: string;
  config: unknown;
}

/** The config files that apply, lowest precedence first. */
export async function findConfigFiles(options: LoadOptions): Promise<{ user?: FoundFile; project?: FoundFile }> {
  const explicit = options.flags?.config ?? options.env.AIRTIME_CONFIG;
  if (!explicit && !anyConfigFile(options)) return {};
  try {
    const { cosmiconfig } = await import('./config-loader.js');
    if (explicit) {
      const path = resolve(options.cwd, explicit);
      const loaded = await cosmiconfig('airtime', { cache: false }).load(path);
      return { project: { filepath: path, config: loaded?.config ?? {} } };
    }
    const userDir = userConfigDir(options.env);
    const user = await cosmiconfig('airtime', { searchStrategy: 'none', searchPlaces: USER_PLACES, cache: false }).search(
      userDir,
    );
    const found = await cosmiconfig('airtime', { searchStrategy: 'global', stopDir: homedir(), cache: false }).search(
      options.cwd,
    );
    // The 'global' strategy ends in the user folder; a hit there is the user file, not a project's.
    const project = found && !found.filepath.startsWith(`${userDir}/`) ? found : undefined;
    return {
      ...(user ? { user: { filepath: user.filepath, config: user.config } } : {}),
      ...(project ? { project: { filepath: project.filepath, config: project.config } } : {}),
    };
  } catch (error) {
    throw configError(error, explicit);
  }
}

export async function loadSettings(options: LoadOptions): Promise<Settings> {
  const { env, flags = {} } = options;
  const files = await findConfigFiles(options);
  const warnings: string[] = [];
  const layers: Layer[] = [];
  for (const file of [files.user, files.project]) {
    if (!file) continue;
    const values = file.config ?? {};
    if (isObject(values)) throw new AirtimeError('CONFIG_ERROR', `${file.filepath} must hold an object of settings`);
    validateLayer(values as Raw, file.filepath, warnings);
    warnAboutExposedKey(values as Raw, file.filepath, warnings);
    layers.push({ values: values as Raw, source: file.filepath, baseDir: dirname(file.filepath) });
  }

  const profile = flags.profile ?? env.AIRTIME_PROFILE;
  if (profile) {
    const profileLayers: Layer[] = [];
    for (const layer of layers) {
      const profiles = layer.values.profiles as Record<string, unknown> | undefined;
      const chosen = profiles?.[profile];
      if (chosen === undefined) continue;
      const source = `${layer.source} (profile ${profile})`;
      if (isObject(chosen)) throw new AirtimeError('CONFIG_ERROR', `profiles.${profile} in ${layer.source} must be an object`);
      validateLayer(chosen as Raw, source, warnings);
      warnAboutExposedKey(chosen as Raw, layer.source, warnings);
      profileLayers.push({ values: chosen as Raw, source, baseDir: layer.baseDir });
    }
    if (profileLayers.length === 0) {
      const known = [...new Set(layers.flatMap((l) => Object.keys((l.values.profiles as Raw | undefined) ?? {})))];
      throw new AirtimeError(
        'CONFIG_ERROR',
        `profile ${profile} is not defined${known.length ? ` (defined: ${known.join(', ')})` : ' in any config file'}`,
        { hint: 'run `airtime config path` to see the files searched' },
      );
    }
    layers.push(...profileLayers);
  }

  const envLayer: Raw = {};
  const envSources: Record<string, string> = {};
  const fromEnv = (variable: string, key: string) => {
    const value = env[variable];
    if (value !== undefined && value !== '') {
      envLayer[key] = value;
      envSources[key] = `environment ${variable}`;
    }
  };
  fromEnv('AT_USERNAME', 'username');
  fromEnv('AT_API_KEY', 'apiKey');
  fromEnv('AIRTIME_API_URL', 'apiUrl');
  fromEnv('AIRTIME_LEDGER', 'ledger');
  if (envLayer.apiUrl !== undefined) checkValue('apiUrl', envLayer.apiUrl, 'AIRTIME_API_URL');

  const sources: Record<string, string> = {};
  const pick = (key: string): { value: unknown; layer?: Layer } => {
    if (key in envLayer) {
      sources[key] = envSources[key] ?? 'environment';
      return { value: envLayer[key] };
    }
    for (let i = layers.length - 1; i >= 0; i -= 1) {
      const layer = layers[i];
      if (layer && layer.values[key] !== undefined) {
        sources[key] = layer.source;
        return { value: layer.values[key], layer };
      }
    }
    if (key in DEFAULTS) sources[key] = 'default';
    return { value: DEFAULTS[key as keyof typeof DEFAULTS] };
  };
  const flag = <T>(key: string, value: T | undefined, name: string): T | undefined => {
    if (value === undefined) return undefined;
    sources[key] = `flag --${name}`;
    return value;
  };

  const username = pick('username').value as string | undefined;
  let apiKey = pick('apiKey').value as string | undefined;
  if (apiKey === undefined) {
    const keyFile = pick('apiKeyFile');
    if (typeof keyFile.value === 'string') {
      const path = resolvePath(keyFile.value, keyFile.layer?.baseDir ?? options.cwd);
      apiKey = readKeyFile(path, warnings);
      sources.apiKey = `file ${path}`;
    }
  }

  const ledger = pick('ledger');
  const ledgerPath =
    typeof ledger.value === 'string' ? resolvePath(ledger.value, ledger.layer?.baseDir ?? options.cwd) : defaultLedgerPath(env);
  if (typeof ledger.value !== 'string') sources.ledger = 'default';

  const country = flag('defaultCountry', flags.country, 'country') ?? (pick('defaultCountry').value as string | undefined);
  if (flags.country !== undefined && isCountry(flags.country)) {
    throw new AirtimeError('UNSUPPORTED_COUNTRY', `--country ${flags.country}: use ${isCountry(flags.country)}`);
  }

  const retries = flag('retries', flags.retries, 'retries') ?? (pick('retries').value as number);
  const timeout = flag('timeout', flags.timeout, 'timeout') ?? (pick('timeout').value as number);
  const maxNumRetry = flag('maxNumRetry', flags.maxNumRetry, 'max-num-retry') ?? (pick('maxNumRetry').value as number | undefined);
  const concurrency = flag('concurrency', flags.concurrency, 'concurrency') ?? (pick('concurrency').value as number);
  const rate = flag('rate', flags.rate, 'rate') ?? (pick('rate').value as number | undefined);

  return {
    username,
    apiKey,
    apiUrl: pick('apiUrl').value as string | undefined,
    defaultCountry: country?.toUpperCase() as CountryCode | undefined,
    ledgerPath,
    retryDelayMs: Math.round((pick('retryDelay').value as number) * 1000),
    timeoutMs: Math.round(timeout * 1000),
    duplicateWindowMs: Math.round((pick('duplicateWindow').value as number) * 1000),
    retries,
    maxNumRetry,
    concurrency,
    rate,
    limits: mergeLimits(layers, sources),
    serve: mergeServe(layers, sources),
    sources,
    files: layers.filter((l) => !l.source.includes(' (profile ')).map((l) => l.source),
    warnings,
  };
}

function validateLayer(values: Raw, source: string, warnings: string[]): void {
  for (const [key, value] of Object.entries(values)) {
    if (!(key in SCHEMA)) {
      warnings.push(`unknown config key "${key}" in ${source} (ignored)`);
      continue;
    }
    checkValue(key, value, source);
  }
  const limits = values.limits as Raw | undefined;
  if (limits) {
    for (const [kind, perCurrency] of Object.entries(limits)) {
      if (!(LIMIT_KINDS as readonly string[]).includes(kind)) {
        warnings.push(`unknown config key "limits.${kind}" in ${source} (ignored)`);
        continue;
      }
      checkValue(`limits.${kind}`, perCurrency, source, isObject);
      for (const [currency, amount] of Object.entries(perCurrency as Raw)) {
        parseLimit(`limits.${kind}.${currency}`, currency, amount, source);
      }
    }
  }
  const serve = values.serve as Raw | undefined;
  if (serve) {
    for (const [key, value] of Object.entries(serve)) {
      const check = SERVE_SCHEMA[key];
      if (!check) warnings.push(`unknown config key "serve.${key}" in ${source} (ignored)`);
      else checkValue(`serve.${key}`, value, source, check);
    }
  }
}

function checkValue(key: string, value: unknown, source: string, check: Check | undefined = SCHEMA[key]): void {
  const expected = check?.(value);
  if (expected !== undefined) {
    // The value is shown to help fix it, except a key's: an error message is no place for a secret.
    const shown = key === 'apiKey' ? `a ${Array.isArray(value) ? 'list' : typeof value}` : (JSON.stringify(value) ?? String(value));
    throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source} must be ${expected} (got ${shown})`);
  }
}

function parseLimit(key: string, currency: string, amount: unknown, source: string): number {
  const market = isCurrencyCode(currency) ? marketByCurrency(currency) : undefined;
  if (!market) {
    throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source}: ${currency} is not a supported currency`);
  }
  if (typeof amount !== 'number' && typeof amount !== 'string') {
    throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source} must be an amount in ${currency}`);
  }
  try {
    return parseAmount(amount, market);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source}: ${reason}`);
  }
}

function mergeLimits(layers: Layer[], sources: Record<string, string>): Limits {
  const limits: Limits = { perRecipient: {}, perRun: {}, daily: defaultDailyCaps() };
  for (const layer of layers) {
    const fileLimits = layer.values.limits as Record<string, Raw> | undefined;
    for (const kind of LIMIT_KINDS) {
      for (const [currency, amount] of Object.entries(fileLimits?.[kind] ?? {})) {
        limits[kind][currency as keyof MoneyLimits] = parseLimit(`limits.${kind}.${currency}`, currency, amount, layer.source);
        sources[`limits.${kind}.${currency}`] = layer.source;
      }
    }
  }
  return limits;
}

function mergeServe(layers: Layer[], sources: Record<string, string>): ServeSettings {
  const merged: Raw = {};
  for (const layer of layers) {
    const serve = (layer.values.serve ?? {}) as Raw;
    Object.assign(merged, serve);
    for (const key of Object.keys(serve)) sources[`serve.${key}`] = layer.source;
  }
  return {
    validationMaxAge: (merged.validationMaxAge as number | undefined) ?? 600,
    allowedSourceIps: merged.allowedSourceIps as string[] | undefined,
  };
}

function resolvePath(path: string, baseDir: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function readKeyFile(path: string, warnings: string[]): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AirtimeError('CONFIG_ERROR', `apiKeyFile ${path} cannot be read (${reason})`);
  }
  if (isReadableByOthers(path)) warnings.push(`${path} holds the API key and other users can read it: chmod 600 ${path}`);
  const key = text.trim();
  if (key === '') throw new AirtimeError('CONFIG_ERROR', `apiKeyFile ${path} is empty`);
  return key;
}

function warnAboutExposedKey(values: Raw, filepath: string, warnings: string[]): void {
  if (values.apiKey === undefined) return;
  if (isReadableByOthers(filepath)) {
    warnings.push(`${filepath} holds apiKey and other users can read it: chmod 600 ${filepath}`);
  }
  if (insideGitWorkTree(dirname(filepath))) {
    warnings.push(
      `${filepath} holds apiKey inside a git work tree, where it can be committed: use AT_API_KEY or apiKeyFile instead`,
    );
  }
}

function isReadableByOthers(path: string): boolean {
  try {
    return (statSync(path).mode & 0o044) !== 0;
  } catch {
    return false;
  }
}

export function insideGitWorkTree(start: string): boolean {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      statSync(join(dir, '.git'));
      return true;
    } catch {
      // keep looking upward
    }
    if (dirname(dir) === dir) return false;
  }
}

function configError(error: unknown, explicit: string | undefined): AirtimeError {
  if (error instanceof AirtimeError) return error;
  const err = error as NodeJS.ErrnoException;
  if (err.code === 'ENOENT' && explicit) {
    return new AirtimeError('CONFIG_ERROR', `config file ${explicit} does not exist`);
  }
  const firstLine = (err.message ?? String(error)).split('\n').slice(0, 2).join(' ');
  return new AirtimeError('CONFIG_ERROR', `cannot read configuration: ${firstLine}`);
}

// What `airtime config` needs besides loading: the places searched, and writing files safely.

export interface ConfigCandidate {
  path: string;
  /** explicit: named by --config / AIRTIME_CONFIG; project: searched upward from the working directory; user: the user folder. */
  kind: 'explicit' | 'project' | 'user';
}

/** Every file the search tries, in the order findConfigFiles tries them. */
export function configCandidates(options: LoadOptions): ConfigCandidate[] {
  const explicit = options.flags?.config ?? options.env.AIRTIME_CONFIG;
  if (explicit) return [{ path: resolve(options.cwd, explicit), kind: 'explicit' }];
  // The walk of cosmiconfig's 'global' strategy: each folder from the working directory up to the
  // home folder (or the root, for a working directory outside it), every default place in each.
  const candidates: ConfigCandidate[] = [];
  for (const dir of projectSearchDirs(options.cwd)) {
    for (const place of PROJECT_PLACES) candidates.push({ path: join(dir, place), kind: 'project' });
  }
  const userDir = userConfigDir(options.env);
  for (const place of USER_PLACES) candidates.push({ path: join(userDir, place), kind: 'user' });
  return candidates;
}

/** The user config file that is read (the first of the user folder's places that exists), or config.json. */
export function userConfigFile(env: NodeJS.ProcessEnv): string {
  const dir = userConfigDir(env);
  return USER_PLACES.map((place) => join(dir, place)).find((path) => existsSync(path)) ?? join(dir, 'config.json');
}

/** Checks settings about to be written with the rules loading applies (exit 4 naming the key); returns the warnings. */
export function checkConfig(values: Record<string, unknown>, source: string): string[] {
  const warnings: string[] = [];
  validateLayer(values, source, warnings);
  return warnings;
}

const SCRIPT_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts'];

/**
 * The settings of a config file that airtime is about to change ({} when there is none). Only
 * JSON is rewritten: a YAML file would lose its comments, and a script cannot be rewritten at all.
 */
export function readConfigForUpdate(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  const refuse = (why: string) =>
    new AirtimeError('CONFIG_ERROR', `${path} ${why}, so airtime will not rewrite it`, {
      hint: `edit it by hand, or keep the key in AT_API_KEY or a file named by apiKeyFile`,
    });
  if (SCRIPT_EXTENSIONS.includes(extname(path))) throw refuse('is a script');
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

/** Writes settings as JSON: see writePrivateFile. Refuses to replace a script config with JSON. */
export function writeConfigFile(path: string, values: Record<string, unknown>): void {
  if (SCRIPT_EXTENSIONS.includes(extname(path))) {
    throw new AirtimeError('CONFIG_ERROR', `${path} is a script, so airtime will not overwrite it`, { hint: 'edit it by hand' });
  }
  writePrivateFile(path, `${JSON.stringify(values, null, 2)}\n`);
}

/**
 * Writes a file only its owner can read (0600), creating missing folders 0700. The text goes to a
 * new file that is then renamed over the old one, so an existing file with looser permissions ends
 * up 0600 too, and a crash never leaves half a config.
 */
export function writePrivateFile(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(temp, text, { mode: 0o600, flag: 'wx' });
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new AirtimeError('CONFIG_ERROR', `cannot write ${path} (${reason})`);
  }
}
