// Which process owns a pending transaction, and whether it still runs. A second process that
// finds a `pending` row must wait for a live owner (the request is in flight) and may recover the
// row only when the owner is gone (it crashed or was killed).
//
// A process is named by facts the kernel keeps for its whole life and that no clock can move: the
// host name, the boot (boot_id), the pid namespace, the pid, and the start time in clock ticks since
// boot. They are compared exactly. (Start times turned into wall-clock milliseconds through
// /proc/stat's btime, as before, move with every step of the wall clock: after a step of more than
// a second a live owner looked dead, and its key could be sent a second time.)
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export interface Owner {
  pid: number;
  host: string;
  /** The boot the process runs in (/proc/sys/kernel/random/boot_id); null off Linux. */
  bootId: string | null;
  /** The inode of its pid namespace (/proc/self/ns/pid): a pid names a process only inside one. */
  pidNamespace: number | null;
  /** Its start in clock ticks since boot (/proc/<pid>/stat field 22); null off Linux. */
  startTicks: number | null;
  /**
   * Only in rows written before schema 4: the start time in ms from the epoch, computed through
   * btime, which a wall-clock step moves. Never written now; such an owner is judged without it.
   */
  legacyStartedAt: number | null;
  /**
   * On a shared (PostgreSQL) ledger, the lease the owner holds the row by: its process's random
   * token and when the lease ends on the database's clock, renewed while the request is in flight.
   * Processes on other hosts cannot be seen; a lease can. Absent on the SQLite ledger.
   */
  lease?: { token: string; expiresAt: number | null } | undefined;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

/** What liveness reads of the system: the seam unit tests replace with injected values. */
export interface ProcessView {
  /** This process's pid. */
  pid: number;
  hostname(): string;
  /** The text of a /proc file; undefined when it cannot be read (off Linux, a process gone or hidden). */
  readFile(path: string): string | undefined;
  /** Where a /proc link points (`pid:[4026531836]`); undefined when it cannot be read. */
  readLink(path: string): string | undefined;
  /** kill(pid, 0): whether a process with this pid exists in this pid namespace (EPERM: another user's). */
  exists(pid: number): boolean;
}

export const systemView: ProcessView = {
  pid: process.pid,
  hostname,
  readFile: (path) => attempt(() => readFileSync(path, 'utf8')),
  readLink: (path) => attempt(() => readlinkSync(path)),
  exists: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

let self: Owner | undefined;

/** This process, as it is recorded as the owner of the rows it claims. */
export function currentOwner(): Owner {
  self ??= ownerOf(systemView);
  return self;
}

/** The identity of the process `view` belongs to. */
export function ownerOf(view: ProcessView): Owner {
  const stat = readStat(view, view.pid);
  return {
    pid: view.pid,
    host: view.hostname(),
    bootId: readBootId(view),
    pidNamespace: readPidNamespace(view),
    startTicks: stat?.startTicks ?? null,
    legacyStartedAt: null,
  };
}

/**
 * Whether the process that owns a row still runs, judged from here:
 * - another host name: 'unknown' (its processes cannot be seen from here);
 * - another boot of this host: 'dead' (every process of that boot ended with it);
 * - another pid namespace (another container on this kernel): 'unknown';
 * - then the pid: gone, a zombie, or started at another tick (the pid was reused) is 'dead'; the
 *   same start tick is 'alive'; a process that exists but cannot be read (hidepid) is 'unknown'.
 * An owner recorded without a start tick (an older airtime, or off Linux): a pid that no longer
 * exists is 'dead'; one that does is 'unknown' for an older airtime's row (its start time cannot be
 * compared without wall-clock arithmetic) and 'alive' off Linux, where pid reuse cannot be told.
 * 'unknown' is always safe: the row is waited for until its duplicate window has passed.
 */
export function ownerLiveness(owner: Owner, view: ProcessView = systemView): Liveness {
  if (owner.host !== view.hostname()) return 'unknown';
  if (owner.startTicks === null) {
    if (!view.exists(owner.pid)) return 'dead';
    return owner.legacyStartedAt !== null || readBootId(view) !== null ? 'unknown' : 'alive';
  }
  const bootId = readBootId(view);
  if (bootId === null) return 'unknown';
  if (owner.bootId !== bootId) return 'dead';
  if (owner.pidNamespace !== readPidNamespace(view)) return 'unknown';
  const stat = readStat(view, owner.pid);
  if (stat === undefined) return view.exists(owner.pid) ? 'unknown' : 'dead';
  if (stat.state === 'Z' || stat.state === 'X') return 'dead';
  return stat.startTicks === owner.startTicks ? 'alive' : 'dead';
}

function readBootId(view: ProcessView): string | null {
  return view.readFile('/proc/sys/kernel/random/boot_id')?.trim() || null;
}

function readPidNamespace(view: ProcessView): number | null {
  const inode = /^pid:\[(\d+)\]$/.exec(view.readLink('/proc/self/ns/pid') ?? '')?.[1];
  return inode === undefined ? null : Number(inode);
}

/** Field 3 (state) and field 22 (starttime) of /proc/<pid>/stat. */
function readStat(view: ProcessView, pid: number): { state: string; startTicks: number } | undefined {
  const stat = view.readFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  if (!Number.isSafeInteger(startTicks)) return undefined;
  return { state: fields[0] ?? '', startTicks };
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Who started a transaction, for the record: "user@host". */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers may run under a uid with no passwd entry.
    return process.env.USER ?? process.env.LOGNAME ?? `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

export function hostName(): string {
  return hostname();
}
