// The first code Node runs, and the only file loaded the ordinary way: `airtime --version`, which
// scripts call to probe an install, is answered from it alone. Every other command loads the
// bundle of the hot path (dist/airtime.cjs) through the code cache (src/code-cache.ts), and each
// heavy module (SQLite, PostgreSQL, HTTP, prompts, YAML, bulk, serve, emulator) loads its own
// file through `load` when a command first needs it (scripts/build.mjs turns their import() into
// calls of it).
import { bundleLoader } from './code-cache.js';
import { directStdio } from './stdio.js';

declare const __AIRTIME_VERSION__: string;
declare const __AIRTIME_BUNDLES__: Record<string, string>;

let loader: ((file: string) => unknown) | undefined;

const args = process.argv.slice(2);
// --debug: stack traces name the TypeScript sources, through the maps beside each bundle. Node
// reads them only for files loaded after this, and only through its own loader (require), so the
// code cache, which compiles through vm.Script, stands aside for the run. Other runs read no map.
const debug = args.includes('--debug');
if (debug) process.setSourceMapsEnabled(true);

/** Runs a bundle of dist/ once (with cached code where there is some) and returns its exports. */
export function load(file: string): unknown {
  loader ??= bundleLoader({
    dir: __dirname,
    hashes: __AIRTIME_BUNDLES__,
    env: debug ? { ...process.env, AIRTIME_CODE_CACHE: '0' } : process.env,
  });
  return loader(file);
}

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  directStdio(1, () => process.stdout).write(`${__AIRTIME_VERSION__}\n`);
} else {
  const { main } = load('airtime.cjs') as { main(argv: string[]): Promise<never> };
  void main(args);
}
