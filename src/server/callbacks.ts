// The two callbacks Africa's Talking makes (africastalking-airtime-api.md, "Callbacks"), read from
// untrusted fields into what the ledger needs, and the validation rules that need no ledger.
// Pure: no I/O, so every rule is a line in a table test.
import { marketByCurrency } from '../core/countries.js';
import { formatMoney, parseReportedMoney } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import { checkRecipient, type MoneyLimits } from '../core/recipient.js';
import type { DeliveryCallback, ValidationClaim } from '../ledger/records.js';
import { badRequest, type Fields, optionalString, requiredAmount, requiredString } from './body.js';

/** Status callback: `phoneNumber, description, status, requestId, discount, value`. */
export function parseStatusCallback(fields: Fields): DeliveryCallback {
  const requestId = requiredString(fields, 'requestId');
  const status = requiredString(fields, 'status', 64);
  const description = optionalString(fields, 'description', 1000);
  const phone = optionalString(fields, 'phoneNumber', 40);
  const valueText = optionalString(fields, 'value', 64);
  const discountText = optionalString(fields, 'discount', 64);
  const value = valueText === null ? null : reportedMoney(valueText, 'value');
  const discount = discountText === null ? null : reportedMoney(discountText, 'discount');
  return {
    requestId,
    status,
    description,
    phoneNumber: phone === null ? null : normalizePhone(phone),
    value: value && minorUnits(value),
    discount,
    payload: { ...fields },
  };
}

function reportedMoney(text: string, field: string) {
  const money = parseReportedMoney(text);
  if (!money || money.units4 < 0) throw badRequest(`the field ${field} must read like "KES 100.0000"`);
  return money;
}

/** "KES 100.0000" as minor units of a supported currency; null for anything a send cannot be. */
function minorUnits(money: { currency: string; units4: number }): { currency: string; amountMinor: number } | null {
  const market = marketByCurrency(money.currency);
  if (!market) return null;
  const per = 10 ** (4 - market.decimals);
  if (money.units4 % per !== 0) return null;
  return { currency: market.currency, amountMinor: money.units4 / per };
}

/** The ledger writes numbers as E.164; a number that does not parse is kept as it came. */
function normalizePhone(text: string): string {
  try {
    return parsePhone(text).e164;
  } catch {
    return text;
  }
}

/** Validation callback: `transactionId, phoneNumber, sourceIpAddress, currencyCode, amount`. */
export interface ValidationCallback {
  transactionId: string;
  phoneNumber: string;
  currencyCode: string;
  /** Decimal text; AT has sent both a JSON number and a string. */
  amount: string;
  sourceIpAddress: string | null;
}

export function parseValidationCallback(fields: Fields): ValidationCallback {
  return {
    transactionId: requiredString(fields, 'transactionId'),
    phoneNumber: requiredString(fields, 'phoneNumber', 40),
    currencyCode: requiredString(fields, 'currencyCode', 8),
    amount: requiredAmount(fields, 'amount'),
    sourceIpAddress: optionalString(fields, 'sourceIpAddress', 64),
  };
}

export interface ValidationRules {
  /** How old a ledger transaction may be and still be validated (`serve.validationMaxAge`). */
  maxAgeMs: number;
  /** `limits.perRecipient`; a currency without one uses its default maximum. */
  perRecipient: MoneyLimits;
  /** `serve.allowedSourceIps`: when set, the only callers of the send API to approve. */
  allowedSourceIps: readonly string[] | undefined;
}

type RuleCheck = { ok: true; claim: ValidationClaim; money: string } | { ok: false; reason: string };

/** Every rule that needs no ledger: a supported number and currency, the amount, the source IP. */
export function checkValidationRules(callback: ValidationCallback, rules: ValidationRules): RuleCheck {
  // The same rules as any send: a supported mobile number, its currency, the amount and its limits.
  const { recipient, errors } = checkRecipient(
    { phone: callback.phoneNumber, currency: callback.currencyCode, amount: callback.amount },
    rules.perRecipient,
  );
  if (!recipient) return { ok: false, reason: errors.map((error) => error.message).join('; ') || 'not a valid recipient' };
  const { phoneNumber, market, amountMinor } = recipient;
  if (rules.allowedSourceIps !== undefined) {
    const source = callback.sourceIpAddress === null ? null : normalizeIp(callback.sourceIpAddress);
    if (source === null) return { ok: false, reason: 'no sourceIpAddress, and serve.allowedSourceIps is set' };
    if (!rules.allowedSourceIps.some((ip) => normalizeIp(ip) === source)) {
      return { ok: false, reason: `source ${callback.sourceIpAddress} is not in serve.allowedSourceIps` };
    }
  }
  return {
    ok: true,
    claim: { transactionId: callback.transactionId, phoneNumber, currency: market.currency, amountMinor },
    money: formatMoney(amountMinor, market),
  };
}

/** "::ffff:203.0.113.10" (an IPv4 address seen through an IPv6 socket) is 203.0.113.10. */
function normalizeIp(ip: string): string {
  return ip
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
