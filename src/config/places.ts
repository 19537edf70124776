// Where configuration is looked for. One list of places, one upward search with its bound, one
// expansion of `~`: loading, `airtime config path` and `config init` all use these.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * The places a project folder may hold its settings in: cosmiconfig's default places for the name
 * `airtime`, without the code ones. JSON and YAML only (a config file is data, never code).
 */
export const PROJECT_PLACES = [
  'package.json',
  '.airtimerc',
  '.airtimerc.json',
  '.airtimerc.yaml',
  '.airtimerc.yml',
  '.config/airtimerc',
  '.config/airtimerc.json',
  '.config/airtimerc.yaml',
  '.config/airtimerc.yml',
] as const;

/** cosmiconfig's code places: never loaded; a sending command refuses to run beside one. */
export const PROJECT_CODE_PLACES = [
  '.airtimerc.js',
  '.airtimerc.ts',
  '.airtimerc.cjs',
  '.airtimerc.mjs',
  '.config/airtimerc.js',
  '.config/airtimerc.ts',
  '.config/airtimerc.cjs',
  '.config/airtimerc.mjs',
  'airtime.config.js',
  'airtime.config.ts',
  'airtime.config.cjs',
  'airtime.config.mjs',
] as const;

/** The user's own folder ($XDG_CONFIG_HOME/airtime): the first of these that exists is read. */
export const USER_PLACES = ['config', 'config.json', 'config.yaml', 'config.yml'] as const;
export const USER_CODE_PLACES = ['config.js', 'config.ts', 'config.cjs', 'config.mjs'] as const;

/** The extensions of code a config file must never be. */
export const CODE_EXTENSIONS = ['.js', '.cjs', '.mjs', '.ts', '.cts', '.mts'] as const;

export function isCodeFile(path: string): boolean {
  return CODE_EXTENSIONS.some((extension) => path.endsWith(extension));
}

export function userConfigDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'airtime');
}

export function defaultLedgerPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'airtime', 'ledger.db');
}

/** The user config file that is read (the first of the user folder's places that exists), or config.json. */
export function userConfigFile(env: NodeJS.ProcessEnv): string {
  const dir = userConfigDir(env);
  return USER_PLACES.map((place) => join(dir, place)).find((path) => existsSync(path)) ?? join(dir, 'config.json');
}

/** A path as a config file or a person writes it: `~/x` is in the home folder, a relative one in `baseDir`. */
export function expandPath(path: string, baseDir: string): string {
  const typed = path.trim();
  if (typed === '~' || typed.startsWith('~/')) return join(homedir(), typed.slice(1));
  return isAbsolute(typed) ? typed : resolve(baseDir, typed);
}

/** `~/.config/airtime` for a path in the home folder, as people write it. */
export function displayPath(path: string): string {
  const home = homedir();
  return path === home || path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}

export interface SearchBound {
  /** The folders searched for a project file, nearest first. */
  projectDirs: string[];
  /** Why the search stops where it does. */
  stop: { dir: string; reason: 'git' | 'home' | 'working-directory' };
  /** The folders above the bound (the home folder excepted): a config file there is no longer read. */
  beyond: string[];
}

/**
 * The upward search from the working directory stops at the first folder holding `.git` (a folder,
 * or a file for worktrees and submodules), that folder included, or at the home folder, whichever
 * comes first; the home folder's own files count as the user's. With neither above it (a cron job in
 * /srv/payouts), only the working directory is searched: a parent such as /srv or /tmp may be
 * writable by others.
 */
export function searchBound(cwd: string, home: string = homedir(), exists: (path: string) => boolean = existsSync): SearchBound {
  const start = resolve(cwd);
  const walked: string[] = [];
  let stop: SearchBound['stop'] | undefined;
  for (let dir = start; ; dir = dirname(dir)) {
    if (dir === home) {
      stop = { dir, reason: 'home' };
      break;
    }
    walked.push(dir);
    if (exists(join(dir, '.git'))) {
      stop = { dir, reason: 'git' };
      break;
    }
    if (dirname(dir) === dir) break;
  }
  const projectDirs = stop ? walked : [start];
  stop ??= { dir: start, reason: 'working-directory' };
  const beyond: string[] = [];
  const last = projectDirs.at(-1) ?? start;
  for (let dir = dirname(last); dir !== last && !projectDirs.includes(dir); dir = dirname(dir)) {
    if (dir !== home) beyond.push(dir);
    if (dirname(dir) === dir) break;
  }
  return { projectDirs, stop, beyond };
}
