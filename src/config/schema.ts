// What a config file may hold: every key with its type, its default, and what a project file (a
// folder the user happens to stand in) may do with it. One table, read by loading, by `config init`
// and by the documentation tests.
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

export interface KeySpec {
  check: Check;
  /** The default, in the unit the file uses (seconds, currency units); undefined for none. */
  default?: number;
  project: ProjectRule;
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
  username: { check: isString, project: 'allowed' },
  apiKey: { check: isString, project: 'allowed' },
  apiKeyFile: { check: isString, project: 'user-config-folder' },
  apiUrl: { check: isUrl, project: 'sandbox-only' },
  defaultCountry: { check: isCountry, project: 'allowed' },
  ledger: { check: isString, project: 'forbidden' },
  retryDelay: { check: isNonNegative, default: 1, project: 'allowed' },
  timeout: { check: isPositive, default: 30, project: 'allowed' },
  duplicateWindow: { check: isWindow, default: 300, project: 'tighten' },
  repeatWindow: { check: isNonNegative, default: 900, project: 'tighten' },
  retries: { check: isCount, default: 3, project: 'allowed' },
  maxNumRetry: { check: isRetryCount, project: 'allowed' },
  concurrency: { check: isConcurrency, default: 4, project: 'allowed' },
  rate: { check: isPositive, project: 'allowed' },
  limits: { check: isObject, project: 'tighten' },
  serve: { check: isObject, project: 'allowed' },
  profiles: { check: isObject, project: 'allowed' },
};

export const CONFIG_KEYS = Object.keys(KEYS);
export const LIMIT_KINDS = ['perRecipient', 'perRun', 'daily'] as const;
export type LimitKind = (typeof LIMIT_KINDS)[number];

export const SERVE_KEYS: Record<string, KeySpec> = {
  validationMaxAge: { check: isPositive, default: 600, project: 'tighten' },
  allowedSourceIps: { check: isStringList, project: 'tighten' },
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
