// `airtime config init|set-key|show|path`: setting up, inspecting and locating the configuration.
// The API key is read from a hidden prompt or stdin, never from a flag (flags leak into shell
// history and `ps`), and airtime only ever writes it to the user config or a key file, both 0600:
// a project file ends up in git.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { SettingKey } from '../config/edit.js';
import { insideGitWorkTree, loadSettings, resolveLedgerLocation, type SearchedPlace, searchConfigFiles } from '../config/load.js';
import { defaultLedgerPath, displayPath, expandPath, isCodeFile, PROJECT_PLACES, userConfigDir, userConfigFile } from '../config/places.js';
import { readConfigFile } from '../config/read.js';
import type { Settings } from '../config/schema.js';
import { keyCharacterProblem, privateToUser, systemTrust } from '../config/trust.js';
import { checkConfig, readConfigForUpdate, writeConfigFile, writePrivateFile } from '../config/write.js';
import { COUNTRY_CODES, CURRENCY_CODES, isCountryCode, MARKETS, marketByCurrency } from '../core/countries.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { ledgerKind, locationPassword, redactLocation } from '../core/ledger-location.js';
import { formatAmount, parseAmount } from '../core/money.js';
import { defaultMaxMinor } from '../core/recipient.js';
import type {
  ConfigEditResult,
  ConfigGetResult,
  ConfigInitResult,
  ConfigPathResult,
  ConfigShowResult,
  KeySource,
  LimitAnswers,
  SetKeyResult,
  ShownValue,
} from '../results/config.js';
import type { Context } from './context.js';

const KEY_SOURCES: readonly KeySource[] = ['env', 'file', 'user'];

export interface ConfigInitOptions {
  global?: boolean | undefined;
  username?: string | undefined;
  keySource?: string | undefined;
  keyFile?: string | undefined;
  defaultCountry?: string | undefined;
  perRecipient?: string[] | undefined;
  daily?: string[] | undefined;
  force?: boolean | undefined;
}

/** The last 4 characters, and only for a key long enough that they give nothing away. */
function redactKey(key: string): string {
  return key.length >= 12 ? `…${key.slice(-4)}` : '…';
}

type ConfigContext = Pick<Context, 'cwd' | 'env' | 'flags' | 'output' | 'prompter' | 'notify'>;

