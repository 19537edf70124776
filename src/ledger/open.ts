// Which store a ledger location names: a postgres:// URL is the shared PostgreSQL ledger (`pg` is
// loaded only then), a filesystem path the embedded SQLite one (better-sqlite3, a native module,
// loaded only when a command uses the ledger). Anything else that looks like a URL is refused: it
// is never taken for a file name, nor a file name for a URL (src/core/ledger-location.ts).
import { existsSync } from 'node:fs';
import { ledgerKind, redactLocation } from '../core/ledger-location.js';
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

/** What `airtime doctor` says of a ledger: where, whether it is there, its schema, and whether it can be written. */
export interface LedgerInspection {
  kind: 'sqlite' | 'postgres';
  /** The path, or the URL with its password redacted. */
  location: string;
  exists: boolean;
  /** Null for a ledger not created yet. */
  version: number | null;
  /** The version this airtime writes. */
  latest: number;
  /** Why it could not be written (or, when missing, created); null when it can. */
  problem: string | null;
}

/**
 * Looks at the ledger without changing it: opened for reading (never created, never migrated),
 * its write access judged from permissions or grants. Exit 4 LEDGER_ERROR when it cannot be read.
 */
export async function inspectLedger(location: string): Promise<LedgerInspection> {
  const kind = ledgerKind(location);
  const ledger = await openLedgerForReading(location);
  if (ledger) {
    try {
      const { version, latest } = await ledger.schemaVersion();
      return { kind, location: ledger.location, exists: true, version, latest, problem: await ledger.writeProblem() };
    } finally {
      await ledger.close();
    }
  }
  // Through each store's own module: the hot path's file holds neither (scripts/build.mjs).
  if (kind === 'postgres') {
    const { PostgresLedger } = await import('./postgres/ledger.js');
    const problem = await PostgresLedger.creationProblem(location);
    return { kind, location: redactLocation(location), exists: false, version: null, latest: PostgresLedger.latestSchema, problem };
  }
  const { SqliteLedger } = await import('./sqlite/ledger.js');
  return {
    kind,
    location,
    exists: false,
    version: null,
    latest: SqliteLedger.latestSchema,
    problem: SqliteLedger.creationProblem(location),
  };
}
