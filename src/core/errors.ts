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

/** The exit code each error code ends a command with (`exitCode` may override it: see AirtimeErrorOptions). */
export const EXIT_BY_CODE: Readonly<Record<ErrorCode, number>> = {
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

/**
 * What each exit code means, in the contract's words: `airtime help exit-codes` prints it beside the
 * error codes that lead to each (errorCodesOf), so the help cannot drift from the codes.
 */
export const EXIT_MEANINGS: Readonly<Record<keyof typeof EXIT, string>> = {
  OK: 'success: every recipient accepted (or replayed from the ledger), or the lookup or check succeeded',
  FAILED: "the send failed and nothing was sent (rejected by Africa's Talking, or unreachable after retries); or a lookup found nothing",
  USAGE: 'usage or validation error: bad arguments, file or input, or a cap or a guard refused it; nothing was sent',
  PARTIAL: 'partial: a bulk send where some rows were accepted and others failed, were skipped or were not reached',
  CONFIG:
    'configuration or authentication error: missing credentials, bad config, an unusable ledger, HTTP 401 (`airtime doctor` says what to fix)',
  UNKNOWN:
    "outcome unknown: a request reached, or may have reached, Africa's Talking and no answer came back; the ledger holds it as unknown until it is settled",
  SIGINT: 'interrupted by Ctrl-C (SIGINT), or cancelled at a prompt, after the ledger is consistent',
  SIGTERM: 'interrupted by SIGTERM, after the ledger is consistent (serve and the emulator exit 0 on SIGINT or SIGTERM)',
};

/** The error codes a command ends with this exit code for: EXIT_BY_CODE's, and INTERRUPTED by SIGTERM for 143. */
export function errorCodesOf(exitCode: number): ErrorCode[] {
  const codes = (Object.keys(EXIT_BY_CODE) as ErrorCode[]).filter((code) => EXIT_BY_CODE[code] === exitCode);
  // A run a scheduler stops is INTERRUPTED like a Ctrl-C, with SIGTERM's code (`exitCode` overrides).
  return exitCode === EXIT.SIGTERM ? [...codes, 'INTERRUPTED'] : codes;
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
