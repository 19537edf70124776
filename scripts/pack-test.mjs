// `node scripts/pack-test.mjs` (run by .ci/run after npm test): the package as a user gets it. Packs
// the project (prepack builds it), installs the tarball globally into an empty prefix without the
// network, then runs the installed `airtime`: --version, a validate, and a send against the emulator.
//
// Without the network: npm resolves a tarball's dependencies from the registry's metadata, which a
// project's `npm install` (from its lock file) never fetched, so `--offline` cannot resolve them. The
// test serves them itself, on 127.0.0.1: each runtime dependency npm-shrinkwrap.json pins (only
// better-sqlite3 and what it needs: everything else is bundled into dist/), packed from the
// node_modules `npm install` made. better-sqlite3 is the one with native code; its install script
// would download a prebuilt binary or compile SQLite for three minutes, so scripts are skipped and
// the binary `npm install` built for this project (same Node, same machine) is copied in.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'airtime-pack-'));
const failures = [];

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** As run(), without blocking the event loop (the local registry answers from this process). */
function runAsync(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (status) =>
      status === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${command} ${args.join(' ')} exited ${status}\n${stdout}\n${stderr}`)),
    );
  });
}

/**
 * A registry on 127.0.0.1 holding exactly the runtime dependencies the shrinkwrap pins, each packed
 * from node_modules (scripts not run), with its metadata from its own package.json.
 */
async function localRegistry(dir) {
  mkdirSync(dir, { recursive: true });
  const lock = JSON.parse(readFileSync(join(root, 'npm-shrinkwrap.json'), 'utf8'));
  const runtime = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev && !entry.devOptional)
    .map(([path]) => path);
  const packuments = new Map();
  const tarballs = new Map();
  const server = createServer((request, response) => {
    const path = decodeURIComponent(request.url ?? '/').slice(1);
    const tarball = tarballs.get(path);
    if (tarball) return response.end(readFileSync(tarball));
    const packument = packuments.get(path);
    if (!packument) {
      response.statusCode = 404;
      return response.end('{}');
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(packument));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  for (const path of runtime) {
    if (path.slice('node_modules/'.length).includes('/node_modules/'))
      throw new Error(`a nested dependency (${path}): teach the local registry`);
    const manifest = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8'));
    const [packed] = JSON.parse(
      run('npm', ['pack', join(root, path), '--pack-destination', dir, '--ignore-scripts', '--json'], { cwd: dir }).stdout,
    );
    const file = `${manifest.name}/-/${packed.filename}`;
    tarballs.set(file, join(dir, packed.filename));
    const { name, version, dependencies, optionalDependencies, peerDependencies, bin, engines, os, cpu, scripts } = manifest;
    packuments.set(name, {
      name,
      'dist-tags': { latest: version },
      versions: {
        [version]: {
          name,
          version,
          dependencies,
          optionalDependencies,
          peerDependencies,
          bin,
          engines,
          os,
          cpu,
          scripts,
          dist: { tarball: `${url}/${file}`, integrity: packed.integrity },
        },
      },
    });
  }
  return { url, close: () => server.close() };
}

/** npm's own warnings about what we ship (scripts, fields, engines); none is expected. */
function ourWarnings(output) {
  return output.split('\n').filter((line) => /^npm warn/i.test(line));
}

try {
  const packed = run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root });
  const [{ filename, files }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
  const shipped = files.map((f) => f.path);
  for (const wanted of [
    'bin/airtime.cjs',
    'dist/launcher.cjs',
    'dist/airtime.cjs',
    'npm-shrinkwrap.json',
    'README.md',
    'CHANGELOG.md',
    'docs/shared-ledger.md',
    '.airtimerc.example',
  ]) {
    if (!shipped.includes(wanted)) failures.push(`the package lacks ${wanted}`);
  }
  for (const path of shipped) if (/^(src|test|bench|scripts)\//.test(path)) failures.push(`the package ships ${path}`);
  failures.push(...ourWarnings(packed.stderr).map((line) => `npm pack: ${line}`));

  const registry = await localRegistry(join(work, 'registry'));
  const prefix = join(work, 'prefix');
  let installed;
  try {
    installed = await runAsync(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--registry',
        registry.url,
        '--cache',
        join(work, 'npm-cache'),
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        join(work, filename),
      ],
      { cwd: work, env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
  } finally {
    registry.close();
  }
  failures.push(...ourWarnings(`${installed.stdout}\n${installed.stderr}`).map((line) => `npm install: ${line}`));
  const pkg = join(prefix, 'lib', 'node_modules', 'airtime');
  const native = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  cpSync(join(root, native), join(pkg, native), { recursive: true });
  const bin = join(prefix, 'bin', 'airtime');
  if (!existsSync(bin)) throw new Error(`npm did not link ${bin}`);
  const deps = readdirSync(join(pkg, 'node_modules'));
  if (deps.includes('commander') || deps.includes('pg')) failures.push(`bundled packages were installed too: ${deps.join(' ')}`);

  // A user's machine: a fresh HOME, no airtime settings of the developer's.
  const home = join(work, 'home');
  const env = {
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    LANG: 'C.UTF-8',
  };
  const version = run(bin, ['--version'], { env }).stdout.trim();
  const expected = JSON.parse(run('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { cwd: root }).stdout);
  if (version !== expected) failures.push(`airtime --version printed ${version}, not ${expected}`);
  const validated = JSON.parse(run(bin, ['validate', '+254711000001', '50', '--json'], { env }).stdout);
  if (!validated.valid) failures.push(`validate answered ${JSON.stringify(validated)}`);

  // The installed emulator, and a send through it into a ledger in the fresh HOME.
  const emulator = spawn(bin, ['emulator', '--port', '0', '--quiet'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const stopped = new Promise((resolve) => emulator.once('exit', resolve));
  try {
    const url = await new Promise((resolve, reject) => {
      emulator.stdout.once('data', (chunk) => resolve(String(chunk).split('\n')[0].replace('AIRTIME_API_URL=', '')));
      emulator.once('exit', (code) => reject(new Error(`the installed emulator exited ${code}`)));
    });
    const sendEnv = { ...env, AIRTIME_API_URL: url, AT_USERNAME: 'sandbox', AT_API_KEY: 'pack-test-key' };
    const sent = JSON.parse(run(bin, ['send', '+254711000001', '50', '--key', 'pack-1', '--yes', '--json'], { env: sendEnv }).stdout);
    if (sent.state !== 'sent') failures.push(`the installed send answered ${JSON.stringify(sent)}`);
    const status = JSON.parse(run(bin, ['status', 'pack-1', '--json'], { env: sendEnv }).stdout);
    if (status.transactions?.[0]?.state !== 'sent') failures.push(`status after the send: ${JSON.stringify(status)}`);
  } finally {
    emulator.kill('SIGTERM');
    await stopped; // it writes its code cache as it exits, into the HOME removed below
  }
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`✖ ${failure}`);
  process.exit(1);
}
console.log('✔ packed, installed offline into an empty prefix, and ran: --version, validate, a send against the emulator');
