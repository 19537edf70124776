import { type Context, retryPolicy } from '../context.js';
import { AirtimeError } from '../core/errors.js';
import { formatUnits4, parseReportedMoney } from '../core/money.js';
import { runWithRetry } from '../core/retry.js';

export interface BalanceResult {
  /** "KES 1234.50" (AT writes "KES 1,234.5"; separators dropped, 2 decimals, 4 when needed). */
  balance: string;
  currency: string | null;
  /** "1234.50" */
  amount: string | null;
  environment: string;
}

export async function balance(ctx: Context): Promise<BalanceResult> {
  const settings = await ctx.settings({}, 'send');
  const client = await ctx.client(settings);
  const { result: answer } = await runWithRetry(() => client.balance(), {
    policy: retryPolicy(settings),
    clock: ctx.clock,
    transient: (a) => (a.kind === 'transient' ? a : null),
  });
  switch (answer.kind) {
    case 'ok': {
      const money = parseReportedMoney(answer.balance);
      if (!money) return { balance: answer.balance, currency: null, amount: null, environment: client.environment };
      const amount = formatUnits4(money.units4, true);
      return { balance: `${money.currency} ${amount}`, currency: money.currency, amount, environment: client.environment };
    }
    case 'auth-failed':
      throw new AirtimeError('AUTH_FAILED', `Africa's Talking refused the credentials: ${answer.errorMessage}`, {
        hint: 'check AT_USERNAME and AT_API_KEY (or `airtime config show`)',
      });
    case 'not-found':
      throw new AirtimeError('REJECTED', `Africa's Talking answered: ${answer.errorMessage}`);
    case 'transient':
      throw new AirtimeError('NETWORK_ERROR', `could not get the balance: ${answer.reason}`);
  }
}
