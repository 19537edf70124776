// `node scripts/check-layers.mjs`: the house rule that imports only point down, checked on every
// relative import under src/ (type-only imports too: a loop of types still ties two rooms together).
// Fails on an import cycle and on an import that runs up the layers below (docs/architecture.md).
// A short script rather than dependency-cruiser: the rule is this one table, and dependency-cruiser's
// current line needs Node 22 (this project runs on 20).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Highest first. A file may import from its own layer and the layers below it, never above. */
export const LAYERS = [
  ['entry', ['main.ts', 'launcher.ts', 'code-cache.ts', 'cli.ts', 'context.ts']],
  ['commands', ['commands/']],
  ['ui', ['ui/']],
  ['engines', ['transaction.ts', 'bulk/', 'server/']],
  ['results', ['results/']],
  ['adapters', ['at/', 'ledger/', 'config/', 'emulator/', 'signals.ts', 'streams.ts', 'stdio.ts']],
  ['core', ['core/']],
];

/** Rooms of one floor that must not see each other: printers never run the engines, engines never print. */
export const APART = [['ui', 'engines']];

/** Where each package may be imported: the one room that speaks to it (docs/architecture.md). */
export const PACKAGE_ROOMS = {
  chalk: ['ui/'],
  ora: ['ui/'],
  '@inquirer/prompts': ['ui/'],
  'better-sqlite3': ['ledger/'],
  pg: ['ledger/'],
  undici: ['at/'],
  cosmiconfig: ['config/'],
  'libphonenumber-js': ['core/'],
  commander: ['cli.ts', 'commands/'],
};

/** The only files that end the process: main.ts, and a second Ctrl-C (signals.ts) that quits at once. */
export const EXITS = ['main.ts', 'signals.ts'];

const inRoom = (file, prefixes) => prefixes.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p));

export function layerOf(file) {
  const index = LAYERS.findIndex(([, prefixes]) => inRoom(file, prefixes));
  return index === -1 ? undefined : index;
}

export function checkLayers(root) {
  const src = join(root, 'src');
  const files = [];
  (function walk(dir) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(m?ts|m?js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  })(src);
  const known = new Set(files);
  const resolveImport = (from, spec) => {
    const base = resolve(dirname(from), spec).replace(/\.(m?js)$/, '');
    return [`${base}.ts`, `${base}.mts`, `${base}.js`, join(base, 'index.ts')].find((candidate) => known.has(candidate));
  };
  const graph = new Map();
  const problems = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set();
    const name = relative(src, file);
    for (const match of text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = match[1] ?? match[2];
      if (spec.startsWith('.')) {
        const target = resolveImport(file, spec);
        if (target) deps.add(target);
        continue;
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      const rooms = PACKAGE_ROOMS[pkg];
      if (rooms && !inRoom(name, rooms)) problems.push(`${name} imports ${pkg}, which only ${rooms.join(' and ')} may import`);
    }
    graph.set(file, deps);
    if (/\bprocess\.exit\(/.test(text) && !EXITS.includes(name))
      problems.push(`${name} calls process.exit: only ${EXITS.join(' and ')} end the process`);
    const own = layerOf(name);
    if (own === undefined) {
      problems.push(`${name} belongs to no layer: add it to LAYERS in scripts/check-layers.mjs`);
      continue;
    }
    for (const dep of deps) {
      const target = relative(src, dep);
      const theirs = layerOf(target);
      if (theirs !== undefined && theirs < own) {
        problems.push(`${name} (${LAYERS[own][0]}) imports ${target} (${LAYERS[theirs][0]}), a layer above it`);
      }
      const pair = [LAYERS[own][0], LAYERS[theirs ?? own][0]];
      if (pair[0] !== pair[1] && APART.some((apart) => apart.includes(pair[0]) && apart.includes(pair[1]))) {
        problems.push(`${name} (${pair[0]}) imports ${target} (${pair[1]}): the two are kept apart`);
      }
    }
  }
  // Cycles, by depth-first search.
  const state = new Map();
  const stack = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (state.get(dep) === 1) {
        const cycle = stack
          .slice(stack.indexOf(dep))
          .concat(dep)
          .map((f) => relative(src, f));
        problems.push(`import cycle: ${cycle.join(' -> ')}`);
      } else if (!state.get(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const file of files) if (!state.get(file)) visit(file);
  return { files: files.length, problems };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, problems } = checkLayers(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  for (const problem of problems) console.error(problem);
  console.error(`${files} files, ${problems.length} layer problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
