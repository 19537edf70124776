// Builds dist/: cuts libphonenumber-js's "max" metadata down to the supported countries, then
// bundles the CLI with esbuild. Run by `npm install` (prepare) and before every `npm test`.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, relative, resolve } from 'node:path';
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

/**
 * The modules each loaded from a file of its own, the first time a command needs it: everything
 * else the CLI runs is one CommonJS file, dist/airtime.cjs. Each is named by the source file (or
 * package) that the rest of the code reaches only through import().
 */
export const LAZY = {
  'http.cjs': 'src/at/http.ts', // node:http, node:https and tls
  'proxy.cjs': 'src/at/proxy.ts', // undici, only with a proxy variable set
  'sqlite.cjs': 'src/ledger/sqlite/ledger.ts', // better-sqlite3, a native addon
  'postgres.cjs': 'src/ledger/postgres/ledger.ts', // pg, only for a postgres:// ledger
  'yaml.cjs': 'src/config/yaml.ts', // cosmiconfig and js-yaml, only for a YAML config file
  'prompts.cjs': '@inquirer/prompts', // only at a terminal
  'spinner.cjs': 'ora', // only at a terminal
  'bulk.cjs': 'src/commands/bulk.ts', // send --file, validate --file
  'serve.cjs': 'src/commands/serve.ts',
  'emulator.cjs': 'src/commands/emulator.ts',
  'ledger-tools.cjs': 'src/ledger/migrate.ts', // ledger migrate and ledger backup: both stores at once
  'doctor.cjs': 'src/commands/doctor.ts',
  'config-edit.cjs': 'src/config/edit.ts', // config get, set and unset
  'help.cjs': 'src/commands/help/help.ts', // airtime help: its topics and their printer
};

/** Packages never bundled: Node resolves them from node_modules at run time, if they are ever loaded. */
const EXTERNAL = [
  // how better-sqlite3 finds its native addon, used only where it is not where npm puts it, and its
  // package.json, resolved to find its folder (see nativeSqlite)
  'bindings',
  'better-sqlite3/package.json',
  // cosmiconfig's optional loaders for .ts/.cjs config files, never reached (code configs are refused)
  'typescript',
  'import-fresh',
  // pg's optional libpq binding, loaded only through pg.native, which airtime does not use
  'pg-native',
];

/** What must never be in the hot path's file: each is the reason one of the LAZY files exists. */
const NEVER_HOT = [
  'node_modules/better-sqlite3/',
  'node_modules/undici/',
  'node_modules/@inquirer/',
  'node_modules/cosmiconfig/',
  'node_modules/js-yaml/',
  'node_modules/ora/',
  'node_modules/pg/',
  'src/bulk/',
  'src/server/',
  'src/emulator/',
  'src/ledger/postgres/',
  'src/ledger/sqlite/',
  'src/commands/help/',
  'src/ui/print/help.ts',
];

/**
 * Files whose import() calls are never reached: cosmiconfig's loaders of .mjs and .ts config files
 * (airtime reads only its YAML loader, and refuses code config files before any loader runs).
 */
const IMPORT_ALLOWED = ['yaml.cjs'];

const COMMON = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  // A map beside each file, which Node reads only once --debug turns source maps on (src/launcher.ts):
  // a stack trace then names src/…/*.ts lines instead of a minified file's column 724.
  sourcemap: 'linked',
  sourcesContent: false,
  define: { __AIRTIME_VERSION__: JSON.stringify(pkg.version) },
  external: EXTERNAL,
  metafile: true,
  write: false,
  logLevel: 'warning',
};

const LAZY_BY_SOURCE = new Map(Object.entries(LAZY).map(([file, source]) => [source, file]));
/** A path as esbuild's metafile names it: relative to the project (node_modules may be a link elsewhere). */
const relativePath = (path) => relative(root, path);

/**
 * Cuts the program into its files. An import of one of the LAZY modules becomes a call of the
 * launcher's `load` (which runs that file once, with the code cache); in a LAZY file, an import of
 * a module that the hot path's file (or the shared file) already holds is answered from there. So
 * each module exists once: one AirtimeError class for every instanceof, one list of kept SQLite
 * statements, one signal-exit hooked on the process.
 */
