// What the shared-ledger benchmarks (bench/postgres.ts, bench/fleet.ts) both need: the server, a
// statement run on a connection of its own, a schema-scoped URL and a bare environment for airtime.
import pg from 'pg';

// These files run bundled into bench/tmp/ (see bench/build.mjs).
export const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN = `${ROOT}bin/airtime.cjs`;
export const SERVER = process.env.AIRTIME_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The server's URL with its search_path set to `schema`: each case in a schema of its own. */
export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

/** Runs one statement (or several) on a connection of its own. */
export async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A bare environment for airtime: none of the machine's AT_*, AIRTIME_* or NODE_EXTRA_CA_CERTS. */
export function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, LANG: 'C.UTF-8', ...extra };
}
