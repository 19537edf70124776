// Typed errors: every failure the tool reports carries the contract's stable `code` and the exit
// code scripts rely on. Only src/main.ts turns them into a process exit.

export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  PARTIAL: 3,
  CONFIG: 4,
  UNKNOWN: 5,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'INVALID_PHONE'
  | 'INVALID_AMOUNT'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'UNSUPPORTED_COUNTRY'
  | 'CURRENCY_MISMATCH'
  | 'IDEMPOTENCY_CONFLICT'
  | 'LIMIT_EXCEEDED'
  | 'DUPLICATE_ROWS'
  | 'REPEAT_PAYMENT'
  | 'INVALID_FILE'
  | 'MISSING_CREDENTIALS'
  | 'CONFIG_ERROR'
  | 'LEDGER_ERROR'
  | 'AUTH_FAILED'
  | 'INSUFFICIENT_BALANCE'
  | 'REJECTED'
  | 'NETWORK_ERROR'
  | 'OUTCOME_UNKNOWN'
  | 'NOT_FOUND'
  | 'INTERRUPTED';

const EXIT_BY_CODE: Record<ErrorCode, number> = {
  USAGE: EXIT.USAGE,
  INVALID_PHONE: EXIT.USAGE,
  INVALID_AMOUNT: EXIT.USAGE,
  AMOUNT_OUT_OF_RANGE: EXIT.USAGE,
  UNSUPPORTED_COUNTRY: EXIT.USAGE,
  CURRENCY_MISMATCH: EXIT.USAGE,
  IDEMPOTENCY_CONFLICT: EXIT.USAGE,
  LIMIT_EXCEEDED: EXIT.USAGE,
  DUPLICATE_ROWS: EXIT.USAGE,
  REPEAT_PAYMENT: EXIT.USAGE,
  INVALID_FILE: EXIT.USAGE,
  MISSING_CREDENTIALS: EXIT.CONFIG,
  CONFIG_ERROR: EXIT.CONFIG,
  LEDGER_ERROR: EXIT.CONFIG,
  AUTH_FAILED: EXIT.CONFIG,
  INSUFFICIENT_BALANCE: EXIT.FAILED,
  REJECTED: EXIT.FAILED,
  NETWORK_ERROR: EXIT.FAILED,
  OUTCOME_UNKNOWN: EXIT.UNKNOWN,
  NOT_FOUND: EXIT.FAILED,
  INTERRUPTED: EXIT.SIGINT,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_BY_CODE[code];
}

export interface AirtimeErrorOptions {
  /** The next thing to run or check, shown on its own line. */
  hint?: string;
  /** Overrides the code's usual exit code (INTERRUPTED by SIGTERM is 143). */
  exitCode?: number;
  /** Extra fields for the `--json` error document. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class AirtimeError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: AirtimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirtimeError';
    this.code = code;
    this.exitCode = options.exitCode ?? exitCodeFor(code);
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

/** The `--json` document of a failed command, the same on the command line and over HTTP. */
export function errorJson(error: AirtimeError): Record<string, unknown> {
  // Details may be a whole result document (the answer a failed record could not keep): its own
  // `ok` and `error` must not stand in for this error's.
  const { ok: _ok, error: _error, ...details } = error.details;
  return { ok: false, error: { code: error.code, message: error.message }, ...details };
}

export function isAirtimeError(error: unknown): error is AirtimeError {
  return error instanceof AirtimeError;
}