export async function configInit(options: ConfigInitOptions, ctx: ConfigContext): Promise<ConfigInitResult> {
  const scope = options.global ? 'user' : 'project';
  // An existing file of a name the search reads is the one to replace: a new .airtimerc beside an
  // .airtimerc.yaml would silently shadow it.
  const path = options.global
    ? userConfigFile(ctx.env)
    : (PROJECT_PLACES.filter((place) => place.startsWith('.airtimerc'))
        .map((name) => join(ctx.cwd, name))
        .find((file) => existsSync(file)) ?? join(ctx.cwd, '.airtimerc'));
  const keySource = parseKeySource(options);
  const interactive = ctx.output.interactive;
  if (!interactive) requireInitFlags(options, keySource);
  // Flags are checked before any question: nobody should answer five prompts to be refused at the end.
  const username = options.username === undefined ? undefined : checkFlag('--username', options.username, usernameProblem).trim();
  const defaultCountry =
    options.defaultCountry === undefined ? undefined : checkFlag('--default-country', options.defaultCountry, countryProblem).toUpperCase();
  const flagLimits: LimitAnswers = {};
  if (options.perRecipient) flagLimits.perRecipient = limitsFlag('--per-recipient', options.perRecipient);
  if (options.daily) flagLimits.daily = limitsFlag('--daily', options.daily);

  const result: ConfigInitResult = {
    kind: 'declined',
    path,
    scope,
    username: null,
    keySource: null,
    keyFile: null,
    apiKey: null,
    defaultCountry: null,
    limits: {},
    written: [],
    warnings: [],
    exitCode: EXIT.SIGINT,
  };
  if (existsSync(path) && !options.force) {
    if (!interactive) {
      throw new AirtimeError('USAGE', `${path} already exists`, { hint: 'pass --force to overwrite it' });
    }
    if (!(await ctx.prompter.confirm(`${path} already exists. Overwrite it?`, false))) return result;
  }

  const answers = {
    username:
      username ??
      (
        await ctx.prompter.text({
          message: `Africa's Talking username ("sandbox" for the sandbox)`,
          default: 'sandbox',
          validate: usernameProblem,
        })
      ).trim(),
    keySource: keySource ?? (await askKeySource(ctx, scope)),
  };
  const values: Record<string, unknown> = { username: answers.username };
  const userPath = userConfigFile(ctx.env);
  let key: string | undefined;
  let keyFile: string | undefined;
  /** What goes in the user config when the project file cannot hold it: the key, or a key file outside the user's folder. */
  const forUser: Record<string, unknown> = {};
  if (answers.keySource === 'file') {
    const typed =
      options.keyFile ??
      (await ctx.prompter.text({
        message: 'Path of the key file',
        default: join(displayPath(userConfigDir(ctx.env)), 'api-key'),
        validate: (value) => keyFileProblem(expandPath(value, ctx.cwd)),
      }));
    keyFile = checkFlag('--key-file', expandPath(typed, ctx.cwd), keyFileProblem);
    if (!existsSync(keyFile)) key = await readKey(ctx, `API key for ${keyFile} (hidden)`);
    // A project file may name only a key file inside the user's config folder (a folder must not
    // point airtime at, say, ~/.git-credentials): any other is named by the user config.
    if (scope === 'user' || isInside(keyFile, userConfigDir(ctx.env))) {
      values.apiKeyFile = storedKeyFilePath(typed, keyFile, path, ctx.cwd);
    } else {
      forUser.apiKeyFile = storedKeyFilePath(typed, keyFile, userPath, ctx.cwd);
      result.warnings.push(
        `apiKeyFile goes in ${userPath}: a project file may name only a key file inside ${displayPath(userConfigDir(ctx.env))}`,
      );
    }
    if (insideGitWorkTree(dirname(keyFile))) {
      result.warnings.push(`${keyFile} is inside a git work tree: add it to .gitignore so that the key is never committed`);
    }
    if (key === undefined && !privateToUser(keyFile, systemTrust(ctx.env))) {
      result.warnings.push(`${keyFile} holds the API key and others can read it, or it is not yours: chmod 600 ${keyFile}`);
    }
  } else if (answers.keySource === 'user') {
    key = await readKey(ctx, 'API key (hidden)');
    if (scope === 'user') values.apiKey = key;
    else forUser.apiKey = key;
  }
  // Read (and refused, when it cannot be rewritten) before anything is written.
  const userValues = Object.keys(forUser).length > 0 ? readConfigForUpdate(userPath) : undefined;

  const country = defaultCountry ?? (interactive ? await askCountry(ctx) : undefined);
  if (country) values.defaultCountry = country;
  const limits = options.perRecipient || options.daily || !interactive ? flagLimits : await askLimits(ctx);
  if (Object.keys(limits).length > 0) values.limits = limits;
  result.warnings.push(...checkConfig(values, path));

  if (keyFile && key !== undefined) {
    writePrivateFile(keyFile, `${key}\n`);
    result.written.push(keyFile);
  }
  writeConfigFile(path, values);
  result.written.push(path);
  if (userValues) {
    writeConfigFile(userPath, { ...userValues, ...forUser });
    result.written.push(userPath);
  }

  const expectedKeySource = { env: 'environment AT_API_KEY', file: `file ${keyFile}`, user: scope === 'user' ? path : userPath }[
    answers.keySource
  ];
  result.warnings.push(...(await checkWritten(ctx, path, { keySource: expectedKeySource, username: true })));
  return {
    ...result,
    kind: 'written',
    username: values.username as string,
    keySource: answers.keySource,
    keyFile: keyFile ?? null,
    apiKey: key === undefined ? null : redactKey(key),
    defaultCountry: country ?? null,
    limits,
    exitCode: EXIT.OK,
  };
}

