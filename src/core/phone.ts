import { type MetadataJson, type PhoneNumber, parsePhoneNumberWithError } from 'libphonenumber-js/core';
import { MARKETS, type Market, marketByCountry } from './countries.js';
import { AirtimeError } from './errors.js';
import metadataJson from './phone-metadata.json' with { type: 'json' };

// "max" metadata cut to the supported countries at build time (scripts/build.mjs): the only kind
// that can tell a mobile number from a landline.
const metadata = metadataJson as unknown as MetadataJson;

export interface Phone {
  /** E.164, the form sent to Africa's Talking: `+254712345678`. */
  e164: string;
  market: Market;
}

const SUPPORTED = MARKETS.map((m) => `${m.country} (+${m.callingCode})`).join(', ');
/** The same, short enough for a prompt's error line. */
const COUNTRY_LIST = MARKETS.map((m) => `+${m.callingCode}`).join(', ');
const ALLOWED_CHARACTERS = /^[+\d\s().-]+$/;

/**
 * Where the number was typed, which decides what an error may advise: `flags` on a command line or
 * in a file (pass --country), `prompt` at a question, where no flag can be passed.
 */
export type PhoneAdvice = 'flags' | 'prompt';

/**
 * Parses what a person typed into a mobile number of a supported country.
 * `+254712345678`, `+254 712 345 678`, `254712345678` and `00254712345678` are one number;
 * `0712345678` needs `country` (from `--country` or `defaultCountry`).
 */
export function parsePhone(input: string, country?: string, advice: PhoneAdvice = 'flags'): Phone {
  const text = input.trim();
  if (text === '') throw invalid(input, 'a phone number is required, e.g. +254712345678');
  if (text.length > 40 || !ALLOWED_CHARACTERS.test(text)) {
    throw invalid(input, 'use digits with an optional leading +, e.g. +254712345678');
  }
  const defaultMarket = country === undefined ? undefined : requireMarket(country);
  const digits = text.replace(/\D/g, '');
  const explicit = text.startsWith('+') || text.startsWith('00');

  if (explicit || !text.startsWith('0')) {
    const e164 = `+${text.startsWith('00') ? digits.slice(2) : digits}`;
    const market = MARKETS.find((m) => e164.startsWith(`+${m.callingCode}`));
    if (explicit && !market) {
      const where = advice === 'prompt' ? COUNTRY_LIST : SUPPORTED;
      throw new AirtimeError('UNSUPPORTED_COUNTRY', `${text} is not in a country Africa's Talking sells airtime in (${where})`);
    }
    // Bare digits are read as international first (254712345678); they fall back to a national
    // number without its trunk 0 (712345678 with --country KE) only when that reading fails.
    if (market) {
      const parsed = tryParse(e164);
      if (explicit || !defaultMarket || parsed?.getType() !== undefined) return checkMobile(input, parsed, market);
    }
  }
  if (!defaultMarket) {
    if (advice === 'prompt') {
      throw new AirtimeError('INVALID_PHONE', `${text} has no country code: type it with one, e.g. +254712345678`);
    }
    throw new AirtimeError('INVALID_PHONE', `${text} has no country code: write it as +254… or pass --country (e.g. --country KE)`, {
      hint: 'set defaultCountry in your config to read national numbers without --country',
    });
  }
  const parsed = tryParse(text, defaultMarket);
  if (!parsed || parsed.country !== defaultMarket.country) {
    throw invalid(input, `it is not a valid ${defaultMarket.name} number`);
  }
  return checkMobile(input, parsed, defaultMarket);
}

function checkMobile(input: string, parsed: PhoneNumber | undefined, market: Market): Phone {
  // With "max" metadata libphonenumber's isValid() is getType() !== undefined, so the type is
  // computed once here rather than twice: phone checks are most of `validate --file`'s time.
  const type = parsed?.getType();
  if (!parsed || type === undefined || parsed.country !== market.country) {
    throw invalid(input, `it is not a valid ${market.name} number`);
  }
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') {
    throw invalid(input, `it is a ${type.toLowerCase().replace(/_/g, '-')} number; airtime can only go to a mobile number`);
  }
  return { e164: parsed.number, market };
}

function tryParse(text: string, market?: Market): PhoneNumber | undefined {
  try {
    return market
      ? parsePhoneNumberWithError(text, { defaultCountry: market.country }, metadata)
      : parsePhoneNumberWithError(text, metadata);
  } catch {
    return undefined;
  }
}

export function requireMarket(country: string): Market {
  const market = marketByCountry(country);
  if (!market) {
    throw new AirtimeError('UNSUPPORTED_COUNTRY', `country ${country} is not supported; use one of ${SUPPORTED}`);
  }
  return market;
}

function invalid(input: string, reason: string): AirtimeError {
  const shown = input.trim() === '' ? '(empty)' : input.trim();
  return new AirtimeError('INVALID_PHONE', `invalid phone number ${shown}: ${reason}`);
}
