// What `send --file` and `validate --file` produce: the contract's bulk document (`rows[]` and the
// summary), and what a run reports as it goes.
import type { Market } from '../core/countries.js';
import type { ErrorCode } from '../core/errors.js';

export type FileFormat = 'csv' | 'json' | 'jsonl';

/** A row of a bulk file that cannot be sent, and why. */
export interface RowProblem {
  row: number;
  line: number | null;
  errors: { code: ErrorCode; message: string }[];
}

/** "row 3 (line 4): invalid phone number …" */
export function describeProblem(problem: RowProblem): string {
  return `row ${problem.row}${problem.line === null ? '' : ` (line ${problem.line})`}: ${problem.errors.map((e) => e.message).join(', ')}`;
}

/** The validation pass of a file: counts, the first problems and totals, never the rows themselves. */
export interface FileCheck {
  format: FileFormat;
  total: number;
  validCount: number;
  /** The first problems (up to `listLimit`); `invalidCount` has them all. */
  invalid: RowProblem[];
  invalidCount: number;
  /** Rows repeating an earlier row's phone, amount and currency (with no distinct key or reference). */
  duplicates: { row: number; firstRow: number }[];
  duplicateCount: number;
  /** Minor units of the valid rows, per market. */
  totals: Map<Market, number>;
  /** SHA-256 of the file's bytes. */
  sha256: string;
}

/** One line of the result: the contract's `rows[]` entry, and one line of a --report. */
export interface BulkRow {
  row: number;
  phoneNumber: string | null;
  amount: string | null;
  currency: string | null;
  reference: string | null;
  state: string;
  requestId: string | null;
  idempotencyKey: string | null;
  errorMessage: string | null;
  /** On a shared ledger: another process had this row (it counts in that process's summary). */
  elsewhere?: true;
}

export const BULK_ROW_FIELDS = [
  'row',
  'phoneNumber',
  'amount',
  'currency',
  'reference',
  'state',
  'requestId',
  'idempotencyKey',
  'errorMessage',
] as const satisfies readonly (keyof BulkRow)[];

export interface BulkSummary {
  batchId: string;
  file: string;
  total: number;
  sent: number;
  failed: number;
  unknown: number;
  replayed: number;
  /** Rows that were not sent: invalid (with --skip-invalid), or refused as they were claimed. */
  skipped: number;
  /** On a shared ledger: rows other processes had during this run; undefined on one machine. */
  elsewhere?: number;
  /** Valid rows an interrupted run never reached; the resume sends them. */
  notReached: number;
  /** Amounts accepted, per currency (the contract's `totals`). */
  totals: Record<string, string>;
  /** Rows that made no request because the batch was already complete. */
  alreadyComplete: boolean;
  interrupted: NodeJS.Signals | null;
  /** How to resume after an interruption. */
  resumeCommand: string;
  elapsedMs: number;
}

/** A row of a new batch paying what a recent payment paid (REPEAT_PAYMENT). */
export interface RepeatMatch {
  row: number;
  phoneNumber: string;
  amount: string;
  currency: string;
  matchedKey: string;
  matchedBatch: string | null;
  matchedAt: number;
}

export type BulkOutcome =
  | { kind: 'dry-run'; batchId: string; check: FileCheck; repeats: RepeatMatch[]; exitCode: number }
  | { kind: 'declined'; exitCode: number }
  | {
      kind: 'done';
      summary: BulkSummary;
      /** Every row of the file, in order, from the ledger (read as the printer writes them). */
      rows: () => AsyncIterable<BulkRow>;
      /** The first rows that failed, are unknown or were invalid (20 at most), for people. */
      failures: BulkRow[];
      exitCode: number;
    };

export interface ValidateFileResult {
  check: FileCheck;
  /** Every row valid, and no duplicates unless they were allowed: the file could be sent as it is. */
  valid: boolean;
  allowDuplicates: boolean;
  exitCode: number;
}

/** The totals a person confirms before a batch leaves. */
export interface BatchConfirmation {
  batchId: string;
  rows: number;
  /** "KES 1500.00, UGX 500", or "nothing new". */
  totals: string;
  environment: string;
  /** The account balance, or "unavailable". */
  balance: string;
  resuming: boolean;
}