export async function configSetKey(ctx: ConfigContext): Promise<SetKeyResult> {
  const path = userConfigFile(ctx.env);
  const explicit = ctx.flags.config ?? ctx.env.AIRTIME_CONFIG;
  if (explicit !== undefined && resolve(ctx.cwd, explicit) !== path) {
    throw new AirtimeError(
      'USAGE',
      `${ctx.flags.config ? '--config' : 'AIRTIME_CONFIG'} names ${explicit}, and airtime stores the key only in the user config (${path}), never in another file, which may end up in git`,
      { hint: `put "apiKeyFile": "<path of a 0600 file holding the key>" in ${explicit}, or set AT_API_KEY` },
    );
  }
  const values = readConfigForUpdate(path);
  const key = await readKey(ctx, 'API key (hidden)');
  const profile = ctx.flags.profile ?? ctx.env.AIRTIME_PROFILE;
  let replaced: boolean;
  if (profile) {
    const profiles = { ...((values.profiles as Record<string, Record<string, unknown>> | undefined) ?? {}) };
    replaced = profiles[profile]?.apiKey !== undefined;
    profiles[profile] = { ...profiles[profile], apiKey: key };
    values.profiles = profiles;
  } else {
    replaced = values.apiKey !== undefined;
    values.apiKey = key;
  }
  writeConfigFile(path, values);
  const warnings = await checkWritten(ctx, path, { keySource: profile ? `${path} (profile ${profile})` : path, username: false });
  return { path, profile: profile ?? null, replaced, apiKey: redactKey(key), warnings, exitCode: EXIT.OK };
}

export async function configShow(ctx: Pick<Context, 'settings' | 'flags' | 'env'>): Promise<ConfigShowResult> {
  const settings = await ctx.settings();
  const { sources } = settings;
  const values: Record<string, ShownValue> = {};
  const show = (key: string, value: ShownValue['value'] | undefined, source = sources[key]) => {
    values[key] = value === undefined || value === null ? { value: null, source: 'not set' } : { value, source: source ?? 'default' };
  };
  const profile = ctx.flags.profile ?? ctx.env.AIRTIME_PROFILE;
  show('profile', profile, ctx.flags.profile ? 'flag --profile' : 'environment AIRTIME_PROFILE');
  show('username', settings.username);
  show('apiKey', settings.apiKey === undefined ? undefined : redactKey(settings.apiKey));
  show('apiUrl', settings.apiUrl);
  show('defaultCountry', settings.defaultCountry);
  show('ledger', redactLocation(settings.ledgerLocation));
  show('retryDelay', settings.retryDelayMs / 1000);
  show('timeout', settings.timeoutMs / 1000);
  show('duplicateWindow', settings.duplicateWindowMs / 1000);
  show('repeatWindow', settings.repeatWindowMs / 1000);
  show('retries', settings.retries);
  show('maxNumRetry', settings.maxNumRetry);
  show('concurrency', settings.concurrency);
  show('rate', settings.rate);
  for (const kind of ['perRecipient', 'perRun', 'daily'] as const) {
    const configured = settings.limits[kind];
    for (const market of MARKETS) {
      // perRecipient's defaults live in the core rules, not in the settings; perRun has none.
      const minor = configured[market.currency] ?? (kind === 'perRecipient' ? defaultMaxMinor(market) : undefined);
      if (minor !== undefined) show(`limits.${kind}.${market.currency}`, formatAmount(minor, market));
    }
    if (!MARKETS.some((market) => `limits.${kind}.${market.currency}` in values)) show(`limits.${kind}`, undefined);
  }
  for (const [key, value] of Object.entries(settings.serve)) show(`serve.${key}`, value as ShownValue['value'] | undefined);
  return { values, files: settings.files, exitCode: EXIT.OK };
}

