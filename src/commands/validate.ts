import { AirtimeError, EXIT } from '../core/errors.js';
import { formatAmount } from '../core/money.js';
import { checkRecipient } from '../core/recipient.js';
import type { ValidateResult } from '../results/send.js';
import type { Context } from './context.js';

export interface ValidateOptions {
  phone?: string | undefined;
  amount?: string | undefined;
  currency?: string | undefined;
  country?: string | undefined;
}

/** Offline: the same rules as a send, with no credentials and no network. */
export async function validate(options: ValidateOptions, ctx: Pick<Context, 'settings'>): Promise<ValidateResult> {
  if (options.phone === undefined) {
    throw new AirtimeError('USAGE', 'missing argument <phone>', {
      hint: 'usage: airtime validate <phone> [amount], e.g. airtime validate +254712345678 50; `airtime validate --help` for more',
    });
  }
  const settings = await ctx.settings({ country: options.country });
  const check = checkRecipient(
    { phone: options.phone, amount: options.amount, currency: options.currency, country: settings.defaultCountry },
    settings.limits.perRecipient,
  );
  const market = check.market;
  const valid = check.errors.length === 0;
  return {
    valid,
    phoneNumber: check.phoneNumber ?? null,
    country: market?.country ?? null,
    currency: market?.currency ?? null,
    amount: market && check.amountMinor !== undefined ? formatAmount(check.amountMinor, market) : null,
    errors: check.errors.map((e) => ({ code: e.code, message: e.message })),
    exitCode: valid ? EXIT.OK : EXIT.USAGE,
  };
}
