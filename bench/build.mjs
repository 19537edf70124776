// Benchmarks written in TypeScript import the project's source directly; this bundles one into
// bench/tmp/ (native better-sqlite3 stays external) and returns the path to run with node.

import { basename } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './lib.mjs';

export async function bundleBench(entry) {
  const outfile = `${ROOT}bench/tmp/${basename(entry, '.ts')}.mjs`;
  await build({
    entryPoints: [`${ROOT}${entry}`],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['better-sqlite3', 'pg'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
  return outfile;
}
