import { AirtimeError, EXIT } from '../core/errors.js';
import { formatUnits4, parseReportedMoney } from '../core/money.js';
import { runWithRetry } from '../core/retry.js';
import type { BalanceResult } from '../results/send.js';
import { type Context, retryPolicy } from './context.js';

export async function balance(ctx: Pick<Context, 'settings' | 'client' | 'clock'>): Promise<BalanceResult> {
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
      if (!money) return { balance: answer.balance, currency: null, amount: null, environment: client.environment, exitCode: EXIT.OK };
      const amount = formatUnits4(money.units4, true);
      return {
        balance: `${money.currency} ${amount}`,
        currency: money.currency,
        amount,
        environment: client.environment,
        exitCode: EXIT.OK,
      };
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
