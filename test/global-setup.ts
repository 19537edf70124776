// Once per test run: the PostgreSQL leg runs against AIRTIME_TEST_POSTGRES_URL (set by .ci/run,
// where an unreachable server is a failure), and is skipped, with this one line, where it is unset.
export default function setup(): void {
  if (!process.env.AIRTIME_TEST_POSTGRES_URL) {
    process.stderr.write('PostgreSQL leg skipped: AIRTIME_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)\n');
  }
}
