import Database from 'better-sqlite3';

export interface LedgerRow {
  idempotency_key: string;
  account: string;
  environment: string;
  state: string;
  attempts: number;
  owner_pid: number | null;
  first_attempt_at: number | null;
  request_id: string | null;
  amount_minor: number;
  error_code: string | null;
  [column: string]: unknown;
}

/** Reads a ledger's rows the way an auditor would: straight from the file. */
export function readLedger(path: string): LedgerRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT * FROM transactions ORDER BY id').all() as LedgerRow[];
  } finally {
    db.close();
  }
}
