// Builds dist/: cuts libphonenumber-js's "max" metadata down to the supported countries, then
// bundles the CLI with esbuild. Run by `npm install` (prepare) and before every `npm test`.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8'));

// The supported markets are defined once, in TypeScript; compile that one file to read them.
async function loadMarkets() {
  const out = await build({
    entryPoints: [`${root}src/core/countries.ts`],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
  });
  const code = out.outputFiles[0].text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return mod.MARKETS;
}

// "max" metadata is the only kind that tells mobile from fixed-line numbers (+254202345678 is a
// valid Nairobi landline). Its generator downloads from the internet, which a build cannot rely
// on, so the shipped JSON is filtered instead: 153 KB for 245 countries becomes a few KB. The file is
// committed, so that a fresh clone type-checks before any build; the build rewrites it when
// libphonenumber-js's metadata changes, and the diff shows what changed.
async function writePhoneMetadata(markets) {
  const max = JSON.parse(await readFile(require.resolve('libphonenumber-js/metadata.max.json'), 'utf8'));
  const countries = {};
  const callingCodes = {};
  for (const market of markets) {
    const entry = max.countries[market.country];
    if (!entry) throw new Error(`libphonenumber-js has no metadata for ${market.country}`);
    countries[market.country] = entry;
    callingCodes[market.callingCode] = [market.country];
  }
  const subset = { version: max.version, country_calling_codes: callingCodes, countries, nonGeographic: {} };
  const target = `${root}src/core/phone-metadata.json`;
  const text = `${JSON.stringify(subset)}\n`;
  const previous = await readFile(target, 'utf8').catch(() => '');
  if (previous !== text) await writeFile(target, text);
}

async function bundle() {
  await rm(`${root}dist`, { recursive: true, force: true });
  await build({
    entryPoints: { main: `${root}src/main.ts` },
    outdir: `${root}dist`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: 'none',
    define: { __AIRTIME_VERSION__: JSON.stringify(pkg.version) },
    chunkNames: 'chunks/[name]-[hash]',
    // better-sqlite3 is a native addon; typescript and import-fresh are cosmiconfig's optional
    // loaders for .ts/.cjs config files and are resolved from node_modules only when used.
    external: ['better-sqlite3', 'typescript', 'import-fresh'],
    // Bundled CommonJS dependencies (cosmiconfig, js-yaml) call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __airtimeCreateRequire } from 'node:module'; const require = __airtimeCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // CommonJS starts sooner than an ES module; the launcher answers --version, then loads main.js.
  await build({
    entryPoints: [`${root}src/launcher.ts`],
    outfile: `${root}dist/launcher.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: ['./main.js'],
    define: { __AIRTIME_VERSION__: JSON.stringify(pkg.version) },
    logLevel: 'warning',
  });
}

const markets = await loadMarkets();
await writePhoneMetadata(markets);
if (!process.argv.includes('--metadata-only')) await bundle();
