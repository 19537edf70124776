// What `send`, `validate` and `balance` produce: result documents that carry their exit code, for
// `ui` to print and `main` to exit with.
import type { ErrorCode } from '../core/errors.js';
import type { TransactionResult } from './transaction.js';

/** What a send would do, shown before it leaves (and by --dry-run). */
export interface SendPreview {
  phoneNumber: string;
  country: string;
  amount: string;
  currency: string;
  /**
   * The key it is sent under. Null for a dry run without --key: the real send draws a new one,
   * and showing a random key it will not use invites scripts to record the wrong one.
   */
  idempotencyKey: string | null;
  environment: string | null;
}

export type SendOutcome =
  | { kind: 'dry-run'; preview: SendPreview; exitCode: number }
  /** The person said no (to the confirmation, or to paying a repeat): nothing was sent. */
  | { kind: 'declined'; preview: SendPreview; exitCode: number }
  /** `interrupted`: a SIGINT or SIGTERM came while the request was in flight; it was let finish. */
  | { kind: 'sent'; result: TransactionResult; interrupted?: NodeJS.Signals | undefined; exitCode: number };

export interface ValidateResult {
  valid: boolean;
  phoneNumber: string | null;
  country: string | null;
  currency: string | null;
  amount: string | null;
  errors: { code: ErrorCode; message: string }[];
  exitCode: number;
}

export interface BalanceResult {
  /** "KES 1234.50" (AT writes "KES 1,234.5"; separators dropped, 2 decimals, 4 when needed). */
  balance: string;
  currency: string | null;
  /** "1234.50" */
  amount: string | null;
  environment: string;
  exitCode: number;
}