export async function configPath(
  options: { all?: boolean | undefined },
  ctx: Pick<Context, 'settings' | 'flags' | 'env' | 'cwd'>,
): Promise<ConfigPathResult> {
  const search = { cwd: ctx.cwd, env: ctx.env, flags: { config: ctx.flags.config, profile: ctx.flags.profile } };
  // A diagnostic that works when the configuration does not: that is when it is needed most.
  let problem: string | null = null;
  let files: SearchedPlace[] = [];
  let settings: Settings | undefined;
  try {
    files = searchConfigFiles(search).searched;
    settings = await ctx.settings();
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    problem = error.message;
  }
  const fromEnv = ctx.env.AIRTIME_LEDGER;
  let ledger = settings?.ledgerLocation ?? defaultLedgerPath(ctx.env);
  if (settings === undefined && fromEnv) {
    // The configuration failed to load; the environment's ledger is still worth showing, if it is one.
    try {
      ledger = resolveLedgerLocation(fromEnv, ctx.cwd, 'environment AIRTIME_LEDGER');
    } catch {
      ledger = fromEnv;
    }
  }
  const shared = /^postgres(ql)?:\/\//i.test(ledger);
  // A shared ledger is not looked for here: `status` or `doctor` connect to it.
  return {
    files,
    userFile: userConfigFile(ctx.env),
    all: Boolean(options.all),
    ledger: { path: redactLocation(ledger), exists: shared ? null : existsSync(ledger) },
    problem,
    exitCode: EXIT.OK,
  };
}

/** Changing a file's settings is loaded only by the commands that do it (a file of its own in dist/). */
const editing = () => import('../config/edit.js');

export interface ConfigKeyOptions {
  key: string;
  /** The project file (the one the search finds from here, else .airtimerc here) instead of the user config. */
  project?: boolean | undefined;
}

type EditContext = Pick<Context, 'cwd' | 'env' | 'flags' | 'settings'>;

/**
 * `config get <key>`: the value in use and where it came from, as `config show` has it (with
 * --profile, the profile's); with --project, what the project file itself says.
 */
export async function configGet(options: ConfigKeyOptions, ctx: EditContext): Promise<ConfigGetResult> {
  const { parseSettingKey, settingAt } = await editing();
  const profile = ctx.flags.profile ?? ctx.env.AIRTIME_PROFILE;
  const key = parseSettingKey(options.key, 'get', profile);
  const notSet = (where: string) =>
    new AirtimeError('NOT_FOUND', `${key.name} is not set${where}`, {
      hint: `\`airtime config set ${key.name} <value>\` sets it`,
      details: { key: key.name, value: null },
    });
  if (options.project) {
    const path = projectFile(ctx);
    const values = existsSync(path) ? ((await readConfigFile(path)) ?? {}) : {};
    const value = settingAt(values as Record<string, unknown>, key.path);
    if (value === undefined) throw notSet(` in ${path}`);
    return { key: key.name, value: shownSetting(key.name, value), source: path, exitCode: EXIT.OK };
  }
  const settings = await ctx.settings();
  if (key.name === 'apiKeyFile') {
    const source = settings.sources.apiKey;
    if (!source?.startsWith('file ')) throw notSet('');
    return {
      key: key.name,
      value: source.slice('file '.length),
      source: settings.sources.apiKeyFile ?? 'configuration',
      exitCode: EXIT.OK,
    };
  }
  const shown = (await configShow(ctx)).values[key.name];
  if (shown === undefined || shown.value === null) throw notSet('');
  return { key: key.name, value: shown.value, source: shown.source, exitCode: EXIT.OK };
}

export interface ConfigSetOptions extends ConfigKeyOptions {
  value: string;
}

/**
 * `config set <key> <value>`: the user config (or --config's file, or with --project the project
 * file) gets the value, checked as loading checks it (a change loading would refuse is refused
 * here, nothing written), in the file's own format, mode 0600 (a project file keeps its own).
 */
