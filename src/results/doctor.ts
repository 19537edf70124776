// What `airtime doctor` produces: one line per thing checked, each with what to do when it is wrong.

/** ok; warn: worth fixing, sends still work; fail: a send would be refused; skip: could not be checked. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export type CheckName = 'config' | 'credentials' | 'api' | 'clock' | 'proxy' | 'ledger';

export interface DoctorCheck {
  check: CheckName;
  status: CheckStatus;
  message: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
}

export interface DoctorResult {
  checks: DoctorCheck[];
  /** No check failed: a send would not be refused for anything checked here. */
  ready: boolean;
  exitCode: number;
}
