import { type Market, marketByCurrency } from './countries.js';
import { AirtimeError } from './errors.js';

// Money never passes through binary floating point: the user's decimal text becomes an integer
// count of minor units once, here, and every sum, cap and wire amount is made from that integer.

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;
/** More digits than any airtime amount needs, and few enough to stay a safe integer. */
const MAX_INTEGER_DIGITS = 12;

function scaleOf(market: Market): number {
  return 10 ** market.decimals;
}

/** Parses a decimal text ("50", "50.5", "50.25") into minor units of the market's currency. */
export function parseAmount(input: string | number, market: Market): number {
  const text = String(input).trim();
  // Built only for an error message: a million-row file parses a million amounts.
  const allowed = () =>
    market.decimals === 0
      ? `a whole number of ${market.currency}, e.g. ${market.floor * 10}`
      : `a positive number with at most ${market.decimals} decimals, e.g. 50 or 50.25`;
  const match = DECIMAL.exec(text);
  if (!match) {
    const shown = text === '' ? 'an empty amount' : `"${text}"`;
    throw new AirtimeError('INVALID_AMOUNT', `${shown} is not an amount: use ${allowed()}`);
  }
  const whole = match[1] ?? '';
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > market.decimals) {
    throw new AirtimeError(
      'INVALID_AMOUNT',
      market.decimals === 0
        ? `${market.currency} has no minor units: ${text} must be ${allowed()}`
        : `${text} has more than ${market.decimals} decimals: use ${allowed()}`,
    );
  }
  if (whole.replace(/^0+/, '').length > MAX_INTEGER_DIGITS) {
    throw new AirtimeError('AMOUNT_OUT_OF_RANGE', `${text} ${market.currency} is far above any airtime limit`);
  }
  const minor = Number(whole) * scaleOf(market) + Number(fraction.padEnd(market.decimals, '0') || '0');
  if (minor === 0) {
    throw new AirtimeError('INVALID_AMOUNT', `the amount must be more than 0: use ${allowed()}`);
  }
  return minor;
}

/** Checks a parsed amount against the currency's floor and the per-recipient maximum (minor units). */
export function checkAmountRange(minor: number, market: Market, maxMinor: number): void {
  const floorMinor = market.floor * scaleOf(market);
  if (minor < floorMinor) {
    throw new AirtimeError(
      'AMOUNT_OUT_OF_RANGE',
      `${formatMoney(minor, market)} is below the ${market.currency} minimum of ${formatMoney(floorMinor, market)}`,
    );
  }
  if (minor > maxMinor) {
    throw new AirtimeError(
      'AMOUNT_OUT_OF_RANGE',
      `${formatMoney(minor, market)} is above the per-recipient limit of ${formatMoney(maxMinor, market)}`,
      { hint: `raise limits.perRecipient.${market.currency} in your config if this is intended` },
    );
  }
}

/**
 * Minor units of a currency code read back from the ledger, as text ("50.00"). A code this tool
 * no longer knows (a row from a future version) is shown as its raw minor units, not refused.
 */
export function formatMinorOf(currency: string, minor: number): string {
  const market = marketByCurrency(currency);
  return market ? formatAmount(minor, market) : String(minor);
}

/** "50.00" for KES 5000 minor units, "500" for UGX 500. */
export function formatAmount(minor: number, market: Pick<Market, 'decimals'>): string {
  if (market.decimals === 0) return String(minor);
  const scale = 10 ** market.decimals;
  const whole = Math.trunc(minor / scale);
  const fraction = String(Math.abs(minor % scale)).padStart(market.decimals, '0');
  return `${minor < 0 && whole === 0 ? '-' : ''}${whole}.${fraction}`;
}

/** "KES 50.00": the form Africa's Talking expects in `recipients[].amount`. */
export function formatMoney(minor: number, market: Pick<Market, 'decimals' | 'currency'>): string {
  return `${market.currency} ${formatAmount(minor, market)}`;
}

/**
 * An amount as Africa's Talking reports it ("KES 40.0000", "USD 0.4350", "KES 1,234.5"), kept at
 * 4 decimals in its own currency: discounts and balances may be in the account's currency.
 */
export interface ReportedMoney {
  currency: string;
  /** The value in ten-thousandths of the currency's unit. */
  units4: number;
}

const REPORTED = /^([A-Z]{3})\s+(-?[\d,]+)(?:\.(\d+))?$/;

export function parseReportedMoney(text: unknown): ReportedMoney | null {
  if (typeof text !== 'string') return null;
  const match = REPORTED.exec(text.trim());
  if (!match) return null;
  const [, currency = '', wholeText = '', fractionText = ''] = match;
  const whole = wholeText.replace(/,/g, '');
  if (!/^-?\d+$/.test(whole) || whole.replace(/^-?0*/, '').length > MAX_INTEGER_DIGITS) return null;
  // Round half up past the fourth decimal; AT sends 4, so this only guards odd inputs.
  const padded = fractionText.padEnd(5, '0');
  let fraction = Number(padded.slice(0, 4));
  if (Number(padded[4]) >= 5) fraction += 1;
  const negative = whole.startsWith('-');
  const units4 = Math.abs(Number(whole)) * 10_000 + fraction;
  return { currency, units4: negative ? -units4 : units4 };
}

/** "KES 2.0000" */
export function formatReportedMoney(money: ReportedMoney): string {
  return `${money.currency} ${formatUnits4(money.units4)}`;
}

/** 1234.5 as units4 → "1234.5000", or with `short` "1234.50" (4 decimals only when needed). */
export function formatUnits4(units4: number, short = false): string {
  const sign = units4 < 0 ? '-' : '';
  const abs = Math.abs(units4);
  const fraction = String(abs % 10_000).padStart(4, '0');
  const shown = short && fraction.endsWith('00') ? fraction.slice(0, 2) : fraction;
  return `${sign}${Math.trunc(abs / 10_000)}.${shown}`;
}

/** Minor units of a market's currency as ten-thousandths, to compare with reported money. */
export function minorToUnits4(minor: number, market: Pick<Market, 'decimals'>): number {
  return minor * 10 ** (4 - market.decimals);
}
