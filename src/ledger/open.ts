// Which store a ledger location names: a postgres:// URL is the shared PostgreSQL ledger (`pg` is
// loaded only then), a filesystem path the embedded SQLite one (better-sqlite3, a native module,
// loaded only when a command uses the ledger). Anything else that looks like a URL is refused: it
// is never taken for a file name, nor a file name for a URL (src/core/ledger-location.ts).
import { existsSync } from 'node:fs';
import { ledgerKind } from '../core/ledger-location.js';
import type { Ledger } from './store.js';

/** Opens the ledger for writing (created when missing): exit 4 LEDGER_ERROR when it cannot be used. */
export async function openLedger(location: string): Promise<Ledger> {
  if (ledgerKind(location) === 'postgres') {
    const { PostgresLedger } = await import('./postgres/ledger.js');
    return PostgresLedger.open(location);
  }
  const { SqliteLedger } = await import('./sqlite/ledger.js');
  return SqliteLedger.open(location);
}

/** Opens the ledger to read it; null when there is none yet (a missing ledger is an empty one). */
export async function openLedgerForReading(location: string): Promise<Ledger | null> {
  if (ledgerKind(location) === 'postgres') {
    const { PostgresLedger } = await import('./postgres/ledger.js');
    return PostgresLedger.openForReading(location);
  }
  // No file, no ledger: said without loading SQLite's native module (a dry run, a first status).
  if (!existsSync(location)) return null;
  const { SqliteLedger } = await import('./sqlite/ledger.js');
  return SqliteLedger.openForReading(location);
}
