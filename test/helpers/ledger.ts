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

// Kept for the life of the test process, as src/ledger/ledger.ts keeps its own (better-sqlite3 12
// aborts on Node 24 when V8 collects one of its objects outside JavaScript).
const KEEP: unknown[] = [];

/** Reads a ledger's rows the way an auditor would: straight from the file. */
export function readLedger(path: string): LedgerRow[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const statement = db.prepare('SELECT * FROM transactions ORDER BY id');
  KEEP.push(db, statement);
  try {
    return statement.all() as LedgerRow[];
  } finally {
    db.close();
  }
}
