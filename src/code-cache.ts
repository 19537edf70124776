// Loads the built bundles (dist/*.cjs) with V8's compiled code kept between runs, so a command
// does not pay to compile the same JavaScript every time it starts. Node 22.1+ does this itself
// (`module.enableCompileCache`); on Node 20 each bundle is compiled through vm.Script with the
// cached data of an earlier run. The cache is an optimisation and never a reason to fail: a
// missing, stale, corrupt or unreadable cache is compiled past, and a folder that cannot be
// written is left alone (one failed mkdir or open, nothing serialised).
//
// One file per bundle, named by the bundle's content hash, the Node version and the CPU, in
// $XDG_CACHE_HOME/airtime (or ~/.cache/airtime). Inside: a magic word and the payload's length,
// then V8's data, twice. V8 checks its own version, flags and the source's length, but in a release
// build not the payload, which it would deserialise as it is (a damaged one aborts Node): a reader
// compares the two copies first, so a damaged file never reaches it. A checksum would do the same,
// but the one Node has (zlib's CRC-32) loads node:zlib, and with it Node's streams: ~6 ms of every
// command, where comparing the copies is one memcmp, for the price of the file's size.
import * as fs from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import type * as vm from 'node:vm';

// node:fs, node:path and node:module are loaded by Node's own CommonJS loader before this runs;
// node:vm and node:os are required where used, so `airtime --version` loads neither.
const builtin = <T>(name: string): T => require(name) as T;

const MAGIC = 0x41_54_43_32; // "ATC2"
const HEADER_BYTES = 8;

type Loaded = { exports: unknown };

export interface Bundles {
  /** The folder the bundles are in (dist/). */
  dir: string;
  /** Each bundle's file name and the hash of its content, fixed by the build. */
  hashes: Readonly<Record<string, string>>;
  env: NodeJS.ProcessEnv;
}

/** The folder V8's cached code goes in: $XDG_CACHE_HOME/airtime, or ~/.cache/airtime. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || builtin<typeof import('node:os')>('node:os').homedir(), '.cache'), 'airtime');
}

/** The payload of a cache file, or undefined when the file is not one of ours, or is damaged (its two copies differ). */
export function readPayload(file: Buffer): Buffer | undefined {
  if (file.byteLength < HEADER_BYTES || file.readUInt32LE(0) !== MAGIC) return undefined;
  const length = file.readUInt32LE(4);
  if (HEADER_BYTES + 2 * length !== file.byteLength) return undefined;
  const payload = file.subarray(HEADER_BYTES, HEADER_BYTES + length);
  return payload.equals(file.subarray(HEADER_BYTES + length)) ? payload : undefined;
}

/** A cache file: the header, and the payload twice. */
export function cacheFileOf(payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt32LE(payload.byteLength, 4);
  return Buffer.concat([header, payload, payload]);
}

/**
 * Returns a loader of the bundles: each is run once, like require() would, and its exports kept.
 * Node 22.1+ caches compiled code itself, in the same folder; older Node goes through vm.Script.
 */
export function bundleLoader(bundles: Bundles): (file: string) => unknown {
  const loaded = new Map<string, Loaded>();
  const cacheDir = codeCacheDir(bundles.env);
  const off = bundles.env.AIRTIME_CODE_CACHE === '0';
  const enable = (nodeModule as { enableCompileCache?: (dir?: string) => { status: number } }).enableCompileCache;
  const constants = (nodeModule as { constants?: { compileCacheStatus?: Record<string, number> } }).constants?.compileCacheStatus;
  let nodeCaches = false;
  if (!off && enable && constants) {
    try {
      const { status } = enable(join(cacheDir, 'node'));
      nodeCaches = status === constants.ENABLED || status === constants.ALREADY_ENABLED;
    } catch {
      // An unusable folder: Node runs without its cache, and so do we.
    }
  }
  const pending: (() => void)[] = [];
  process.once('exit', () => {
    for (const write of pending) write();
  });

  return (file) => {
    const done = loaded.get(file);
    if (done) return done.exports;
    const filename = join(bundles.dir, file);
    const require = nodeModule.createRequire(filename);
    if (off || nodeCaches) {
      const module = { exports: require(filename) };
      loaded.set(file, module);
      return module.exports;
    }
    const cacheFile = join(cacheDir, `${file}-${bundles.hashes[file] ?? 'dev'}-${process.version}-${process.arch}.v8`);
    const cached = readCache(cacheFile);
    // The same wrapper Node's CommonJS loader puts around a file.
    const source = `(function (exports, require, module, __filename, __dirname) { ${fs.readFileSync(filename, 'latin1')}\n})`;
    const script = new (builtin<typeof vm>('node:vm').Script)(source, { filename, ...(cached ? { cachedData: cached } : {}) });
    const module: Loaded = { exports: {} };
    loaded.set(file, module);
    const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
    wrapper.call(module.exports, module.exports, require, module, filename, bundles.dir);
    // Written as the process ends, so the functions this run compiled are in it too.
    if (!cached || script.cachedDataRejected) pending.push(() => writeCache(cacheDir, cacheFile, file, script));
    return module.exports;
  };
}

function readCache(path: string): Buffer | undefined {
  try {
    return readPayload(fs.readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Another build's cache of a bundle is removed once unused this long (two installs may take turns). */
const KEEP_OTHERS_MS = 30 * 24 * 3600 * 1000;

/**
 * Writes the cache through a temporary file and a rename, so a reader never sees half of one;
 * first proves the folder writable (an open with O_EXCL), so a read-only home costs one failed
 * call and no serialising. Caches of the same bundle from other builds or Node versions are removed
 * when a month old: not at once, or two installs of different versions would rewrite theirs every run.
 */
function writeCache(dir: string, path: string, file: string, script: vm.Script): void {
  const temporary = `${path}.${process.pid}-${Date.now()}.tmp`;
  let fd: number | undefined;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = fs.openSync(temporary, 'wx', 0o600);
    fs.writeSync(fd, cacheFileOf(script.createCachedData()));
    fs.closeSync(fd);
    fd = undefined;
    // The rejected file goes first: ext4 flushes a file renamed over another to disk before the
    // rename returns (auto_da_alloc), 10-20 ms here. A reader in between finds no cache, and compiles.
    fs.rmSync(path, { force: true });
    fs.renameSync(temporary, path);
    const name = path.slice(dir.length + 1);
    for (const other of fs.readdirSync(dir)) {
      if (!other.startsWith(`${file}-`) || !other.endsWith('.v8') || other === name) continue;
      const stale = join(dir, other);
      if (Date.now() - fs.statSync(stale).mtimeMs > KEEP_OTHERS_MS) fs.rmSync(stale, { force: true });
    }
  } catch {
    try {
      if (fd !== undefined) fs.closeSync(fd);
      fs.rmSync(temporary, { force: true });
    } catch {
      // Nothing more to undo: the cache is only ever an optimisation.
    }
  }
}
