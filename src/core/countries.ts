// The markets Africa's Talking sells airtime in, with the money rules of each.
// Floors come from africastalking-airtime-api.md (published integrations; AT has no official
// table). The per-recipient maximum is documented only for KES (10,000); the others are this
// project's defaults of roughly the same value (about USD 75), rounded, and listed in docs/send.md.

export type CountryCode = 'KE' | 'UG' | 'TZ' | 'NG' | 'RW' | 'MW' | 'ZM' | 'ZA' | 'ET' | 'GH' | 'CI';
export type CurrencyCode = 'KES' | 'UGX' | 'TZS' | 'NGN' | 'RWF' | 'MWK' | 'ZMW' | 'ZAR' | 'ETB' | 'GHS' | 'XOF';

export interface Market {
  country: CountryCode;
  name: string;
  callingCode: string;
  currency: CurrencyCode;
  /** Digits after the decimal point the currency allows (0 for currencies without minor units). */
  decimals: 0 | 2;
  /** Smallest amount AT accepts, in the currency's unit. */
  floor: number;
  /** Default `limits.perRecipient`, in the currency's unit. */
  maxPerRecipient: number;
}

export const MARKETS: readonly Market[] = [
  { country: 'KE', name: 'Kenya', callingCode: '254', currency: 'KES', decimals: 2, floor: 5, maxPerRecipient: 10_000 },
  { country: 'UG', name: 'Uganda', callingCode: '256', currency: 'UGX', decimals: 0, floor: 50, maxPerRecipient: 280_000 },
  { country: 'TZ', name: 'Tanzania', callingCode: '255', currency: 'TZS', decimals: 2, floor: 500, maxPerRecipient: 200_000 },
  { country: 'NG', name: 'Nigeria', callingCode: '234', currency: 'NGN', decimals: 2, floor: 50, maxPerRecipient: 120_000 },
  { country: 'RW', name: 'Rwanda', callingCode: '250', currency: 'RWF', decimals: 0, floor: 100, maxPerRecipient: 110_000 },
  { country: 'MW', name: 'Malawi', callingCode: '265', currency: 'MWK', decimals: 2, floor: 300, maxPerRecipient: 130_000 },
  { country: 'ZM', name: 'Zambia', callingCode: '260', currency: 'ZMW', decimals: 2, floor: 5, maxPerRecipient: 2_000 },
  { country: 'ZA', name: 'South Africa', callingCode: '27', currency: 'ZAR', decimals: 2, floor: 5, maxPerRecipient: 1_400 },
  { country: 'ET', name: 'Ethiopia', callingCode: '251', currency: 'ETB', decimals: 2, floor: 5, maxPerRecipient: 10_000 },
  { country: 'GH', name: 'Ghana', callingCode: '233', currency: 'GHS', decimals: 2, floor: 1, maxPerRecipient: 1_000 },
  { country: 'CI', name: "Côte d'Ivoire", callingCode: '225', currency: 'XOF', decimals: 0, floor: 100, maxPerRecipient: 45_000 },
];

export const COUNTRY_CODES: readonly CountryCode[] = MARKETS.map((m) => m.country);
export const CURRENCY_CODES: readonly CurrencyCode[] = MARKETS.map((m) => m.currency);

export function marketByCountry(country: string): Market | undefined {
  return MARKETS.find((m) => m.country === country.toUpperCase());
}

export function marketByCurrency(currency: string): Market | undefined {
  return MARKETS.find((m) => m.currency === currency.toUpperCase());
}

export function isCurrencyCode(value: string): value is CurrencyCode {
  return (CURRENCY_CODES as readonly string[]).includes(value);
}

export function isCountryCode(value: string): value is CountryCode {
  return (COUNTRY_CODES as readonly string[]).includes(value);
}
