import { environmentOf } from '../core/environment.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { hostName, osUser } from '../ledger/owner.js';
import { FINAL_STATES } from '../ledger/records.js';
import type { ReconcileResult } from '../results/ledger.js';
import type { Context } from './context.js';

export interface ReconcileOptions {
  key: string;
  as: string;
  requestId?: string | undefined;
  note?: string | undefined;
}

/**
 * Settles an `unknown` (or stale `pending`) transaction by hand, after checking Africa's Talking's
 * dashboard. Records who and when; refuses a transaction that is already final.
 */
export async function reconcile(options: ReconcileOptions, ctx: Pick<Context, 'settings' | 'ledger' | 'clock'>): Promise<ReconcileResult> {
  if (options.as !== 'sent' && options.as !== 'failed') {
    throw new AirtimeError('USAGE', `--as ${options.as}: use --as sent or --as failed`);
  }
  const settings = await ctx.settings({}, 'send');
  // Offline: the username picks the account's keys in the ledger; no API key is needed.
  const { username } = settings;
  if (username === undefined) {
    throw new AirtimeError('MISSING_CREDENTIALS', "no Africa's Talking username configured: the ledger keeps each account's keys apart", {
      hint: 'set AT_USERNAME, or run `airtime config init`',
    });
  }
  const environment = environmentOf(username);
  const ledger = await ctx.ledger(settings);
  const row = await ledger.byKey(username, environment, options.key);
  if (!row) {
    const whose = environment === 'sandbox' ? 'the sandbox' : `the live account ${username}`;
    throw new AirtimeError('NOT_FOUND', `the ledger holds no transaction with the key ${options.key} for ${whose}`, {
      hint: 'run `airtime status` to list recent transactions (keys are kept apart per account and environment)',
    });
  }
  if (FINAL_STATES.includes(row.state)) {
    throw new AirtimeError(
      'USAGE',
      `key ${options.key} is already final (${row.state}); reconcile settles only unknown or stale pending transactions`,
    );
  }
  if (row.state === 'pending' && row.owner && ledger.liveness(row.owner) === 'alive') {
    throw new AirtimeError(
      'USAGE',
      `key ${options.key} is being sent right now by process ${row.owner.pid}; wait for it, then check with \`airtime status ${options.key}\``,
    );
  }
  const by = `${osUser()}@${hostName()}`;
  const sent = options.as === 'sent';
  const transaction = await ledger.reconcile(
    row.id,
    {
      state: sent ? 'sent' : 'failed',
      atStatus: null,
      requestId: options.requestId ?? null,
      errorCode: sent ? null : 'REJECTED',
      errorMessage: sent ? null : 'settled as failed by hand',
      exitCode: sent ? EXIT.OK : EXIT.FAILED,
    },
    by,
    options.note ?? null,
    ctx.clock.now(),
  );
  return { transaction, previousState: row.state, by, exitCode: EXIT.OK };
}
