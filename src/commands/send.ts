import type { Settings } from '../config/schema.js';
import type { Environment } from '../core/environment.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { newIdempotencyKey, parseIdempotencyKey } from '../core/idempotency.js';
import { checkRunTotals } from '../core/limits.js';
import { checkAmountRange, formatAmount, formatMoney, parseAmount } from '../core/money.js';
import { parsePhone } from '../core/phone.js';
import { checkRecipient, defaultMaxMinor, parseRecipient, type Recipient } from '../core/recipient.js';
import { type RepeatGuard, repeatGuard } from '../core/repeat.js';
import type { SendOutcome, SendPreview } from '../results/send.js';
import { repeatPayment, sendTransaction } from '../transaction.js';
import { checkCapsForDryRun } from './caps.js';
import { type Context, environmentFor, requireCredentials, transactionDeps } from './context.js';

export interface SendOptions {
  phone?: string | undefined;
  amount?: string | undefined;
  currency?: string | undefined;
  country?: string | undefined;
  key?: string | undefined;
  dryRun?: boolean | undefined;
  yes?: boolean | undefined;
  force?: boolean | undefined;
  allowRepeat?: boolean | undefined;
  retries?: number | undefined;
  timeout?: number | undefined;
  maxNumRetry?: number | undefined;
}

type SendContext = Pick<
  Context,
  'settings' | 'client' | 'ledger' | 'readLedger' | 'clock' | 'output' | 'prompter' | 'notify' | 'activity' | 'onInterrupt'
>;

export async function send(options: SendOptions, ctx: SendContext): Promise<SendOutcome> {
  const settings = await ctx.settings(
    { country: options.country, timeout: options.timeout, retries: options.retries, maxNumRetry: options.maxNumRetry },
    'send',
  );
  const { phone, amount, currency } = await collectRecipient(options, ctx, settings);
  const recipient = parseRecipient({ phone, amount, currency, country: settings.defaultCountry }, settings.limits.perRecipient);
  const given = options.key === undefined ? undefined : parseIdempotencyKey(options.key);
  const totals = new Map([[recipient.market, recipient.amountMinor]]);
  // An explicit --key is the caller taking charge of idempotency; without one, a repeat of a
  // recent payment is refused, unless --allow-repeat (or the person at the terminal) says it is meant.
  let guard = options.key === undefined && !options.allowRepeat ? repeatGuard(settings.repeatWindowMs) : undefined;
  if (options.dryRun) {
    await checkCapsForDryRun(ctx, settings, totals);
    if (guard) await refuseRepeatForDryRun(ctx, settings, recipient, guard);
    return { kind: 'dry-run', preview: previewOf(recipient, given ?? null, settings), exitCode: EXIT.OK };
  }
  const idempotencyKey = given ?? newIdempotencyKey();
  const preview = previewOf(recipient, idempotencyKey, settings);
  checkRunTotals(totals, settings.limits.perRun);
  const client = await ctx.client(settings);
  // Opened (and proved writable) before anything is sent: an unusable ledger stops the send here.
  const ledger = await ctx.ledger(settings);
  if (guard) {
    const earlier = await ledger.findRepeat(scopedPayment(settings, client.environment, recipient), guard, ctx.clock.now());
    if (earlier) {
      const refusal = repeatPayment(recipient, earlier, ctx.clock.now());
      // --yes never answers this question: it confirms a send, not a second payment.
      if (!ctx.output.interactive) throw refusal;
      ctx.notify({ kind: 'warning', message: refusal.message.replace(/: nothing was sent$/, '') });
      if (!(await ctx.prompter.confirm('Send it again anyway?', false))) return { kind: 'declined', preview, exitCode: EXIT.SIGINT };
      guard = undefined;
    }
  }
  if (ctx.output.interactive && !options.yes) {
    if (!(await ctx.prompter.confirmSend(preview))) return { kind: 'declined', preview, exitCode: EXIT.SIGINT };
  }

  const activity = await ctx.activity(`Sending ${formatMoney(recipient.amountMinor, recipient.market)} to ${recipient.phoneNumber}`);
  // Ctrl-C or a scheduler's SIGTERM while the request is out: no more retries, but the answer is
  // waited for (bounded by the timeout) and recorded, and the key is printed, before exiting.
  const controller = new AbortController();
  let interrupted: NodeJS.Signals | undefined;
  const unregister = ctx.onInterrupt((signal) => {
    interrupted = signal;
    controller.abort();
    ctx.notify({ kind: 'finishing', signal, bulk: false });
  });
  try {
    const result = await sendTransaction(
      { recipient, idempotencyKey, maxNumRetry: settings.maxNumRetry, force: options.force, repeatGuard: guard },
      transactionDeps(ctx, settings, client, ledger, {
        signal: controller.signal,
        onRetry: (event) => ctx.notify({ kind: 'retrying', ...event }),
        onWait: (owner) => ctx.notify({ kind: 'waiting', pid: owner.pid }),
      }),
    );
    const exitCode = interrupted ? (interrupted === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT) : result.exitCode;
    return { kind: 'sent', result, interrupted, exitCode };
  } finally {
    unregister();
    activity.stop();
  }
}

