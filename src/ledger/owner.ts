// Which process owns a pending transaction, and whether it still runs. A second process that
// finds a `pending` row must wait for a live owner (the request is in flight) and may recover the
// row only when the owner is gone (it crashed or was killed).
import { readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';

export interface Owner {
  pid: number;
  host: string;
  /** When the process started (ms since the epoch), so a reused pid is not mistaken for the owner. */
  startedAt: number;
}

export type Liveness = 'alive' | 'dead' | 'unknown';

let self: Owner | undefined;

export function currentOwner(): Owner {
  self ??= {
    pid: process.pid,
    host: hostname(),
    startedAt: processStartMs(process.pid) ?? Math.round(Date.now() - process.uptime() * 1000),
  };
  return self;
}

/** 'unknown' for an owner on another host: its process cannot be checked from here. */
export function ownerLiveness(owner: Owner): Liveness {
  if (owner.host !== hostname()) return 'unknown';
  if (owner.pid === process.pid) return owner.startedAt === currentOwner().startedAt ? 'alive' : 'dead';
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'dead';
  }
  const started = processStartMs(owner.pid);
  // Same pid, different start time: the owner died and the pid was reused.
  if (started !== undefined && Math.abs(started - owner.startedAt) > 1000) return 'dead';
  return 'alive';
}

let bootTimeMs: number | undefined;

/**
 * A process's start time from /proc (Linux): boot time plus the start in clock ticks. Computed the
 * same way for every process, so two readings of one process agree exactly. Undefined elsewhere.
 */
function processStartMs(pid: number): number | undefined {
  try {
    bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]) * 1000;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    if (!Number.isFinite(ticks) || !Number.isFinite(bootTimeMs)) return undefined;
    return bootTimeMs + ticks * 10; // USER_HZ is 100 on every Linux ABI Node runs on
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