export async function configSet(options: ConfigSetOptions, ctx: EditContext): Promise<ConfigEditResult> {
  const { parseSettingKey, parseSettingValue } = await editing();
  const key = parseSettingKey(options.key, 'set', ctx.flags.profile ?? ctx.env.AIRTIME_PROFILE);
  const target = editTarget(options, ctx);
  let value = parseSettingValue(key, options.value);
  if (key.name === 'ledger' || key.name === 'apiKeyFile') value = storedPath(key.name, String(value), target.path, ctx.cwd);
  return editSetting(ctx, key, value, target);
}

/** `config unset <key>`: the key (or a group, `limits.daily`) taken out of the file; nothing when it was not there. */
export async function configUnset(options: ConfigKeyOptions, ctx: EditContext): Promise<ConfigEditResult> {
  const { parseSettingKey } = await editing();
  const key = parseSettingKey(options.key, 'unset', ctx.flags.profile ?? ctx.env.AIRTIME_PROFILE);
  return editSetting(ctx, key, undefined, editTarget(options, ctx));
}

async function editSetting(
  ctx: EditContext,
  key: SettingKey,
  value: unknown,
  target: { path: string; mode: number | undefined },
): Promise<ConfigEditResult> {
  const { readForEdit, renderEdit, settingAt, withSetting } = await editing();
  const file = await readForEdit(target.path);
  const previous = settingAt(file.values, key.path);
  const result: ConfigEditResult = {
    action: value === undefined ? 'unset' : 'set',
    key: key.name,
    profile: key.path[0] === 'profiles' ? (key.path[1] ?? null) : null,
    file: target.path,
    value: value === undefined ? null : shownSetting(key.name, value),
    previous: previous === undefined ? null : shownSetting(key.name, previous),
    changed: false,
    warnings: [],
    exitCode: EXIT.OK,
  };
  if (isDeepStrictEqual(previous, value)) return result;
  const next = withSetting(file.values, key.path, value);
  const settings = await checkChange(ctx, target.path, next);
  const text = await renderEdit(file, key.path, value, next);
  writePrivateFile(target.path, text, target.mode ?? 0o600);
  result.changed = true;
  if (settings) result.warnings.push(...warningsAfterEdit(settings, key, target.path, value !== undefined));
  if (key.name === 'ledger' && typeof value === 'string' && locationPassword(value) !== undefined) {
    result.warnings.push(`${target.path} now holds the database password: keep it in ~/.pgpass or PGPASSWORD instead, as psql does`);
  }
  return result;
}

/**
 * What loading says of the file holding `next`: a change that makes loading fail is refused
 * (exit 2, loading's own words, nothing written). A configuration that already fails the same
 * way is not this change's doing: the change is made, and the settings are unknown (undefined).
 */
async function checkChange(ctx: EditContext, path: string, next: Record<string, unknown>): Promise<Settings | undefined> {
  const base = { cwd: ctx.cwd, env: ctx.env, flags: { config: ctx.flags.config, profile: ctx.flags.profile } };
  let before: string | undefined;
  try {
    await loadSettings(base);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    before = error.message;
  }
  try {
    return await loadSettings({ ...base, pending: { path, values: next } });
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    if (error.message === before) return undefined;
    throw new AirtimeError('USAGE', error.message, { hint: `nothing was written${error.hint ? `; ${error.hint}` : ''}` });
  }
}

/** What still stands between the value written and the value in use. */
function warningsAfterEdit(settings: Settings, key: SettingKey, path: string, set: boolean): string[] {
  const warnings = [...settings.warnings];
  const refused = settings.refused.find((line) => line.startsWith(path));
  if (refused) warnings.push(refused);
  else if (!settings.files.includes(path)) {
    warnings.push(`${path} is not read from here (read: ${settings.files.join(', ') || 'none'}); run \`airtime config path\``);
  }
  // The value written is not the one in use: another source outranks this file.
  const source = settings.sources[key.name];
  if (set && source !== undefined && !source.startsWith(path)) {
    warnings.push(`${key.name} in use comes from ${source}, which takes precedence over ${path}`);
  }
  return warnings;
}

