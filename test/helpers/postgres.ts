// The PostgreSQL leg of the suite: AIRTIME_TEST_POSTGRES_URL names a server the tests may create
// schemas in (CI sets it; elsewhere the leg is skipped, see test/global-setup.ts). Each test file
// gets its own schema, named in the URL's search_path, so files running at once never meet.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe } from 'vitest';

export const POSTGRES_URL = process.env.AIRTIME_TEST_POSTGRES_URL;

/** `describe` where the PostgreSQL leg runs, `describe.skip` where it does not. */
export const describePostgres = POSTGRES_URL ? describe : describe.skip;

/** The server's URL with a search_path option (and any other query parameters kept). */
export function urlWithSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

const CLIENTS = new Map<string, Promise<pg.Client>>();

/** Runs SQL on the test server as the test itself (to look under the store, or forge a row): one connection per URL. */
export async function admin<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  let client = CLIENTS.get(url);
  if (!client) {
    const made = new pg.Client({ connectionString: url });
    client = made.connect().then(() => made);
    CLIENTS.set(url, client);
  }
  return (await (await client).query(sql, params)).rows as T[];
}

/**
 * A fresh, empty schema for this test file (or one call), dropped after the file: returns the
 * ledger URL that uses it. Throws where the leg does not run: call it inside describePostgres.
 */
export async function freshSchema(): Promise<string> {
  if (!POSTGRES_URL) throw new Error('AIRTIME_TEST_POSTGRES_URL is not set');
  const schema = `airtime_test_${randomBytes(6).toString('hex')}`;
  await admin(POSTGRES_URL, `CREATE SCHEMA ${schema}`);
  SCHEMAS.push(schema);
  return urlWithSchema(POSTGRES_URL, schema);
}

const SCHEMAS: string[] = [];

afterAll(async () => {
  if (POSTGRES_URL && SCHEMAS.length > 0) await admin(POSTGRES_URL, `DROP SCHEMA IF EXISTS ${SCHEMAS.splice(0).join(', ')} CASCADE`);
  for (const client of CLIENTS.values()) await (await client).end();
  CLIENTS.clear();
});
