// Which store a ledger location names. A filesystem path is the embedded SQLite ledger, loaded only
// when a command uses the ledger (better-sqlite3 is a native module).
import type { Ledger } from './store.js';

/** Opens the ledger for writing (created when missing): exit 4 LEDGER_ERROR when it cannot be used. */
export async function openLedger(location: string): Promise<Ledger> {
  const { SqliteLedger } = await import('./sqlite/ledger.js');
  return SqliteLedger.open(location);
}

/** Opens the ledger to read it; null when there is none yet (a missing ledger is an empty one). */
export async function openLedgerForReading(location: string): Promise<Ledger | null> {
  const { SqliteLedger } = await import('./sqlite/ledger.js');
  return SqliteLedger.openForReading(location);
}
