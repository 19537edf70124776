// The first pass's check of a new batch against the payments of the last 24 hours (REPEAT_PAYMENT):
// its rows are looked up a few hundred at a time, in file order, so a shared ledger answers in a
// handful of round trips rather than one per row.
import type { LedgerScope } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { RepeatMatch } from '../results/bulk.js';
import type { ValidRow } from './check.js';
import { repeatMatch } from './refusals.js';

/** Rows looked up together: few round trips, and little held in memory. */
export const LOOKUP_ROWS = 500;
/** Rows a refusal keeps to list (it counts them all). */
const LISTED = 50;

export class RecentPaymentScan {
  /** How many rows repeat a payment of the window. */
  count = 0;
  /** The first of them, in row order. */
  readonly listed: RepeatMatch[] = [];
  private waiting: ValidRow[] = [];

  constructor(
    private readonly ledger: Pick<Ledger, 'recentPayments'>,
    private readonly scope: LedgerScope,
    private readonly since: number,
  ) {}

  async add(row: ValidRow): Promise<void> {
    this.waiting.push(row);
    if (this.waiting.length >= LOOKUP_ROWS) await this.flush();
  }

  /** Looks up the rows still waiting; the counts are complete after it. */
  async flush(): Promise<void> {
    const rows = this.waiting;
    this.waiting = [];
    if (rows.length === 0) return;
    const matches = await this.ledger.recentPayments(
      this.scope,
      rows.map(({ recipient }) => ({
        phoneNumber: recipient.phoneNumber,
        currency: recipient.market.currency,
        amountMinor: recipient.amountMinor,
      })),
      this.since,
    );
    rows.forEach((row, i) => {
      const match = matches[i];
      if (!match) return;
      this.count += 1;
      if (this.listed.length < LISTED) this.listed.push(repeatMatch(row.row, match));
    });
  }
}
