// Finds, believes (or not), merges and validates configuration. Precedence, highest first: flags,
// environment, the chosen profile, the project file, the user's own files, defaults. A project file
// is what a folder says; it is read only when nobody but the user could have written it, and even
// then it may not choose the ledger, the key file or (with a live username) the API's address, and
// may only tighten the user's limits (docs/security.md).
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { type CountryCode, type CurrencyCode, marketByCurrency } from '../core/countries.js';
import { AirtimeError } from '../core/errors.js';
import { ledgerKind } from '../core/ledger-location.js';
import { defaultDailyCaps } from '../core/limits.js';
import { isLoopbackUrl } from '../core/loopback.js';
import { formatMoney } from '../core/money.js';
import { defaultMaxMinor, type MoneyLimits } from '../core/recipient.js';
import {
  defaultLedgerPath,
  displayPath,
  expandPath,
  isCodeFile,
  PROJECT_CODE_PLACES,
  PROJECT_PLACES,
  searchBound,
  USER_CODE_PLACES,
  USER_PLACES,
  userConfigDir,
} from './places.js';
import { readConfigFile } from './read.js';
import {
  checkValue,
  isObject,
  KEYS,
  LIMIT_KINDS,
  type Limits,
  parseLimit,
  type Raw,
  SERVE_KEYS,
  type ServeSettings,
  type Settings,
  validateLayer,
} from './schema.js';
import { keyCharacterProblem, privateToUser, systemTrust, type TrustSeam, trustedDirs, untrustedBecause } from './trust.js';

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
  /** The file-system seam of the ownership checks (tests play root, or another user). */
  trust?: TrustSeam;
  /**
   * A config file as if it held these values (and existed): how `config set` and `config unset`
   * ask what loading would say of a change before they write it.
   */
  pending?: { path: string; values: Raw } | undefined;
}

/**
 * explicit: named by --config / AIRTIME_CONFIG; user: the user's config folder; home: the home
 * folder itself (the user's own, when they own it); project: found upward from the working
 * directory; beyond: above where the search stops, and no longer read.
 */
export type FileKind = 'explicit' | 'user' | 'home' | 'project' | 'beyond';

/** Why a file found is not read, when it is not for its place in the search (else: why it may not be the user's). */
export const NOTES = {
  code: 'code: not read',
  shadowed: 'a file above it in this list is read',
  beyond: 'beyond where the search stops',
} as const;

/** A place the search looked at, for `airtime config path`. */
export interface SearchedPlace {
  path: string;
  kind: FileKind;
  exists: boolean;
  loaded: boolean;
  /** Why a file that exists was not read, when it was refused or is out of reach. */
  note?: string | undefined;
}

interface ConfigFile {
  path: string;
  kind: Exclude<FileKind, 'beyond'>;
  values: Raw;
}

export interface FoundConfig {
  /** Read and applied, lowest precedence first. */
  files: ConfigFile[];
  refused: string[];
  warnings: string[];
  searched: SearchedPlace[];
}

interface Layer {
  values: Raw;
  source: string;
  /** Relative paths in a file are read from the file's folder. */
  baseDir: string;
  /** The user's own (user folder, home folder, --config, environment); false for a project file. */
  trusted: boolean;
}

const CONVERT = 'airtime reads only JSON and YAML config files, never code: convert it to JSON or YAML';

/** The config files that apply, and those found and refused. */
export async function findConfigFiles(options: LoadOptions): Promise<FoundConfig> {
  const search = searchConfigFiles(options);
  const files: ConfigFile[] = [];
  for (const pick of search.picks) {
    const values = pick.path === options.pending?.path ? options.pending.values : await layerValues(pick.path);
    files.push({ path: pick.path, kind: pick.kind, values });
  }
  return { files, refused: search.refused, warnings: search.warnings, searched: search.searched };
}

interface Search {
  /** The files to read, lowest precedence first. */
  picks: { path: string; kind: ConfigFile['kind'] }[];
  refused: string[];
  warnings: string[];
  searched: SearchedPlace[];
}

/**
 * Which config files apply, and which were found and refused, from stats alone (nothing is parsed):
 * `airtime config path` lists them even when one cannot be read.
 */
