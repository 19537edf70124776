// Ledger queries for bulk sends: whether a batch exists, its rows, and recent payments a new file
// would repeat.
import { iterateRows, prepare, SPENT_STATES, toTransaction, type Ledger, type LedgerScope, type StoredTransaction } from './ledger.js';

export function batchExists(ledger: Ledger, scope: LedgerScope, batchId: string): boolean {
  return ledger.withRead((db) =>
    Boolean(
      prepare(db, 'SELECT 1 FROM transactions WHERE batch_id = ? AND account = ? AND environment = ? LIMIT 1').get(
        batchId,
        scope.account,
        scope.environment,
      ),
    ),
  );
}

/** A batch's transactions in row order; a row resent with --retry-failed has its latest last. */
export function* batchTransactions(ledger: Ledger, scope: LedgerScope, batchId: string): Generator<StoredTransaction> {
  const rows = ledger.withRead((db) =>
    iterateRows(db, 'SELECT * FROM transactions WHERE batch_id = ? AND account = ? AND environment = ? ORDER BY row_number, id', [
      batchId,
      scope.account,
      scope.environment,
    ]),
  );
  for (const row of rows) yield toTransaction(row as Record<string, unknown>);
}

/**
 * The most recent transaction of this account and environment, since `since`, paying this phone
 * this amount in this currency and accepted or possibly accepted (sent, delivered, pending,
 * unknown): what a new file must not pay again by mistake.
 */
export function recentPayment(
  ledger: Ledger,
  scope: LedgerScope,
  payment: { phoneNumber: string; currency: string; amountMinor: number },
  since: number,
): StoredTransaction | undefined {
  const sql = `SELECT * FROM transactions
    WHERE phone_number = ? AND currency = ? AND amount_minor = ? AND created_at > ?
      AND account = ? AND environment = ? AND state IN ${SPENT_STATES}
    ORDER BY created_at DESC LIMIT 1`;
  const row = ledger.withRead((db) =>
    prepare(db, sql).get(payment.phoneNumber, payment.currency, payment.amountMinor, since, scope.account, scope.environment),
  );
  return row === undefined ? undefined : toTransaction(row as Record<string, unknown>);
}
