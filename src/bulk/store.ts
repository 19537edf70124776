// The ledger as a bulk send uses it: answers that arrive in the same turn of the event loop are
// settled in one commit. Everything else goes straight to the ledger, after any settlement still
// waiting, so nothing reads the ledger behind its own writes.
import { AirtimeError } from '../core/errors.js';
import type { MoneyLimits } from '../core/recipient.js';
import type { Owner } from '../ledger/owner.js';
import type { ClaimOutcome, NewTransaction, SettlementItem, StoredTransaction } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { TransactionStore } from '../transaction.js';

/**
 * A settlement waits at most until the next turn of the event loop (setImmediate): a kill in that
 * gap leaves the row pending, which a re-run resends under its key, as a kill a moment before the
 * answer arrived would.
 */
export class BatchingStore implements TransactionStore {
  private queue: SettlementItem[] = [];
  private scheduled = false;
  /** A ledger error from a deferred flush, raised at the next use of the store. */
  private failure: unknown;

  constructor(private readonly ledger: Ledger) {}

  async settleMany(items: readonly SettlementItem[]): Promise<void> {
    this.queue.push(...items);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.flush().catch((error: unknown) => {
          this.failure ??= error;
        });
      });
    }
  }

  /** Writes the settlements waiting; a ledger error here stops the batch (LEDGER_ERROR). */
  async flush(): Promise<void> {
    this.scheduled = false;
    if (this.failure !== undefined) throw this.failure;
    const items = this.queue.splice(0);
    if (items.length === 0) return;
    try {
      await this.ledger.settleMany(items);
    } catch (error) {
      if (!(error instanceof AirtimeError)) throw error;
      // As a single send says it (src/transaction.ts): Africa's Talking answered, only the record
      // failed, and nobody should read "nothing was sent" and pay again.
      throw new AirtimeError(
        error.code,
        `Africa's Talking answered ${items.length} row(s), but the answers could not be recorded: ${error.message}`,
        {
          hint: 'those rows stay pending: re-running the same command resends them under their own keys, which cannot pay twice (Africa\'s Talking answers "duplicate" and they end unknown, to check with `airtime status`)',
          cause: error,
        },
      );
    }
  }

  async claimMany(inputs: readonly NewTransaction[], now: number, dailyCaps?: MoneyLimits): Promise<ClaimOutcome[]> {
    await this.flush();
    return this.ledger.claimMany(inputs, now, dailyCaps);
  }

  async beginAttempt(id: number, owner: Owner, now: number): Promise<StoredTransaction> {
    await this.flush();
    return this.ledger.beginAttempt(id, owner, now);
  }

  async takeOver(id: number, seen: Owner | null, owner: Owner, now: number, resetWindow?: boolean): Promise<boolean> {
    await this.flush();
    return this.ledger.takeOver(id, seen, owner, now, resetWindow);
  }

  async get(id: number): Promise<StoredTransaction | undefined> {
    await this.flush();
    return this.ledger.get(id);
  }
}