export function searchConfigFiles(options: LoadOptions): Search {
  const trust = options.trust ?? systemTrust(options.env);
  const found: Search = { picks: [], refused: [], warnings: [], searched: [] };
  const present = (path: string) => path === options.pending?.path || existsSync(path);
  const note = (path: string, kind: FileKind, loaded: boolean, why?: string) =>
    found.searched.push({ path, kind, exists: true, loaded, ...(why ? { note: why } : {}) });

  const explicit = options.flags?.config ?? options.env.AIRTIME_CONFIG;
  if (explicit) {
    const path = resolve(options.cwd, explicit);
    if (!present(path)) throw new AirtimeError('CONFIG_ERROR', `config file ${explicit} does not exist`);
    if (isCodeFile(path)) {
      found.refused.push(`${path} is not read: ${CONVERT}`);
      note(path, 'explicit', false, NOTES.code);
      return found;
    }
    found.picks.push({ path, kind: 'explicit' });
    note(path, 'explicit', true);
    return found;
  }

  // Which files to read, found with plain stats: most runs (a cron job configured by environment
  // variables) have none, and then no parser is loaded at all.
  const picks: { path: string; kind: ConfigFile['kind']; place: SearchedPlace }[] = [];
  const lookIn = (dir: string, places: readonly string[], codePlaces: readonly string[], kind: ConfigFile['kind']): boolean => {
    let picked = false;
    for (const place of places) {
      const path = join(dir, place);
      if (picked || !present(path) || (place === 'package.json' && !namesAirtime(path))) {
        found.searched.push({
          path,
          kind,
          exists: present(path),
          loaded: false,
          ...(picked && present(path) ? { note: NOTES.shadowed } : {}),
        });
        continue;
      }
      const entry: SearchedPlace = { path, kind, exists: true, loaded: false };
      found.searched.push(entry);
      picks.push({ path, kind, place: entry });
      picked = true;
    }
    for (const place of codePlaces) {
      const path = join(dir, place);
      if (!present(path)) {
        found.searched.push({ path, kind, exists: false, loaded: false });
        continue;
      }
      found.refused.push(`${path} is not read: ${CONVERT}`);
      note(path, kind, false, NOTES.code);
    }
    return picked;
  };

  lookIn(userConfigDir(options.env), USER_PLACES, USER_CODE_PLACES, 'user');
  const home = homedir();
  const bound = searchBound(options.cwd, home);
  // The home folder's own file is the user's, wherever under home the command runs.
  const cwd = resolve(options.cwd);
  if (cwd === home || cwd.startsWith(`${home}${sep}`)) lookIn(home, PROJECT_PLACES, PROJECT_CODE_PLACES, 'home');
  for (const dir of bound.projectDirs) {
    if (lookIn(dir, PROJECT_PLACES, PROJECT_CODE_PLACES, 'project')) break;
  }
  for (const dir of bound.beyond) {
    for (const place of [...PROJECT_PLACES, ...PROJECT_CODE_PLACES]) {
      const path = join(dir, place);
      if (!present(path) || (place === 'package.json' && !namesAirtime(path))) continue;
      const stop = bound.stop.reason === 'git' ? `${bound.stop.dir}, the top of its git work tree` : 'your home folder';
      found.warnings.push(
        `${path} is no longer read: the search for a project config stops at ${stop}; move its settings to ${displayPath(userConfigDir(options.env))}/config.json or pass --config ${path}`,
      );
      note(path, 'beyond', false, NOTES.beyond);
    }
  }

  const isTrustedDir = trustedDirs(options.env);
  for (const pick of picks) {
    // A file in the home folder is the user's own only when the user owns it.
    const kind = pick.kind === 'home' && !ownedByUser(pick.path, trust) ? 'project' : pick.kind;
    if (kind === 'project') {
      const why = untrustedBecause(pick.path, trust, isTrustedDir);
      if (why !== undefined) {
        found.refused.push(
          `${pick.path} is not read: ${why}, so it may not be yours; if it is, fix its owner and mode, or add its folder to AIRTIME_TRUSTED_DIRS`,
        );
        Object.assign(pick.place, { kind, note: why });
        continue;
      }
    }
    found.picks.push({ path: pick.path, kind });
    Object.assign(pick.place, { kind, loaded: true });
  }
  // Files lowest precedence first: the user folder, the home folder, the project. The places
  // searched, as `config path` lists them: highest first, and what is out of reach last.
  const rank: Record<FileKind, number> = { user: 0, home: 1, explicit: 1, project: 2, beyond: -1 };
  found.picks.sort((a, b) => rank[a.kind] - rank[b.kind]);
  const order = (kind: FileKind) => (kind === 'beyond' ? 9 : -rank[kind]);
  found.searched.sort((a, b) => order(a.kind) - order(b.kind));
  return found;
}

function namesAirtime(path: string): boolean {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && (value as Raw).airtime !== undefined;
  } catch {
    return true; // let the reader report what is wrong with it
  }
}

