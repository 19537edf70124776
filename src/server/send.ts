// POST /send: `airtime send` over HTTP, through the same engine (sendTransaction) and so under the
// same ledger guarantees: a repeated Idempotency-Key replays, a key reused for another send is a
// conflict, and two requests with one key arriving together send once.
import { AirtimeError, type ErrorCode, EXIT, errorJson } from '../core/errors.js';
import { newIdempotencyKey, parseIdempotencyKey } from '../core/idempotency.js';
import { checkRunTotals } from '../core/limits.js';
import { type MoneyLimits, parseRecipient } from '../core/recipient.js';
import type { RepeatGuard } from '../core/repeat.js';
import type { TransactionState } from '../ledger/records.js';
import { type TransactionResult, transactionJson } from '../results/transaction.js';
import type { TransactionRequest } from '../transaction.js';
import type { Fields } from './body.js';

export interface SendService {
  defaultCountry: string | undefined;
  perRecipient: MoneyLimits;
  perRun: MoneyLimits;
  maxNumRetry: number | undefined;
  /** Applied to a request without an Idempotency-Key, as to `airtime send` without --key. */
  repeatGuard: RepeatGuard;
  /** sendTransaction with this run's dependencies. */
  send(request: TransactionRequest): Promise<TransactionResult>;
}

interface SendReply {
  status: number;
  body: Record<string, unknown>;
  /** Also returned in the Idempotency-Key response header, so a caller that sent none can retry. */
  idempotencyKey: string | null;
  /** For the request log. */
  decision: string;
}

/**
 * The HTTP status of each outcome. The body is always `send --json`'s document, so a client can
 * act on `error.code`; the status is for clients and proxies that only look at the status line.
 */
export function httpStatusFor(code: ErrorCode | null, state: TransactionState | null = null): number {
  switch (code) {
    case null:
      return 200;
    case 'USAGE':
    case 'INVALID_PHONE':
    case 'INVALID_AMOUNT':
    case 'AMOUNT_OUT_OF_RANGE':
    case 'UNSUPPORTED_COUNTRY':
    case 'CURRENCY_MISMATCH':
      return 400;
    case 'INSUFFICIENT_BALANCE':
    case 'REJECTED':
      // Valid parameters, refused by Africa's Talking; nothing was sent (402, as payment APIs use it).
      return 402;
    case 'LIMIT_EXCEEDED':
      return 403;
    case 'IDEMPOTENCY_CONFLICT':
      // The key names another send (IETF draft-ietf-httpapi-idempotency-key-header: 422).
      return 422;
    case 'REPEAT_PAYMENT':
      // A request without a key repeating a recent payment: it conflicts with that one. Sending
      // its key (named in the body) finishes or replays it.
      return 409;
    case 'AUTH_FAILED':
    case 'NETWORK_ERROR':
      // Africa's Talking refused this server's credentials, or could not be reached: the caller's
      // request was fine, the upstream was not. 401 would wrongly blame the caller's bearer token.
      return 502;
    case 'OUTCOME_UNKNOWN':
      // A row still `pending` is being sent by another request or process right now (409, as the
      // IETF draft has it for a key in flight); otherwise no answer came back (504). Retrying with
      // the same key is safe either way.
      return state === 'pending' ? 409 : 504;
    case 'LEDGER_ERROR':
      return 503;
    default:
      return 500;
  }
}

function httpStatusOf(result: TransactionResult): number {
  if (result.exitCode === EXIT.OK) return 200;
  const code = result.error?.code ?? (result.exitCode === EXIT.UNKNOWN ? 'OUTCOME_UNKNOWN' : 'REJECTED');
  return httpStatusFor(code, result.state);
}

/** `{"phone","amount","currency"?}` and the Idempotency-Key header, sent like `airtime send`. */
export async function handleSend(fields: Fields, keyHeader: string | undefined, service: SendService): Promise<SendReply> {
  let idempotencyKey: string | null = null;
  try {
    idempotencyKey = keyHeader === undefined ? newIdempotencyKey() : parseIdempotencyKey(keyHeader);
    const recipient = parseRecipient(
      {
        phone: field(fields, 'phone', 'string'),
        amount: field(fields, 'amount', 'amount'),
        currency: optionalCurrency(fields),
        country: service.defaultCountry,
      },
      service.perRecipient,
    );
    checkRunTotals(new Map([[recipient.market, recipient.amountMinor]]), service.perRun);
    // No Idempotency-Key: the caller did not take charge of repeats, so the guard does.
    const repeatGuard = keyHeader === undefined ? service.repeatGuard : undefined;
    const result = await service.send({ recipient, idempotencyKey, maxNumRetry: service.maxNumRetry, repeatGuard });
    return {
      status: httpStatusOf(result),
      body: transactionJson(result),
      idempotencyKey,
      decision: `${result.state}${result.replayed ? ' (replayed)' : ''} ${result.currency} ${result.amount} to ${result.phoneNumber}, key ${idempotencyKey}`,
    };
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    return {
      status: httpStatusFor(error.code),
      // As `airtime send --json` prints it: a ledger failure after Africa's Talking answered keeps
      // the transaction's state and requestId in the document.
      body: { ...errorJson(error), ...(idempotencyKey === null ? {} : { idempotencyKey }) },
      idempotencyKey,
      decision: `refused: ${error.code} ${error.message}`,
    };
  }
}

function field(fields: Fields, name: string, kind: 'string' | 'amount'): string {
  const value = fields[name];
  if (value === undefined || value === null) throw new AirtimeError('USAGE', `missing field ${name}`);
  // A JSON number amount becomes decimal text once, here, and is parsed into minor units like
  // any typed amount: 50.25 → "50.25" → 5025.
  if (kind === 'amount' && typeof value === 'number') return String(value);
  if (typeof value !== 'string')
    throw new AirtimeError('USAGE', `the field ${name} must be a ${kind === 'amount' ? 'number or a decimal string' : 'string'}`);
  return value;
}

function optionalCurrency(fields: Fields): string | undefined {
  return fields.currency === undefined || fields.currency === null ? undefined : field(fields, 'currency', 'string');
}
