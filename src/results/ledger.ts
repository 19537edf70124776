// What `status`, `reconcile`, `stats` and `export` produce: result documents that carry their exit
// code, for `ui` to print.
import type { StoredTransaction } from '../ledger/records.js';
import type { TransactionRecord } from './record.js';

export interface StatusResult {
  transactions: StoredTransaction[];
  /** False when an id was asked for and the ledger has nothing by that name. */
  found: boolean;
  id: string | undefined;
  /** With --wait: whether every transaction reached a final state in time. */
  waited: boolean;
  /** --wide: the table at a terminal shows every column in full instead of fitting the terminal. */
  wide: boolean;
  exitCode: number;
}

export interface ReconcileResult {
  transaction: StoredTransaction;
  previousState: string;
  by: string;
  exitCode: number;
}

export interface DayStats {
  date: string;
  attempts: number;
  sent: number;
  failed: number;
  unknown: number;
}

export interface StatsResult {
  attempts: number;
  sent: number;
  delivered: number;
  failed: number;
  unknown: number;
  /** sent ÷ (sent + failed); null when both are 0. */
  successRate: number | null;
  /** Accepted transactions only; discounts summed in the currency AT reported them in. */
  byCurrency: Record<string, { count: number; amount: string; discount: string }>;
  failureReasons: { reason: string; count: number }[];
  daily: DayStats[];
  exitCode: number;
}

/**
 * An export: to a file, already written; or to stdout, as records the printer streams (so a
 * million-row export never becomes one string, and `| head` stops it early).
 */
export type ExportResult =
  | { kind: 'file'; rows: number; destination: string; exitCode: number }
  | { kind: 'stream'; format: 'csv' | 'jsonl'; records: AsyncIterable<TransactionRecord>; exitCode: number };

/** `airtime ledger migrate`: what was copied, what was left (keys already there), what to look at. */
export type MigrateResult = import('../ledger/migrate.js').MigrationReport & { exitCode: number };

/** `airtime ledger backup`: where the copy is, checked and counted. */
export interface BackupResult {
  from: string;
  to: string;
  transactions: number;
  bytes: number;
  exitCode: number;
}
