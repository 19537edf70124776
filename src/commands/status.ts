import type { AtClient } from '../at/client.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { parseMoment } from '../core/time.js';
import type { StoredTransaction, TransactionState } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { StatusResult } from '../results/ledger.js';
import { type Context, environmentFor } from './context.js';

export interface StatusOptions {
  id?: string | undefined;
  limit?: number | undefined;
  since?: string | undefined;
  state?: string | undefined;
  reference?: string | undefined;
  refresh?: boolean | undefined;
  wait?: boolean | undefined;
  waitTimeout?: number | undefined;
  allEnvironments?: boolean | undefined;
  wide?: boolean | undefined;
}

const STATES: readonly TransactionState[] = ['pending', 'sent', 'delivered', 'failed', 'unknown'];

export async function status(
  options: StatusOptions,
  ctx: Pick<Context, 'settings' | 'ledger' | 'readLedger' | 'client' | 'clock' | 'notify'>,
): Promise<StatusResult> {
  const settings = await ctx.settings({}, options.refresh || options.wait ? 'send' : 'read');
  if (options.state !== undefined && !STATES.includes(options.state as TransactionState)) {
    throw new AirtimeError('USAGE', `--state ${options.state}: use one of ${STATES.join(', ')}`);
  }
  const since = options.since === undefined ? undefined : parseMoment(options.since, ctx.clock.now());
  const environment = options.allEnvironments ? undefined : environmentFor(settings);
  const asksAfrica = Boolean(options.refresh || options.wait);
  const ledger = asksAfrica ? await ctx.ledger(settings) : await ctx.readLedger(settings);
  const load = async (): Promise<StoredTransaction[]> => {
    if (!ledger) return [];
    return options.id !== undefined
      ? ledger.lookup(options.id, environment)
      : ledger.recent({
          environment,
          since,
          state: options.state as TransactionState | undefined,
          reference: options.reference,
          limit: options.limit ?? 20,
        });
  };

  let transactions = await load();
  const found = options.id === undefined || transactions.length > 0;
  let waited = false;
  if (found && asksAfrica && ledger) {
    const client = await ctx.client(settings);
    const warned = new Set<string>();
    const refresh = (rows: StoredTransaction[]) => refreshRows(ledger, client, rows, ctx, warned);
    await refresh(transactions);
    transactions = await load();
    if (options.wait) {
      const deadline = ctx.clock.now() + (options.waitTimeout ?? 300) * 1000;
      let delay = Math.max(settings.retryDelayMs, 50);
      while (transactions.some(notFinal) && ctx.clock.now() + delay <= deadline) {
        await ctx.clock.sleep(delay);
        delay = Math.min(delay * 2, 10_000);
        await refresh(transactions);
        transactions = await load();
      }
      waited = !transactions.some(notFinal);
    }
  }
  return {
    transactions,
    found,
    id: options.id,
    waited,
    wide: Boolean(options.wide),
    exitCode: exitCodeOf(transactions, found, Boolean(options.wait)),
  };
}

/** Not yet known to be delivered or failed: what --wait waits for. */
function notFinal(row: StoredTransaction): boolean {
  return row.state !== 'delivered' && row.state !== 'failed';
}

/**
 * Asks Africa's Talking about every row that is not final and has a requestId, and records the
 * answer. Only the transaction's own status (`data.status`) changes a row; an answer that does not
 * give it (a failed lookup, no `data`, another transaction's, an unknown word, an HTTP error) is a
 * warning, kept as an event the first time, and changes nothing: never `failed`, since a lookup
 * that failed says nothing about money that may have been paid.
 */
async function refreshRows(
  ledger: Ledger,
  client: Pick<AtClient, 'findTransaction'>,
  rows: StoredTransaction[],
  ctx: Pick<Context, 'clock' | 'notify'>,
  warned: Set<string>,
): Promise<void> {
  for (const row of rows) {
    if (!notFinal(row) || row.requestId === null) continue;
    const answer = await client.findTransaction(row.requestId);
    if (answer.kind === 'auth-failed') {
      throw new AirtimeError('AUTH_FAILED', `Africa's Talking refused the credentials: ${answer.errorMessage}`);
    }
    if (answer.kind !== 'ok') {
      if (!warned.has(row.requestId)) {
        const word = answer.kind === 'inconclusive' && answer.status !== null ? `status ${JSON.stringify(answer.status)}` : 'no status';
        ctx.notify({
          kind: 'warning',
          message: `${row.requestId} not refreshed (${word}): ${answer.reason}; its state stays ${row.state}`,
        });
        await ledger.recordEvent(
          row.id,
          'query-unread',
          {
            reason: answer.reason,
            status: answer.kind === 'inconclusive' ? answer.status : null,
            httpStatus: answer.httpStatus ?? null,
            payload: answer.raw ?? null,
          },
          ctx.clock.now(),
        );
        warned.add(row.requestId);
      }
      continue;
    }
    await ledger.recordDelivery(
      row.id,
      { status: answer.status, description: null, requestId: row.requestId, source: 'query', payload: answer.raw ?? null },
      ctx.clock.now(),
    );
  }
}

function exitCodeOf(rows: StoredTransaction[], found: boolean, wait: boolean): number {
  if (!found) return EXIT.FAILED;
  if (!wait) return EXIT.OK;
  if (rows.some(notFinal)) return EXIT.UNKNOWN;
  return rows.some((r) => r.state === 'failed') ? EXIT.FAILED : EXIT.OK;
}
