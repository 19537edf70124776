// The documents commands produce and `ui` prints: a transaction as a result (`send --json`), built
// from a ledger row or from the answers a send got. Pure shapes; no I/O.
import type { Environment } from '../core/environment.js';
import { type ErrorCode, EXIT, exitCodeFor } from '../core/errors.js';
import { formatMinorOf, formatReportedMoney } from '../core/money.js';
import type { StoredTransaction, TransactionState } from '../ledger/records.js';

/** The outcome of a send as the user sees it (`send --json`). */
export interface TransactionResult {
  state: TransactionState;
  /** Africa's Talking's word for it ("Sent", "Failed"), null when it gave none. */
  status: string | null;
  phoneNumber: string;
  country: string;
  amount: string;
  currency: string;
  idempotencyKey: string;
  requestId: string | null;
  discount: string | null;
  errorMessage: string | null;
  error: { code: ErrorCode; message: string } | null;
  replayed: boolean;
  attempts: number;
  environment: Environment;
  /** The exit code this outcome calls for; a replay keeps the original's. */
  exitCode: number;
}

/** A recorded transaction as a result; `replayed` when nothing was sent this time. */
export function resultFromRow(row: StoredTransaction, replayed: boolean): TransactionResult {
  const error = row.errorCode ? { code: row.errorCode, message: row.errorMessage ?? row.errorCode } : null;
  return {
    state: row.state,
    status: row.atStatus,
    phoneNumber: row.phoneNumber,
    country: row.country,
    amount: formatMinorOf(row.currency, row.amountMinor),
    currency: row.currency,
    idempotencyKey: row.idempotencyKey,
    requestId: row.requestId,
    discount:
      row.discountCurrency !== null && row.discountUnits4 !== null
        ? formatReportedMoney({ currency: row.discountCurrency, units4: row.discountUnits4 })
        : null,
    errorMessage: row.errorMessage,
    error,
    replayed,
    attempts: row.attempts,
    environment: row.environment,
    exitCode: row.exitCode ?? (error ? exitCodeFor(error.code) : EXIT.OK),
  };
}

/** The contract's `send --json` document. */
export function transactionJson(result: TransactionResult): Record<string, unknown> {
  const ok = result.exitCode === 0;
  return {
    ok,
    ...(ok || !result.error ? {} : { error: result.error }),
    status: result.status,
    state: result.state,
    phoneNumber: result.phoneNumber,
    amount: result.amount,
    currency: result.currency,
    idempotencyKey: result.idempotencyKey,
    requestId: result.requestId,
    discount: result.discount,
    errorMessage: result.errorMessage,
    replayed: result.replayed,
    attempts: result.attempts,
    environment: result.environment,
  };
}