/** Which file a change goes to, and the mode it keeps. */
function editTarget(options: ConfigKeyOptions, ctx: Pick<Context, 'cwd' | 'env' | 'flags'>): { path: string; mode: number | undefined } {
  const explicit = ctx.flags.config ?? ctx.env.AIRTIME_CONFIG;
  if (options.project) {
    if (explicit !== undefined) {
      throw new AirtimeError(
        'USAGE',
        `--project does not go with ${ctx.flags.config ? '--config' : 'AIRTIME_CONFIG'}: that names the one file read`,
      );
    }
    const path = projectFile(ctx);
    // A project file keeps its mode (it may be shared on purpose); a new one is private.
    return { path, mode: existsSync(path) ? statSync(path).mode & 0o777 : undefined };
  }
  // The user's own files may hold the key: always 0600.
  return { path: explicit === undefined ? userConfigFile(ctx.env) : resolve(ctx.cwd, explicit), mode: 0o600 };
}

/** The project file the search reads from here (the nearest), or .airtimerc here when there is none. */
function projectFile(ctx: Pick<Context, 'cwd' | 'env'>): string {
  const { searched } = searchConfigFiles({ cwd: ctx.cwd, env: ctx.env });
  const found = searched.find(
    (place) =>
      place.kind === 'project' && place.exists && !isCodeFile(place.path) && (place.loaded || basename(place.path) !== 'package.json'),
  );
  return found?.path ?? join(ctx.cwd, '.airtimerc');
}

/**
 * A path typed on the command line as the file should hold it: loading reads a relative path from
 * the file's folder, so one typed relative to the working directory is stored whole, unless that
 * is the same folder. A postgres:// URL is kept as written; another URL is refused (exit 2).
 */
function storedPath(name: string, typed: string, configPath: string, cwd: string): string {
  if (name === 'ledger') {
    try {
      if (ledgerKind(typed, 'the ledger') === 'postgres') return typed;
    } catch (error) {
      if (error instanceof AirtimeError) {
        throw new AirtimeError('USAGE', error.message, {
          hint: `${(error.hint ?? '').replace(/; nothing was sent$/, '')}; nothing was written`,
        });
      }
      throw error;
    }
  }
  return storedKeyFilePath(typed, expandPath(typed, cwd), configPath, cwd);
}

