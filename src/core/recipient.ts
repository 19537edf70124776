import { CURRENCY_CODES, type CurrencyCode, isCurrencyCode, type Market, marketByCurrency } from './countries.js';
import { AirtimeError } from './errors.js';
import { checkAmountRange, parseAmount } from './money.js';
import { parsePhone } from './phone.js';

/** Per-currency amounts in minor units (`limits.perRecipient`, `limits.perRun`, `limits.daily`). */
export type MoneyLimits = Partial<Record<CurrencyCode, number>>;

export interface RecipientInput {
  phone: string;
  /** Left out to check only the number (`airtime validate <phone>`). */
  amount?: string | number | undefined;
  /** An explicit currency; detected from the number's country when absent. */
  currency?: string | undefined;
  /** Country for national numbers (`--country`, `defaultCountry`). */
  country?: string | undefined;
}

/** One validated airtime recipient: a mobile number, its market, and an amount in minor units. */
export interface Recipient {
  phoneNumber: string;
  market: Market;
  amountMinor: number;
}

export interface RecipientCheck {
  /** Set when every rule passed and an amount was given. */
  recipient?: Recipient;
  phoneNumber?: string;
  market?: Market;
  amountMinor?: number;
  /** Every problem found, phone and amount alike, so a person fixes them in one go. */
  errors: AirtimeError[];
}

/** Applies every single-recipient rule: mobile number, matching currency, amount, floor, maximum. */
export function checkRecipient(input: RecipientInput, perRecipient: MoneyLimits = {}): RecipientCheck {
  const errors: AirtimeError[] = [];
  let market: Market | undefined;
  let phoneNumber: string | undefined;
  try {
    const phone = parsePhone(input.phone, input.country);
    phoneNumber = phone.e164;
    market = phone.market;
  } catch (error) {
    errors.push(asAirtimeError(error));
  }

  const currency = input.currency?.trim().toUpperCase();
  if (currency !== undefined && currency !== '') {
    if (!isCurrencyCode(currency)) {
      errors.push(
        new AirtimeError(
          'CURRENCY_MISMATCH',
          `${currency} is not a currency Africa's Talking sells airtime in: use one of ${CURRENCY_CODES.join(', ')}`,
        ),
      );
      market = undefined;
    } else if (market && market.currency !== currency) {
      errors.push(
        new AirtimeError('CURRENCY_MISMATCH', `${phoneNumber} is in ${market.name}, which takes ${market.currency}, not ${currency}`, {
          hint: `drop --currency to use ${market.currency}, or check the number`,
        }),
      );
      market = undefined;
    } else if (!market && errors.length > 0) {
      market = marketByCurrency(currency);
    }
  }

  // With the number unusable the currency may still be known, so the amount is checked anyway.
  let amountMinor: number | undefined;
  if (market && input.amount !== undefined) {
    try {
      amountMinor = parseAmount(input.amount, market);
      checkAmountRange(amountMinor, market, perRecipient[market.currency] ?? defaultMaxMinor(market));
    } catch (error) {
      errors.push(asAirtimeError(error));
    }
  }

  const check: RecipientCheck = { errors };
  if (phoneNumber !== undefined) check.phoneNumber = phoneNumber;
  if (market !== undefined) check.market = market;
  if (amountMinor !== undefined) check.amountMinor = amountMinor;
  if (errors.length === 0 && market && phoneNumber !== undefined && amountMinor !== undefined) {
    check.recipient = { phoneNumber, market, amountMinor };
  }
  return check;
}

/** Like checkRecipient, but throws the first problem. */
export function parseRecipient(input: RecipientInput, perRecipient: MoneyLimits = {}): Recipient {
  const { recipient, errors } = checkRecipient(input, perRecipient);
  if (!recipient) throw errors[0] ?? new AirtimeError('USAGE', 'invalid recipient');
  return recipient;
}

export function defaultMaxMinor(market: Market): number {
  return market.maxPerRecipient * 10 ** market.decimals;
}

function asAirtimeError(error: unknown): AirtimeError {
  if (error instanceof AirtimeError) return error;
  throw error;
}