function splitter(self, providers = []) {
  return {
    name: 'airtime-split',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'resolving' || args.kind === 'entry-point') return undefined;
        if (args.path === './launcher.cjs') return { path: args.path, external: true };
        const byName = LAZY_BY_SOURCE.get(args.path);
        if (byName && byName !== self) return { path: byName, namespace: 'airtime-lazy' };
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (resolved.errors.length > 0 || resolved.external) return resolved;
        const source = relativePath(resolved.path);
        const lazy = LAZY_BY_SOURCE.get(source);
        if (lazy && lazy !== self) return { path: lazy, namespace: 'airtime-lazy' };
        const provider = providers.find((p) => p.file !== self && p.inputs.has(source));
        if (provider) {
          provider.taken.add(source);
          return { path: `${provider.file}|${source}`, namespace: 'airtime-shared' };
        }
        return resolved;
      });
      build.onLoad({ filter: /.*/, namespace: 'airtime-lazy' }, (args) => ({
        contents: `module.exports = require('./launcher.cjs').load(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
      build.onLoad({ filter: /.*/, namespace: 'airtime-shared' }, async (args) => {
        const [file, source] = args.path.split('|');
        const taken = `require('./launcher.cjs').load(${JSON.stringify(file)}).shared[${JSON.stringify(source)}]()`;
        const names = await esmExports(source);
        // A CommonJS module is its exports object. An ES module is re-exported name by name, so a
        // default import gets its default export, in ES modules and in Node's interop mode alike.
        if (!names) return { contents: `module.exports = ${taken};`, loader: 'js' };
        const lines = names.map((name) =>
          name === 'default' ? 'export default shared.default;' : `export const ${name} = shared.${name};`,
        );
        return { contents: `const shared = ${taken};\n${lines.join('\n')}\n`, loader: 'js' };
      });
    },
  };
}

/**
 * commander loads node:child_process at once, for executable subcommands airtime never uses: it
 * is loaded when one would be spawned, so no command pays for it (each built-in costs start-up).
 */
const lazyChildProcess = {
  name: 'airtime-lazy-child-process',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!text.includes(eager)) throw new Error(`commander no longer loads child_process as ${eager}: review this plugin`);
      const lazy = "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };";
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * chalk's supports-color asks node:tty, as chalk loads, whether stdout and stderr are terminals, and
 * node:tty loads node:net: a cost to every command whose output is a pipe or a file. Its isatty
 * is answered from fstat first: a pipe or a file is no terminal, and only a character device is
 * asked of node:tty. (airtime's own colour decision is src/ui/color.ts; chalk's is kept as it was.)
 */
const lazyTty = {
  name: 'airtime-lazy-tty',
  setup(build) {
    build.onLoad({ filter: /[\\/]chalk[\\/]source[\\/]vendor[\\/]supports-color[\\/]index\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "import tty from 'node:tty';";
      if (!text.includes(eager)) throw new Error(`chalk's supports-color no longer loads tty as ${eager}: review this plugin`);
      const lazy = `import { fstatSync } from 'node:fs';
const tty = {
  isatty(fd) {
    try {
      if (!fstatSync(fd).isCharacterDevice()) return false;
    } catch {
      return false;
    }
    return require('node:tty').isatty(fd);
  },
};`;
      return { contents: text.replace(eager, lazy), loader: 'js' };
    });
  },
};

/**
 * better-sqlite3's JavaScript is bundled into sqlite.cjs: loaded by Node it is a dozen files to
 * resolve, read and compile at every run (~8 ms of `airtime status`), where sqlite.cjs runs from
 * the code cache. Its native addon stays in node_modules, found from better-sqlite3's own folder
 * where npm puts it (build/Release: prebuild-install, or node-gyp --release), else by `bindings`
 * as before, told the folder (it would look for it from the caller's file, now in dist/).
 */
const nativeSqlite = {
  name: 'airtime-sqlite-addon',
  setup(build) {
    build.onLoad({ filter: /[\\/]better-sqlite3[\\/]lib[\\/]database\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const found = "require('bindings')('better_sqlite3.node')";
      if (!text.includes(found)) throw new Error(`better-sqlite3 no longer finds its addon as ${found}: review this plugin`);
      const loader = `
function loadAddon() {
  const root = path.dirname(require.resolve('better-sqlite3/package.json'));
  try {
    return require(path.join(root, 'build', 'Release', 'better_sqlite3.node'));
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
  }
  return require(require.resolve('bindings', { paths: [root] }))({ bindings: 'better_sqlite3.node', module_root: root });
}
`;
      return { contents: `${text.replace(found, 'loadAddon()')}${loader}`, loader: 'js' };
    });
  },
};

const exportsBySource = new Map();

/** The names an ES module exports, or undefined for a CommonJS one. */
function esmExports(source) {
  if (!exportsBySource.has(source)) {
    exportsBySource.set(
      source,
      build({ entryPoints: [resolve(root, source)], bundle: false, write: false, metafile: true, format: 'esm', logLevel: 'silent' }).then(
        (result) => {
          const input = Object.values(result.metafile.inputs)[0];
          return input?.format === 'esm' || source.endsWith('.json') ? Object.values(result.metafile.outputs)[0].exports : undefined;
        },
      ),
    );
  }
  return exportsBySource.get(source);
}

const entryOf = (source) => (source.startsWith('src/') ? `${root}${source}` : source);
const absolute = (source) => resolve(root, source);

/** An entry that offers each of `sources` through a getter (the module is run when first asked for). */
function offering(sources, extra = '') {
  const getters = [...sources].sort().map((source) => `  ${JSON.stringify(source)}: () => require(${JSON.stringify(absolute(source))}),`);
  return { contents: `${extra}exports.shared = {\n${getters.join('\n')}\n};\n`, resolveDir: root, sourcefile: 'entry.js', loader: 'js' };
}

