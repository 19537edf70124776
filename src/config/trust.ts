// Which config files airtime believes. A folder the user happens to stand in (a cloned repository,
// a shared deploy folder) must not be able to take the API key or the money elsewhere, nor loosen
// the user's own limits: its file is believed only when the user (or root) owns it and nobody else
// could have written it, as git decides for `safe.directory`. The checks read the file system
// through a small seam, so every rule is tested as root and as another user.
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, resolve, sep } from 'node:path';

export interface FileOwner {
  uid: number;
  gid: number;
  mode: number;
}

export interface TrustSeam {
  /** The process's user; undefined where there are no uids (Windows), and nothing is checked. */
  uid: number | undefined;
  /** Under sudo, the user who ran it (SUDO_UID): their files are theirs, as git has it. */
  sudoUid: number | undefined;
  userName: string;
  stat(path: string): FileOwner | undefined;
  /** Whether a group is its user's own private group (named after the user, no other members). */
  isPrivateGroup(gid: number): boolean;
}

export function systemTrust(env: NodeJS.ProcessEnv): TrustSeam {
  const uid = process.getuid?.();
  const sudo = Number(env.SUDO_UID);
  // Looked up only when a group-writable project file asks (the passwd lookup costs every command ~1 ms).
  let userName: string | undefined;
  const name = (): string => {
    if (userName !== undefined) return userName;
    userName = env.USER ?? '';
    try {
      userName = userInfo().username;
    } catch {
      // a uid with no passwd entry (containers): no private group can be told apart then
    }
    return userName;
  };
  return {
    uid,
    sudoUid: uid === 0 && Number.isInteger(sudo) && sudo > 0 ? sudo : undefined,
    get userName() {
      return name();
    },
    stat(path) {
      try {
        const stats = statSync(path);
        return { uid: stats.uid, gid: stats.gid, mode: stats.mode };
      } catch {
        return undefined;
      }
    },
    isPrivateGroup(gid) {
      try {
        const line = readFileSync('/etc/group', 'utf8')
          .split('\n')
          .find((entry) => entry.split(':')[2] === String(gid));
        if (!line) return false;
        const [group, , , members = ''] = line.split(':');
        const user = name();
        return group === user && members.split(',').every((member) => member === '' || member === user);
      } catch {
        return false;
      }
    },
  };
}

/**
 * AIRTIME_TRUSTED_DIRS (environment only: a file cannot vouch for itself): `:`-separated folders
 * whose config files are believed whoever owns them (CI checkouts, shared deploy folders); `*` for all.
 */
export function trustedDirs(env: NodeJS.ProcessEnv): (path: string) => boolean {
  const entries = (env.AIRTIME_TRUSTED_DIRS ?? '').split(':').filter((entry) => entry.trim() !== '');
  if (entries.includes('*')) return () => true;
  const dirs = entries.map((entry) => resolve(entry.trim()));
  return (path) => dirs.some((dir) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`));
}

/**
 * Why a project file cannot be believed, or undefined when it can: owned by another user (root
 * excepted), or in a folder (or itself) writable by others: by everyone, or by a group that is not
 * the user's own private group.
 */
export function untrustedBecause(path: string, seam: TrustSeam, trusted: (path: string) => boolean): string | undefined {
  if (seam.uid === undefined || trusted(path)) return undefined;
  const file = seam.stat(path);
  if (!file) return undefined; // gone since it was found: nothing of it is read
  const owners = [seam.uid, 0, ...(seam.sudoUid === undefined ? [] : [seam.sudoUid])];
  if (!owners.includes(file.uid)) return `it is owned by another user (uid ${file.uid})`;
  for (const [what, target, stats] of [
    ['it', path, file],
    ['its folder', dirname(path), seam.stat(dirname(path))],
  ] as const) {
    if (!stats) continue;
    if (stats.mode & 0o002) return `${what} can be written by every user`;
    if (stats.mode & 0o020 && !seam.isPrivateGroup(stats.gid))
      return `${what} can be written by the members of group ${stats.gid} (${target})`;
  }
  return undefined;
}

/** Whether a file is the user's own and readable by nobody else: where a project file may point apiKeyFile. */
export function privateToUser(path: string, seam: TrustSeam): boolean {
  if (seam.uid === undefined) return true;
  const file = seam.stat(path);
  if (!file) return false;
  const owners = [seam.uid, ...(seam.sudoUid === undefined ? [] : [seam.sudoUid])];
  return owners.includes(file.uid) && (file.mode & 0o044) === 0;
}

/**
 * Why an API key cannot travel in an HTTP header, or undefined when it can. Names the kind of
 * character, never the key (or its length): an error message is no place for a secret.
 */
export function keyCharacterProblem(key: string): string | undefined {
  if (/[\r\n]/.test(key)) return 'a line break';
  if (/\t/.test(key)) return 'a tab';
  if (/\p{Cc}/u.test(key)) return 'a control character';
  if (/\P{ASCII}/u.test(key)) return 'a character outside ASCII (an accented or Cyrillic letter, a typographic quote or dash)';
  return undefined;
}
