// The ledger as a bulk send uses it: answers are settled many in one commit. Everything else goes
// straight to the ledger, after any settlement still waiting or being written, so nothing reads
// the ledger behind its own writes.
import { AirtimeError } from '../core/errors.js';
import type { MoneyLimits } from '../core/recipient.js';
import type { Owner } from '../ledger/owner.js';
import type { ClaimOutcome, NewTransaction, SettlementItem, StoredTransaction } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { TransactionStore } from '../transaction.js';

/**
 * Answers are written one batch at a time: those that arrive while a write is in flight go in the
 * next, as soon as it ends (on a shared ledger a write is a round trip, and one statement for many
 * rows costs little more than for one). A settlement waits at most for the write before it, or
 * until the next turn of the event loop: a kill in that gap leaves the row pending, which a re-run
 * resends under its key, as a kill a moment before the answer arrived would.
 */
export class BatchingStore implements TransactionStore {
  private queue: SettlementItem[] = [];
  private scheduled = false;
  /** The write in flight, if any. */
  private writing: Promise<void> | undefined;
  /** A ledger error from a write nobody was waiting for, raised at the next use of the store. */
  private failure: unknown;

  constructor(private readonly ledger: Ledger) {}

  async settleMany(items: readonly SettlementItem[]): Promise<void> {
    this.queue.push(...items);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // A write in flight takes what waits when it ends.
      if (!this.writing) void this.writeQueued();
    });
  }

  /**
   * Writes the settlements waiting, after the write in flight: nothing reads the ledger behind
   * this run's own answers. A ledger error here stops the batch (LEDGER_ERROR).
   */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure === undefined) await this.writeQueued();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Writes what waits; when that ends, what arrived meanwhile. Failures are kept, for flush. */
  private writeQueued(): Promise<void> {
    const items = this.queue.splice(0);
    if (items.length === 0 || this.failure !== undefined) return Promise.resolve();
    const writing = this.write(items)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        if (this.writing === writing) this.writing = undefined;
        if (this.queue.length > 0) void this.writeQueued();
      });
    this.writing = writing;
    return writing;
  }

  private async write(items: SettlementItem[]): Promise<void> {
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