/**
 * Phone and amount from the arguments, or asked for at a terminal in that order, each answer
 * checked as it is typed with the same rules as the arguments, in words that fit a prompt (no
 * "pass --country"); a usage error anywhere else. The currency is never asked: the number's country
 * decides it (each supported country has one), and the amount's question names it. Asking for it
 * first had people type the amount into it.
 */
async function collectRecipient(
  options: SendOptions,
  ctx: Pick<Context, 'output' | 'prompter'>,
  settings: Settings,
): Promise<{ phone: string; amount: string; currency: string | undefined }> {
  const missing = options.phone === undefined ? '<phone>' : options.amount === undefined ? '<amount>' : undefined;
  if (missing === undefined) return { phone: options.phone ?? '', amount: options.amount ?? '', currency: options.currency };
  if (!ctx.output.interactive) {
    throw new AirtimeError('USAGE', `missing argument ${missing}`, {
      hint: 'usage: airtime send <phone> <amount>, e.g. airtime send +254712345678 50; `airtime send --help` for more',
    });
  }
  const country = settings.defaultCountry;
  const phone =
    options.phone ??
    (await ctx.prompter.text({
      message: `Phone number${country ? ` (national numbers read as ${country})` : ''}`,
      validate: (value) =>
        reason(() => parsePhone(value, country, 'prompt')) ??
        // A --currency given with the command must match the number typed.
        (options.currency === undefined
          ? undefined
          : checkRecipient({ phone: value, currency: options.currency, country }).errors[0]?.message),
    }));
  const market = parsePhone(phone, country).market;
  const max = settings.limits.perRecipient[market.currency] ?? defaultMaxMinor(market);
  const amount =
    options.amount ??
    (await ctx.prompter.text({
      message: `Amount in ${market.currency} (${formatMoney(market.floor * 10 ** market.decimals, market)} to ${formatMoney(max, market)})`,
      validate: (value) => reason(() => checkAmountRange(parseAmount(value, market), market, max)),
    }));
  return { phone, amount, currency: options.currency };
}

/** The payment a repeat is looked for under: this account, this environment. */
function scopedPayment(settings: Settings, environment: Environment, recipient: Recipient) {
  return {
    account: requireCredentials(settings).username,
    environment,
    phoneNumber: recipient.phoneNumber,
    currency: recipient.market.currency,
    amountMinor: recipient.amountMinor,
  };
}

/** A dry run answers whether the send would go: a repeat would not (read only; no ledger yet is no repeat). */
async function refuseRepeatForDryRun(
  ctx: Pick<Context, 'readLedger' | 'clock'>,
  settings: Settings,
  recipient: Recipient,
  guard: RepeatGuard,
): Promise<void> {
  const environment = environmentFor(settings);
  if (settings.username === undefined || environment === undefined) return;
  const ledger = await ctx.readLedger(settings);
  const earlier = await ledger?.findRepeat(scopedPayment(settings, environment, recipient), guard, ctx.clock.now());
  if (earlier) throw repeatPayment(recipient, earlier, ctx.clock.now());
}

function reason(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    if (error instanceof AirtimeError) return error.message;
    throw error;
  }
}

function previewOf(recipient: Recipient, idempotencyKey: string | null, settings: Settings): SendPreview {
  return {
    phoneNumber: recipient.phoneNumber,
    country: recipient.market.country,
    amount: formatAmount(recipient.amountMinor, recipient.market),
    currency: recipient.market.currency,
    idempotencyKey,
    environment: environmentFor(settings) ?? null,
  };
}
