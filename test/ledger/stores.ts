// The store contract: tests that every ledger store must pass run once per store, from one text.
// SQLite always runs; PostgreSQL where AIRTIME_TEST_POSTGRES_URL is set (each test on a fresh
// schema of its own).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe } from 'vitest';
import { currentOwner } from '../../src/ledger/owner.js';
import { PostgresLedger, type PostgresOptions } from '../../src/ledger/postgres/ledger.js';
import type { NewTransaction } from '../../src/ledger/records.js';
import { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import type { Ledger } from '../../src/ledger/store.js';
import { admin, freshSchema, POSTGRES_URL } from '../helpers/postgres.js';

export interface StoreUnderTest {
  kind: 'sqlite' | 'postgres';
  /** Where the current test's ledger is: a file, or a URL naming a fresh schema. */
  location: string;
  /** A handle on the current test's ledger, as another process would open it. */
  open(options?: PostgresOptions): Promise<Ledger>;
  /** Raw SQL on the current test's ledger, `?` for parameters: to look under the interface, or age a row. */
  sql<T = Record<string, unknown>>(text: string, ...params: unknown[]): Promise<T[]>;
}

const STORES = [
  {
    kind: 'sqlite' as const,
    available: true,
    fresh: async () => join(mkdtempSync(join(tmpdir(), 'store-')), 'ledger.db'),
    open: async (location: string) => SqliteLedger.open(location),
    sql: async (location: string, text: string, params: unknown[]) => {
      const ledger = SqliteLedger.open(location);
      try {
        const statement = ledger.database.statement(text);
        return (statement.reader ? statement.all(...params) : (statement.run(...params), [])) as Record<string, unknown>[];
      } finally {
        await ledger.close();
      }
    },
  },
  {
    kind: 'postgres' as const,
    available: Boolean(POSTGRES_URL),
    fresh: () => freshSchema(),
    open: (location: string, options?: PostgresOptions) => PostgresLedger.open(location, options),
    sql: (location: string, text: string, params: unknown[]) => {
      let n = 0;
      return admin(
        location,
        text.replace(/\?/g, () => `$${(n += 1)}`),
        params,
      );
    },
  },
];

/** A describe block run once per store, each test on a fresh, empty ledger of that store. */
export function describeStores(name: string, body: (store: StoreUnderTest) => void): void {
  for (const candidate of STORES) {
    (candidate.available ? describe : describe.skip)(`${name} [${candidate.kind}]`, () => {
      const store: StoreUnderTest = {
        kind: candidate.kind,
        location: '',
        open: (options) => candidate.open(store.location, options),
        sql: async <T>(text: string, ...params: unknown[]) => (await candidate.sql(store.location, text, params)) as T[],
      };
      beforeEach(async () => {
        store.location = await candidate.fresh();
      });
      body(store);
    });
  }
}

/** A claim of one sandbox send by this process; the overrides say what differs. */
export function tx(overrides: Partial<NewTransaction> = {}): NewTransaction {
  return {
    account: 'sandbox',
    environment: 'sandbox',
    idempotencyKey: 'k1',
    phoneNumber: '+254712345678',
    country: 'KE',
    currency: 'KES',
    amountMinor: 5000,
    owner: currentOwner(),
    osUser: 'tester',
    host: 'test-host',
    ...overrides,
  };
}
