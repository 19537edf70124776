// Whether this process could write the SQLite ledger, answered from the file system alone, for
// `airtime doctor`: it must not create a ledger, nor take a write lock, just to ask.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';

const reason = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

/** Why an existing ledger file could not be written, or null when it can. */
export function sqliteWriteProblem(path: string): string | null {
  // The journal (-wal, -shm) lives beside the file and is made as the ledger is opened.
  const folder = dirname(path);
  for (const [what, target, mode] of [
    ['the file', path, constants.W_OK],
    [`its folder ${folder}`, folder, constants.W_OK | constants.X_OK],
    ['its -wal file', `${path}-wal`, constants.W_OK],
    ['its -shm file', `${path}-shm`, constants.W_OK],
  ] as const) {
    if (target.endsWith('-wal') || target.endsWith('-shm')) {
      if (!statSync(target, { throwIfNoEntry: false })) continue;
    }
    try {
      accessSync(target, mode);
    } catch (error) {
      return `${what} cannot be written (${reason(error)})`;
    }
  }
  return null;
}

/** Why a ledger that does not exist yet could not be created there, or null when it can. */
export function sqliteCreateProblem(path: string): string | null {
  // Node's mkdir spins for ever under /proc, and nothing there keeps a file.
  if (/^\/(proc|sys)(\/|$)/.test(path)) return 'it is under /proc or /sys, where no file can be kept';
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const stats = statSync(folder, { throwIfNoEntry: false });
    if (stats) {
      if (!stats.isDirectory()) return `${folder} is not a folder`;
      try {
        accessSync(folder, constants.W_OK | constants.X_OK);
      } catch (error) {
        return `its folder ${folder} cannot be written (${reason(error)})`;
      }
      return null;
    }
    if (dirname(folder) === folder) return `no folder of ${path} exists`;
  }
}