function ownedByUser(path: string, trust: TrustSeam): boolean {
  if (trust.uid === undefined) return true;
  const owner = trust.stat(path)?.uid;
  return owner === trust.uid || (owner !== undefined && owner === trust.sudoUid);
}

async function layerValues(path: string): Promise<Raw> {
  const values = (await readConfigFile(path)) ?? {};
  if (isObject(values)) throw new AirtimeError('CONFIG_ERROR', `${path} must hold an object of settings`);
  return values as Raw;
}

export async function loadSettings(options: LoadOptions): Promise<Settings> {
  const { env, flags = {} } = options;
  const trust = options.trust ?? systemTrust(env);
  const found = await findConfigFiles({ ...options, trust });
  const warnings = [...found.warnings];
  const layers: Layer[] = [];
  for (const file of found.files) {
    validateLayer(file.values, file.path, warnings);
    warnAboutExposedKey(file.values, file.path, warnings);
    layers.push({ values: file.values, source: file.path, baseDir: dirname(file.path), trusted: file.kind !== 'project' });
  }

  const profile = flags.profile ?? env.AIRTIME_PROFILE;
  if (profile) {
    const profileLayers: Layer[] = [];
    for (const layer of layers) {
      const profiles = layer.values.profiles as Raw | undefined;
      const chosen = profiles && Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
      if (chosen === undefined) continue;
      const source = `${layer.source} (profile ${profile})`;
      if (isObject(chosen)) throw new AirtimeError('CONFIG_ERROR', `profiles.${profile} in ${layer.source} must be an object`);
      validateLayer(chosen as Raw, source, warnings);
      warnAboutExposedKey(chosen as Raw, layer.source, warnings);
      profileLayers.push({ ...layer, values: chosen as Raw, source });
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

  const envLayer: Layer = { values: {}, source: 'environment', baseDir: options.cwd, trusted: true };
  const envSources: Record<string, string> = {};
  // The variables that set a key are the schema's: `airtime help environment` lists the same ones.
  for (const [key, { env: variable }] of Object.entries(KEYS)) {
    const value = variable === undefined ? undefined : env[variable];
    if (value === undefined || value === '') continue;
    envLayer.values[key] = value;
    envSources[key] = `environment ${variable}`;
  }
  if (envLayer.values.apiUrl !== undefined) checkValue('apiUrl', envLayer.values.apiUrl, 'AIRTIME_API_URL', KEYS.apiUrl?.check);

  const sources: Record<string, string> = {};
  const applied = onlyTightening(layers, warnings);
  const pick = (key: string): { value: unknown; layer?: Layer } => {
    if (key in envLayer.values) {
      sources[key] = envSources[key] ?? 'environment';
      return { value: envLayer.values[key], layer: envLayer };
    }
    for (let i = applied.length - 1; i >= 0; i -= 1) {
      const layer = applied[i];
      if (layer && layer.values[key] !== undefined) {
        sources[key] = layer.source;
        return { value: layer.values[key], layer };
      }
    }
    const fallback = KEYS[key]?.default;
    if (fallback !== undefined) sources[key] = 'default';
    return { value: fallback };
  };
  const flag = <T>(key: string, value: T | undefined): T | undefined => {
    if (value === undefined) return undefined;
    sources[key] = `flag ${KEYS[key]?.flag ?? key}`;
    return value;
  };

  // What a project file may not set at all, or only so: exit 4 naming the key and the file.
  const userConfig = userConfigDir(env);
  for (const layer of applied.filter((l) => !l.trusted)) {
    if (layer.values.ledger !== undefined) {
      throw projectRefusal(
        'ledger',
        layer,
        'where payments are recorded is yours to choose: a second ledger would pay every row of a batch again',
      );
    }
    if (typeof layer.values.apiKeyFile === 'string') {
      const path = expandPath(layer.values.apiKeyFile, layer.baseDir);
      if (!insideFolder(path, userConfig) || !privateToUser(path, trust)) {
        throw projectRefusal(
          'apiKeyFile',
          layer,
          `a project file may name only a key file inside ${displayPath(userConfig)}, owned by you and readable by nobody else (chmod 600)`,
        );
      }
    }
  }

  const username = pick('username');
  let apiKey = pick('apiKey').value as string | undefined;
  if (apiKey === undefined) {
    const keyFile = pick('apiKeyFile');
    if (typeof keyFile.value === 'string') {
      const path = expandPath(keyFile.value, keyFile.layer?.baseDir ?? options.cwd);
      apiKey = readKeyFile(path, warnings);
      sources.apiKey = `file ${path}`;
    }
  }

  const apiUrl = pick('apiUrl');
  if (apiUrl.layer && !apiUrl.layer.trusted && username.value !== undefined) {
    if (username.value !== 'sandbox') {
      throw projectRefusal(
        'apiUrl',
        apiUrl.layer,
        `a project file may set apiUrl only with the username sandbox, and the username is ${String(username.value)}`,
      );
    }
    // The project's own `username: sandbox` over the user's live one would send the user's key there.
    const own = [envLayer, ...applied.filter((l) => l.trusted)].reverse().find((l) => l.values.username !== undefined);
    if (username.layer && !username.layer.trusted && own && own.values.username !== 'sandbox') {
      throw projectRefusal(
        'apiUrl',
        apiUrl.layer,
        `it sets username sandbox over yours (${String(own.values.username)}), and your key would go to its apiUrl`,
      );
    }
  }
  if (typeof apiUrl.value === 'string')
    checkTransport(apiUrl.value, sources.apiUrl ?? 'config', username.value as string | undefined, warnings);

  const ledger = pick('ledger');
  const ledgerLocation =
    typeof ledger.value === 'string'
      ? resolveLedgerLocation(ledger.value, ledger.layer?.baseDir ?? options.cwd, sources.ledger ?? 'ledger')
      : defaultLedgerPath(env);
  if (typeof ledger.value !== 'string') sources.ledger = 'default';

  const country = flag('defaultCountry', flags.country) ?? (pick('defaultCountry').value as string | undefined);
  const countryProblem = flags.country === undefined ? undefined : KEYS.defaultCountry?.check(flags.country);
  if (countryProblem !== undefined) throw new AirtimeError('UNSUPPORTED_COUNTRY', `--country ${flags.country}: use ${countryProblem}`);

  const retries = flag('retries', flags.retries) ?? (pick('retries').value as number);
  const timeout = flag('timeout', flags.timeout) ?? (pick('timeout').value as number);
  const maxNumRetry = flag('maxNumRetry', flags.maxNumRetry) ?? (pick('maxNumRetry').value as number | undefined);
  const concurrency = flag('concurrency', flags.concurrency) ?? (pick('concurrency').value as number);
  const rate = flag('rate', flags.rate) ?? (pick('rate').value as number | undefined);

  return {
    username: username.value as string | undefined,
    apiKey,
    apiUrl: apiUrl.value as string | undefined,
    defaultCountry: country?.toUpperCase() as CountryCode | undefined,
    ledgerLocation,
    retryDelayMs: Math.round((pick('retryDelay').value as number) * 1000),
    timeoutMs: Math.round(timeout * 1000),
    duplicateWindowMs: Math.round((pick('duplicateWindow').value as number) * 1000),
    repeatWindowMs: Math.round((pick('repeatWindow').value as number) * 1000),
    retries,
    maxNumRetry,
    concurrency,
    rate,
    limits: mergeLimits(applied, sources),
    serve: mergeServe(applied, sources),
    sources,
    files: found.files.map((file) => file.path),
    warnings,
    refused: found.refused,
  };
}

function projectRefusal(key: string, layer: Layer, why: string): AirtimeError {
  return new AirtimeError('CONFIG_ERROR', `${layer.source} sets ${key}, which a project file may not: ${why}`, {
    hint: `set ${key} in your user config (\`airtime config path\` shows it) or the environment, and remove it from that file`,
  });
}

function insideFolder(path: string, folder: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  // Real paths: a link inside the folder to a file outside it is outside it.
  return real(path).startsWith(`${real(folder)}${sep}`);
}

/**
 * Plain http to anything but this machine carries the key in clear text: refused with a live
 * username, a warning with the sandbox (an emulator run as a separate service).
 */
function checkTransport(apiUrl: string, source: string, username: string | undefined, warnings: string[]): void {
  const url = new URL(apiUrl);
  if (url.protocol !== 'http:' || isLoopbackUrl(url)) return;
  if (username === 'sandbox') {
    warnings.push(`apiUrl ${url.origin} (from ${source}) is plain http: the sandbox key travels in clear text`);
    return;
  }
  if (username === undefined) return;
  throw new AirtimeError(
    'CONFIG_ERROR',
    `apiUrl ${url.origin} (from ${source}) is plain http to another machine: the API key of ${username} would travel in clear text`,
    { hint: 'use an https:// URL (plain http is allowed only to 127.0.0.1, [::1] or localhost)' },
  );
}

/**
 * The layers with every value a project file may only tighten, and does not, taken out (with a
 * warning): limits, repeatWindow, duplicateWindow, and serve's validation rules. Compared with what
 * the user's own files (and defaults) say; the user's values themselves are never changed.
 */
function onlyTightening(layers: Layer[], warnings: string[]): Layer[] {
  if (layers.every((layer) => layer.trusted)) return layers;
  const own = layers.filter((layer) => layer.trusted);
  const ownValue = (key: string): unknown => own.reduce<unknown>((value, layer) => layer.values[key] ?? value, KEYS[key]?.default);
  const ownLimits = mergeLimits(own, {});
  const ownServe = mergeServe(own, {});
  const ignore = (layer: Layer, key: string, shown: string, yours: string) =>
    warnings.push(`${layer.source} sets ${key} to ${shown}, looser than yours (${yours}): ignored, as a project file may only tighten it`);

  return layers.map((layer) => {
    if (layer.trusted) return layer;
    const values: Raw = { ...layer.values };
    // Windows: a shorter duplicate window resends less; a longer repeat window guards more.
    for (const [key, looser] of [
      ['duplicateWindow', (mine: number, yours: number) => mine > yours],
      ['repeatWindow', (mine: number, yours: number) => mine < yours],
    ] as const) {
      const mine = values[key];
      const yours = ownValue(key) as number;
      if (typeof mine === 'number' && looser(mine, yours)) {
        ignore(layer, key, String(mine), String(yours));
        delete values[key];
      }
    }
    if (values.limits !== undefined) {
      const limits: Raw = {};
      for (const [kind, perCurrency] of Object.entries(values.limits as Raw)) {
        if (!(LIMIT_KINDS as readonly string[]).includes(kind)) continue;
        const kept: Raw = {};
        for (const [currency, amount] of Object.entries(perCurrency as Raw)) {
          const market = marketByCurrency(currency);
          const minor = parseLimit(`limits.${kind}.${currency}`, currency, amount, layer.source);
          const code = currency as CurrencyCode;
          const yours = ownLimits[kind as keyof Limits][code] ?? (kind === 'perRecipient' && market ? defaultMaxMinor(market) : undefined);
          if (market && yours !== undefined && minor > yours) {
            ignore(layer, `limits.${kind}.${currency}`, formatMoney(minor, market), formatMoney(yours, market));
            continue;
          }
          kept[currency] = amount;
        }
        limits[kind] = kept;
      }
      values.limits = limits;
    }
    if (values.serve !== undefined) {
      const serve: Raw = { ...(values.serve as Raw) };
      if (typeof serve.validationMaxAge === 'number' && serve.validationMaxAge > ownServe.validationMaxAge) {
        ignore(layer, 'serve.validationMaxAge', String(serve.validationMaxAge), String(ownServe.validationMaxAge));
        delete serve.validationMaxAge;
      }
      const ips = serve.allowedSourceIps as string[] | undefined;
      if (ips !== undefined && ownServe.allowedSourceIps !== undefined && !ips.every((ip) => ownServe.allowedSourceIps?.includes(ip))) {
        ignore(layer, 'serve.allowedSourceIps', ips.join(', '), ownServe.allowedSourceIps.join(', '));
        delete serve.allowedSourceIps;
      }
      values.serve = serve;
    }
    return { ...layer, values };
  });
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
    validationMaxAge: (merged.validationMaxAge as number | undefined) ?? (SERVE_KEYS.validationMaxAge?.default as number),
    allowedSourceIps: merged.allowedSourceIps as string[] | undefined,
  };
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
    warnings.push(`${filepath} holds apiKey inside a git work tree, where it can be committed: use AT_API_KEY or apiKeyFile instead`);
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
    if (existsSync(join(dir, '.git'))) return true;
    if (dirname(dir) === dir) return false;
  }
}

/** An API key that cannot travel in an HTTP header: exit 4 naming the kind of character and where the key came from. */
export function checkKeyCharacters(key: string, source: string | undefined): void {
  const problem = keyCharacterProblem(key);
  if (problem === undefined) return;
  throw new AirtimeError(
    'CONFIG_ERROR',
    `the API key (from ${source ?? 'the configuration'}) holds ${problem}, so it cannot travel in an HTTP header`,
    {
      hint: "copy it again from the Africa's Talking dashboard: `airtime config set-key` stores it, or fix AT_API_KEY",
    },
  );
}

/**
 * A ledger setting as the store will open it: a postgres:// URL as written (never a path), a file
 * path expanded from the folder of the file that set it. Anything else that looks like a URL is
 * refused (exit 4) rather than taken for a relative file name.
 */
export function resolveLedgerLocation(value: string, baseDir: string, source: string): string {
  return ledgerKind(value, `the ledger from ${source}`) === 'postgres' ? value.trim() : expandPath(value, baseDir);
}
