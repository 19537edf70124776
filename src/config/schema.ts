// What a config file may hold: every key with its type, its default, and what a project file (a
// folder the user happens to stand in) may do with it. One table, read by loading, by `config init`,
// by `airtime help config` and `airtime help environment`, and by the documentation tests.
import { type CountryCode, isCountryCode, isCurrencyCode, marketByCurrency } from '../core/countries.js';
import { AirtimeError } from '../core/errors.js';
import { parseAmount } from '../core/money.js';
import type { MoneyLimits } from '../core/recipient.js';

export interface Limits {
  perRecipient: MoneyLimits;
  perRun: MoneyLimits;
  daily: MoneyLimits;
}

export interface ServeSettings {
  /** How old a ledger transaction may be and still be validated (seconds). */
  validationMaxAge: number;
  /** When set, validation callbacks must name one of these source IPs. */
  allowedSourceIps: string[] | undefined;
}

export interface Settings {
  username: string | undefined;
  apiKey: string | undefined;
  apiUrl: string | undefined;
  defaultCountry: CountryCode | undefined;
  ledgerLocation: string;
  retryDelayMs: number;
  timeoutMs: number;
  duplicateWindowMs: number;
  /** The single-send repeat guard's window for accepted sends; 0 turns that part off. */
  repeatWindowMs: number;
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
  /**
   * Config files that were refused (code, or a project file another user could have written):
   * none of their values is used. A command that sends or writes the ledger exits 4 on them; a
   * read-only one prints them as warnings.
   */
  refused: string[];
}

export type Raw = Record<string, unknown>;

/** Checks a value; returns what was expected when it does not fit, undefined when it does. */
export type Check = (value: unknown) => string | undefined;

/**
 * What a project file may do with a key. `user-config-folder`: only a file inside the user's config
 * folder (apiKeyFile); `sandbox-only`: only with the username sandbox (apiUrl); `tighten`: only a
 * stricter value than the user's own (the looser one is ignored with a warning).
 */
export type ProjectRule = 'allowed' | 'forbidden' | 'user-config-folder' | 'sandbox-only' | 'tighten';

/** What each rule lets a project file do, as `airtime help config` says it. */
export const PROJECT_RULES: Readonly<Record<ProjectRule, string>> = {
  allowed: 'may set it',
  forbidden: 'may not set it (exit 4 naming the file): only your user config or the environment',
  'user-config-folder': 'may name only a file inside your user config folder, owned by you and readable by nobody else',
  'sandbox-only': 'may set it only with the username sandbox (else exit 4)',
  tighten: 'may only tighten yours: a looser value is ignored, with a warning',
};

export interface KeySpec {
  check: Check;
  /** The default, in the unit the file uses (seconds, currency units); undefined for none. */
  default?: number;
  project: ProjectRule;
  /** What it is, in a line: `airtime help config` prints it. */
  summary: string;
  /** The environment variable that sets it, over every config file. */
  env?: string;
  /** The flag that sets it for one run, over the environment: as --help writes it. */
  flag?: string;
}

const isString: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'a non-empty string');
const isPositive: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'a number above 0');
const isNonNegative: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'a number, 0 or more');
const isCount: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 100 ? undefined : 'a whole number from 0 to 100';
const isRetryCount: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100
    ? undefined
    : "a whole number from 1 to 100 (leave it out for Africa's Talking's default)";
const isConcurrency: Check = (v) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 64 ? undefined : 'a whole number from 1 to 64';
const isWindow: Check = (v) => (typeof v === 'number' && v > 0 && v <= 300 ? undefined : 'a number of seconds above 0 and at most 300');
const isCountry: Check = (v) =>
  typeof v === 'string' && isCountryCode(v.toUpperCase())
    ? undefined
    : 'a supported country code (KE, UG, TZ, NG, RW, MW, ZM, ZA, ET, GH, CI)';
const isUrl: Check = (v) => {
  if (typeof v !== 'string') return 'an http(s) URL';
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol) ? undefined : 'an http(s) URL';
  } catch {
    return 'an http(s) URL';
  }
};
export const isObject: Check = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'an object');
const isStringList: Check = (v) => (Array.isArray(v) && v.every((item) => typeof item === 'string') ? undefined : 'a list of strings');