const HOT_MAIN = `exports.main = (argv) => require(${JSON.stringify(`${root}src/main.ts`)}).main(argv);\n`;
const SHARED = 'shared.cjs';

const inputsOf = (result) => new Set(Object.keys(result.metafile.inputs).filter((input) => !input.includes(':') && input !== 'entry.js'));

async function bundle() {
  // What the hot path holds; then each LAZY file, taking from the hot path what it already holds.
  // A module two LAZY files both need goes to a shared file (round after round, until none is left
  // twice); last, the hot path again, now offering what the others take from it, and the launcher,
  // which knows every file's hash.
  const probe = await build({
    ...COMMON,
    stdin: offering([], HOT_MAIN),
    outfile: `${root}dist/airtime.cjs`,
    plugins: [lazyChildProcess, lazyTty, splitter('airtime.cjs')],
  });
  const hot = { file: 'airtime.cjs', inputs: inputsOf(probe), taken: new Set() };
  const sharedSources = new Set();
  let outputs;
  let inputs;
  for (;;) {
    hot.taken.clear();
    outputs = [];
    inputs = {};
    const providers = [hot];
    if (sharedSources.size > 0) {
      const result = await build({
        ...COMMON,
        stdin: offering(sharedSources),
        outfile: `${root}dist/${SHARED}`,
        plugins: [splitter(SHARED, [hot])],
      });
      providers.push({ file: SHARED, inputs: inputsOf(result), taken: new Set() });
      outputs.push(...result.outputFiles);
      inputs[SHARED] = [...inputsOf(result)];
    }
    const owners = new Map();
    const twice = new Set();
    for (const [file, source] of Object.entries(LAZY)) {
      const result = await build({
        ...COMMON,
        entryPoints: [entryOf(source)],
        outfile: `${root}dist/${file}`,
        plugins: [nativeSqlite, splitter(file, providers)],
      });
      for (const input of inputsOf(result)) {
        if (owners.has(input)) twice.add(input);
        owners.set(input, file);
      }
      outputs.push(...result.outputFiles);
      inputs[file] = [...inputsOf(result)];
    }
    if (twice.size === 0) break;
    for (const input of twice) sharedSources.add(input);
  }
  const final = await build({
    ...COMMON,
    stdin: offering(hot.taken, HOT_MAIN),
    outfile: `${root}dist/airtime.cjs`,
    plugins: [lazyChildProcess, lazyTty, splitter('airtime.cjs')],
  });
  const leaked = [...inputsOf(final)].filter((input) => NEVER_HOT.some((part) => input.includes(part)));
  if (leaked.length > 0) throw new Error(`the hot path's file holds what should load on demand: ${leaked.join(', ')}`);
  outputs.push(...final.outputFiles);
  inputs['airtime.cjs'] = [...inputsOf(final)];
  const maps = outputs.filter((output) => output.path.endsWith('.map'));
  outputs = outputs.filter((output) => !output.path.endsWith('.map'));
  for (const output of outputs) {
    const file = basename(output.path);
    // The loader reads each file as latin1, the cheapest decoding, which equals UTF-8 only for ASCII.
    if (output.contents.some((byte) => byte > 0x7f)) throw new Error(`dist/${file} is not ASCII: keep esbuild's charset at ascii`);
    if (/\bimport\(/.test(output.text) && !IMPORT_ALLOWED.includes(file)) {
      throw new Error(`dist/${file} calls import(), which a bundle run through vm.Script cannot do on Node 20`);
    }
  }
  const hashes = Object.fromEntries(
    outputs.map((output) => [basename(output.path), createHash('sha256').update(output.contents).digest('hex').slice(0, 16)]),
  );
  await rm(`${root}dist`, { recursive: true, force: true });
  await mkdir(`${root}dist`, { recursive: true });
  for (const output of [...outputs, ...maps]) await writeFile(output.path, output.contents);
  // What each file holds, for test/scripts/build.test.ts and for reading.
  const manifest = Object.fromEntries(Object.entries(hashes).map(([file, hash]) => [file, { hash, inputs: inputs[file].sort() }]));
  await writeFile(`${root}dist/bundles.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  // CommonJS starts sooner than an ES module; the launcher answers --version, then loads the rest.
  await build({
    ...COMMON,
    write: true,
    metafile: false,
    minifySyntax: false,
    minifyWhitespace: false,
    sourcemap: false,
    entryPoints: [`${root}src/launcher.ts`],
    outfile: `${root}dist/launcher.cjs`,
    define: { ...COMMON.define, __AIRTIME_BUNDLES__: JSON.stringify(hashes) },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const markets = await loadMarkets();
  await writePhoneMetadata(markets);
  if (!process.argv.includes('--metadata-only')) await bundle();
}