/** A setting as people may see it: the API key as its last 4 characters, a database URL without its password. */
function shownSetting(name: string, value: unknown): ShownValue['value'] {
  if (name === 'apiKey') return typeof value === 'string' ? redactKey(value) : '…';
  if (name === 'ledger' && typeof value === 'string') return redactLocation(value);
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'number' || typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * After writing: loads the configuration the way the next command will, and says what still
 * overrides what was written (an environment variable, a closer file, --config).
 */
async function checkWritten(
  ctx: Pick<Context, 'cwd' | 'env' | 'flags'>,
  path: string,
  expected: { keySource: string; username: boolean },
): Promise<string[]> {
  let settings: Settings;
  try {
    settings = await loadSettings({ cwd: ctx.cwd, env: ctx.env, flags: { config: ctx.flags.config, profile: ctx.flags.profile } });
  } catch (error) {
    if (error instanceof AirtimeError) return [`the configuration does not load now: ${error.message}`];
    throw error;
  }
  const warnings = [...settings.warnings];
  if (!settings.files.includes(path)) {
    warnings.push(`${path} is not read from here (read: ${settings.files.join(', ') || 'none'}); run \`airtime config path\``);
  }
  const { username, apiKey } = settings.sources;
  if (expected.username && username !== undefined && !username.startsWith(path)) {
    warnings.push(`username "${settings.username}" comes from ${username}, which takes precedence over ${path}`);
  }
  // With the key in AT_API_KEY, its absence now is expected: the result says to export it.
  if (apiKey !== undefined && apiKey !== expected.keySource) {
    const intended = expected.keySource.replace(/^file /, '');
    warnings.push(
      expected.keySource === 'environment AT_API_KEY'
        ? `until AT_API_KEY is set, the API key in use comes from ${apiKey}`
        : `the API key in use comes from ${apiKey}, which takes precedence over ${intended}`,
    );
  }
  return warnings;
}

function requireInitFlags(options: ConfigInitOptions, keySource: KeySource | undefined): void {
  const missing = [
    options.username === undefined && '--username',
    keySource === undefined && '--key-source',
    keySource === 'file' && options.keyFile === undefined && '--key-file',
  ].filter((flag): flag is string => typeof flag === 'string');
  if (missing.length > 0) {
    throw new AirtimeError('USAGE', `missing ${missing.join(', ')}: config init cannot ask for them without a terminal`, {
      hint: 'e.g. airtime config init --username sandbox --key-source env --default-country KE',
    });
  }
}

/** --key-source, or file when only --key-file is given. */
function parseKeySource(options: ConfigInitOptions): KeySource | undefined {
  const value = options.keySource ?? (options.keyFile === undefined ? undefined : 'file');
  if (value === 'project') {
    throw new AirtimeError('USAGE', 'the API key is never stored in a project file: it ends up in git', {
      hint: '--key-source user keeps it in your user config (mode 0600); env and file are the other choices',
    });
  }
  if (value !== undefined && !(KEY_SOURCES as readonly string[]).includes(value)) {
    throw new AirtimeError('USAGE', `--key-source ${value}: use env, file or user`);
  }
  if (options.keyFile !== undefined && value !== 'file') {
    throw new AirtimeError('USAGE', `--key-file goes with --key-source file, not ${value}`);
  }
  return value as KeySource | undefined;
}

/** A flag's value, or exit 2 naming the flag and what is wrong with it. */
function checkFlag(flag: string, value: string, problem: (value: string) => string | undefined): string {
  const reason = problem(value);
  if (reason !== undefined) throw new AirtimeError('USAGE', `${flag}: ${reason}`);
  return value;
}

function limitsFlag(flag: string, texts: string[]): Record<string, number> {
  const limits = parseLimits(texts.join(','));
  if (typeof limits === 'string') throw new AirtimeError('USAGE', `${flag}: ${limits}`);
  return limits;
}

function usernameProblem(value: string): string | undefined {
  const name = value.trim();
  if (name === '') return 'the username is empty';
  return /\s/.test(name) ? 'the username is one word, without spaces' : undefined;
}

function countryProblem(value: string): string | undefined {
  return isCountryCode(value.toUpperCase()) ? undefined : `${value} is not a supported country: use one of ${COUNTRY_CODES.join(', ')}`;
}

/**
 * "KES=5000, UGX 100000" → {KES: 5000, UGX: 100000}, each amount checked with the money rules
 * config files are checked with; a string says what is wrong.
 */
function parseLimits(text: string): Record<string, number> | string {
  const limits: Record<string, number> = {};
  for (const item of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]{3})\s*[=:\s]\s*(\S+)$/.exec(item);
    if (!match) return `"${item}" is not a limit: write CURRENCY=AMOUNT, e.g. KES=5000`;
    const currency = (match[1] ?? '').toUpperCase();
    const market = marketByCurrency(currency);
    if (!market) return `${currency} is not a supported currency: use one of ${CURRENCY_CODES.join(', ')}`;
    try {
      limits[currency] = Number(formatAmount(parseAmount(match[2] ?? '', market), market));
    } catch (error) {
      if (error instanceof AirtimeError) return `${currency}: ${error.message}`;
      throw error;
    }
  }
  return limits;
}

