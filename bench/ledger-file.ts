// An empty ledger (created and migrated, no transactions) for the start-up benchmark's `status`.
import { SqliteDatabase } from '../src/ledger/sqlite/driver.js';

export function createEmptyLedger(path: string): void {
  SqliteDatabase.open(path).close();
}
