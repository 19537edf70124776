// The first code Node runs, and the only file loaded the ordinary way: `airtime --version`, which
// scripts call to probe an install, is answered from it alone. Every other command loads the
// bundle of the hot path (dist/airtime.cjs) through the code cache (src/code-cache.ts), and each
// heavy module (SQLite, PostgreSQL, HTTP, prompts, YAML, bulk, serve, emulator) loads its own
// file through `load` when a command first needs it (scripts/build.mjs turns their import() into
// calls of it).
import { bundleLoader } from './code-cache.js';

declare const __AIRTIME_VERSION__: string;
declare const __AIRTIME_BUNDLES__: Record<string, string>;

let loader: ((file: string) => unknown) | undefined;

/** Runs a bundle of dist/ once (with cached code where there is some) and returns its exports. */
export function load(file: string): unknown {
  loader ??= bundleLoader({ dir: __dirname, hashes: __AIRTIME_BUNDLES__, env: process.env });
  return loader(file);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${__AIRTIME_VERSION__}\n`);
} else {
  const { main } = load('airtime.cjs') as { main(argv: string[]): Promise<never> };
  void main(args);
}