/** Every key a config file may hold; anything else is warned about. */
export const KEYS: Record<string, KeySpec> = {
  username: {
    check: isString,
    project: 'allowed',
    env: 'AT_USERNAME',
    summary: 'the Africa\'s Talking username; exactly "sandbox" selects the sandbox, any other name is live',
  },
  apiKey: {
    check: isString,
    project: 'allowed',
    env: 'AT_API_KEY',
    summary: 'the API key; best in AT_API_KEY, a key file or the user config (0600), never in a file git can see',
  },
  apiKeyFile: {
    check: isString,
    project: 'user-config-folder',
    summary: "a file holding the API key (a relative path is read from the config file's folder)",
  },
  apiUrl: {
    check: isUrl,
    project: 'sandbox-only',
    env: 'AIRTIME_API_URL',
    summary: "the API's base URL instead of the username's host, e.g. the emulator's; plain http only to this machine",
  },
  defaultCountry: {
    check: isCountry,
    project: 'allowed',
    flag: '--country',
    summary: 'the country of national numbers such as 0712345678; without it they are refused',
  },
  ledger: {
    check: isString,
    project: 'forbidden',
    env: 'AIRTIME_LEDGER',
    summary: 'where transactions are recorded: a SQLite file, or a postgres:// URL for a ledger several hosts share',
  },
  retryDelay: {
    check: isNonNegative,
    default: 1,
    project: 'allowed',
    summary: 'seconds before the first retry of a transient failure, doubling for each further one (with jitter)',
  },
  timeout: { check: isPositive, default: 30, project: 'allowed', flag: '--timeout', summary: 'seconds per request (fractions allowed)' },
  duplicateWindow: {
    check: isWindow,
    default: 300,
    project: 'tighten',
    summary: "Africa's Talking's duplicate window in seconds (at most 300): a key is resent automatically only inside it",
  },
  repeatWindow: {
    check: isNonNegative,
    default: 900,
    project: 'tighten',
    summary: 'seconds during which a send without --key refuses to pay the same number, amount and currency again (0: off)',
  },
  retries: {
    check: isCount,
    default: 3,
    project: 'allowed',
    flag: '--retries',
    summary: 'retries after the first attempt for transient failures',
  },
  maxNumRetry: {
    check: isRetryCount,
    project: 'allowed',
    flag: '--max-num-retry',
    summary: "passed to Africa's Talking as maxNumRetry, its own delivery retries (1 or more; none: its default)",
  },
  concurrency: {
    check: isConcurrency,
    default: 4,
    project: 'allowed',
    flag: '--concurrency',
    summary: 'bulk sends: requests in flight at once',
  },
  rate: {
    check: isPositive,
    project: 'allowed',
    flag: '--rate',
    summary: 'bulk sends: at most this many requests per second (none: as fast as the concurrency allows)',
  },
  limits: { check: isObject, project: 'tighten', summary: 'amounts per currency, in its unit: perRecipient, perRun and daily (below)' },
  serve: {
    check: isObject,
    project: 'allowed',
    summary: "airtime serve's validation rules: validationMaxAge and allowedSourceIps (below)",
  },
  profiles: {
    check: isObject,
    project: 'allowed',
    summary: "named sets of these keys, one chosen with --profile NAME or AIRTIME_PROFILE, over the files' own",
  },
};

export const CONFIG_KEYS = Object.keys(KEYS);
export const LIMIT_KINDS = ['perRecipient', 'perRun', 'daily'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

/** What each of `limits` holds, per currency, as `airtime help config` says it. */
export const LIMIT_SUMMARIES: Readonly<Record<LimitKind, string>> = {
  perRecipient: 'most one recipient may get in one send',
  perRun: 'most one run (a single send, or a whole file) may send',
  daily: 'most sent in any 24 hours (pending, sent, delivered and unknown count), per account and environment',
};

export const SERVE_KEYS: Record<string, KeySpec> = {
  validationMaxAge: {
    check: isPositive,
    default: 600,
    project: 'tighten',
    summary: 'seconds a transaction may be old and still be approved by the validation callback',
  },
  allowedSourceIps: {
    check: isStringList,
    project: 'tighten',
    summary: 'when set, the validation callback approves only sends whose sourceIpAddress is one of these (none: any)',
  },
};

/** Checks one file's (or profile's) values: exit 4 naming the key for a wrong type; unknown keys are warnings. */
export function validateLayer(values: Raw, source: string, warnings: string[]): void {
  for (const [key, value] of Object.entries(values)) {
    const spec = Object.hasOwn(KEYS, key) ? KEYS[key] : undefined;
    if (!spec) {
      warnings.push(`unknown config key "${key}" in ${source} (ignored)`);
      continue;
    }
    checkValue(key, value, source, spec.check);
  }
  const limits = values.limits as Raw | undefined;
  if (limits) {
    for (const [kind, perCurrency] of Object.entries(limits)) {
      if (!(LIMIT_KINDS as readonly string[]).includes(kind)) {
        warnings.push(`unknown config key "limits.${kind}" in ${source} (ignored)`);
        continue;
      }
      checkValue(`limits.${kind}`, perCurrency, source, isObject);
      for (const [currency, amount] of Object.entries(perCurrency as Raw))
        parseLimit(`limits.${kind}.${currency}`, currency, amount, source);
    }
  }
  const serve = values.serve as Raw | undefined;
  if (serve) {
    for (const [key, value] of Object.entries(serve)) {
      const spec = Object.hasOwn(SERVE_KEYS, key) ? SERVE_KEYS[key] : undefined;
      if (!spec) warnings.push(`unknown config key "serve.${key}" in ${source} (ignored)`);
      else checkValue(`serve.${key}`, value, source, spec.check);
    }
  }
}

export function checkValue(key: string, value: unknown, source: string, check: Check | undefined): void {
  const expected = check?.(value);
  if (expected !== undefined) {
    // The value is shown to help fix it, except a key's: an error message is no place for a secret.
    const shown = key === 'apiKey' ? `a ${Array.isArray(value) ? 'list' : typeof value}` : (JSON.stringify(value) ?? String(value));
    throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source} must be ${expected} (got ${shown})`);
  }
}

/** A `limits.<kind>.<CUR>` value in minor units. */
export function parseLimit(key: string, currency: string, amount: unknown, source: string): number {
  const market = isCurrencyCode(currency) ? marketByCurrency(currency) : undefined;
  if (!market) throw new AirtimeError('CONFIG_ERROR', `config key ${key} in ${source}: ${currency} is not a supported currency`);
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