async function askKeySource(ctx: Pick<Context, 'prompter' | 'env'>, scope: 'project' | 'user'): Promise<KeySource> {
  return ctx.prompter.select<KeySource>('Where should the API key live?', [
    { value: 'env', name: 'In the environment variable AT_API_KEY (nothing stored)' },
    { value: 'file', name: 'In a key file of its own, which the config names' },
    {
      value: 'user',
      name: `In your user config, ${userConfigFile(ctx.env)} (mode 0600)`,
      ...(scope === 'project' ? { description: 'never in the project file: that ends up in git' } : {}),
    },
  ]);
}

async function askCountry(ctx: Pick<Context, 'prompter'>): Promise<string | undefined> {
  const answer = await ctx.prompter.text({
    message: 'Default country for national numbers like 0712345678 (e.g. KE; empty for none)',
    validate: (value) => (value.trim() === '' ? undefined : countryProblem(value.trim())),
  });
  return answer.trim().toUpperCase() || undefined;
}

async function askLimits(ctx: Pick<Context, 'prompter'>): Promise<LimitAnswers> {
  const wanted = await ctx.prompter.confirm('Set your own limits? (defaults: about USD 75 a recipient, USD 750 a day)', false);
  if (!wanted) return {};
  const limits: LimitAnswers = {};
  const ask = async (message: string) => {
    const answer = await ctx.prompter.text({
      message: `${message} (e.g. KES=5000, UGX=100000; empty for the defaults)`,
      validate: (value) => {
        const parsed = parseLimits(value);
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    const parsed = parseLimits(answer);
    return typeof parsed === 'string' || Object.keys(parsed).length === 0 ? undefined : parsed;
  };
  const perRecipient = await ask('Most one recipient may get in one send, per currency');
  if (perRecipient) limits.perRecipient = perRecipient;
  const daily = await ask('Most sent in any 24 hours, per currency');
  if (daily) limits.daily = daily;
  return limits;
}

/**
 * The key from a hidden prompt at a terminal, else from stdin. Never from a flag. Off a terminal
 * a stdin that is itself a terminal is refused rather than waited on.
 */
async function readKey(ctx: Pick<Context, 'output' | 'prompter' | 'notify'>, message: string): Promise<string> {
  if (ctx.output.interactive) {
    for (;;) {
      const key = (await ctx.prompter.secret(message)).trim();
      const problem = keyProblem(key);
      if (problem === undefined) return key;
      ctx.notify({ kind: 'warning', message: problem });
    }
  }
  const { stdin } = ctx.output.streams;
  const hint = `pipe it in, e.g. printf '%s' "$KEY" | airtime config set-key (never a flag: flags leak into shell history and ps)`;
  if (stdin.isTTY) {
    throw new AirtimeError('USAGE', 'no API key: without prompts it is read from stdin, and stdin is a terminal', { hint });
  }
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  const key = text.trim();
  const problem = keyProblem(key);
  if (problem !== undefined) throw new AirtimeError('USAGE', `${problem} on stdin`, { hint });
  return key;
}

function keyProblem(key: string): string | undefined {
  if (key === '') return 'no API key';
  if (/\s/.test(key)) return 'the API key must be one line without spaces';
  const character = keyCharacterProblem(key);
  return character === undefined ? undefined : `the API key holds ${character}, so it cannot travel in an HTTP header`;
}

function keyFileProblem(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const stats = statSync(path);
  if (stats.isDirectory()) return `${path} is a folder`;
  return stats.size === 0 ? `${path} is empty` : undefined;
}

/**
 * apiKeyFile as the config should hold it: relative paths are read from the config file's folder,
 * so a path typed relative to the working directory is kept only when that is the same folder.
 */
function storedKeyFilePath(typed: string, absolute: string, configPath: string, cwd: string): string {
  const trimmed = typed.trim();
  if (trimmed.startsWith('~') || isAbsolute(trimmed)) return trimmed;
  return dirname(configPath) === resolve(cwd) ? trimmed : absolute;
}

/** Whether a path is inside a folder (the user's config folder, say). */
function isInside(path: string, folder: string): boolean {
  return resolve(path).startsWith(`${resolve(folder)}/`);
}
