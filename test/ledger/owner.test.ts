// Whether a pending row's owner still runs, judged from injected /proc values: the identity is the
// host name, the boot, the pid namespace, the pid and the start in clock ticks, compared exactly.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { currentOwner, type Owner, ownerLiveness, ownerOf, type ProcessView } from '../../src/ledger/owner.js';

const BOOT = '6f1c2d9e-4b1a-4c3e-9f0a-1b2c3d4e5f60';
const NAMESPACE = 4026531836;

interface Machine {
  host: string;
  boot: string | null;
  namespace: number | null;
  /** pid → /proc/<pid>/stat state and start ticks. */
  processes: Map<number, { state: string; ticks: number; hidden?: boolean }>;
  /** /proc/stat's btime: what a wall-clock step moves. Liveness must not care. */
  btime: number;
}

function machine(overrides: Partial<Machine> = {}): Machine {
  return { host: 'pay-1', boot: BOOT, namespace: NAMESPACE, processes: new Map(), btime: 1_764_000_000, ...overrides };
}

/** A ProcessView over an injected machine, seen from `pid`. */
function view(m: Machine, pid: number): ProcessView {
  return {
    pid,
    hostname: () => m.host,
    readFile: (path) => {
      if (path === '/proc/sys/kernel/random/boot_id') return m.boot === null ? undefined : `${m.boot}\n`;
      if (path === '/proc/stat') return `cpu  1 2 3\nbtime ${m.btime}\n`;
      const match = /^\/proc\/(\d+)\/stat$/.exec(path);
      const process = match ? m.processes.get(Number(match[1])) : undefined;
      if (!process || process.hidden || m.boot === null) return undefined;
      // A command name with spaces and parentheses, as `comm` may hold.
      return `${match?.[1]} (node (airtime) x) ${process.state} 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 ${process.ticks} 1000 200\n`;
    },
    readLink: (path) => (path === '/proc/self/ns/pid' && m.namespace !== null ? `pid:[${m.namespace}]` : undefined),
    exists: (pid) => m.processes.has(pid),
  };
}

describe('the owner of a row', () => {
  it('is named by host, boot, pid namespace, pid and start ticks, read from /proc', () => {
    const m = machine();
    m.processes.set(4242, { state: 'S', ticks: 987_654 });
    expect(ownerOf(view(m, 4242))).toEqual({
      pid: 4242,
      host: 'pay-1',
      bootId: BOOT,
      pidNamespace: NAMESPACE,
      startTicks: 987_654,
      legacyStartedAt: null,
    });
  });

  it('is this process, read from the real /proc, and alive', () => {
    const me = currentOwner();
    expect(me.pid).toBe(process.pid);
    expect(me.startTicks).toEqual(expect.any(Number));
    expect(ownerLiveness(me)).toBe('alive');
  });

  it('is a real child process: alive while it runs, dead once it has exited', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((resolve) => child.once('spawn', resolve));
    const pid = child.pid ?? 0;
    const owner: Owner = { ...currentOwner(), pid, startTicks: null };
    // Its identity as it would record itself: same boot and namespace, its own start tick.
    const { readFileSync } = await import('node:fs');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    owner.startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    expect(ownerLiveness(owner)).toBe('alive');
    expect(ownerLiveness({ ...owner, startTicks: (owner.startTicks ?? 0) - 1 })).toBe('dead'); // the pid, reused
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(ownerLiveness(owner)).toBe('dead');
  });
});

describe('owner liveness, with injected /proc values', () => {
  const recorded = (m: Machine, pid: number): Owner => ownerOf(view(m, pid));

  it('a live owner stays alive when the wall clock is stepped by hours (nothing is computed from it)', () => {
    const m = machine();
    m.processes.set(100, { state: 'S', ticks: 5_000 });
    m.processes.set(200, { state: 'R', ticks: 9_000 });
    const owner = recorded(m, 100);
    // NTP steps the clock three hours forward: the kernel's btime moves with it, the ticks do not.
    m.btime += 3 * 3600;
    expect(ownerLiveness(owner, view(m, 200))).toBe('alive');
    m.btime -= 6 * 3600;
    expect(ownerLiveness(owner, view(m, 200))).toBe('alive');
  });

  it('a pid reused after a reboot is dead, even at the very same start tick', () => {
    const before = machine();
    before.processes.set(100, { state: 'S', ticks: 5_000 });
    const owner = recorded(before, 100);
    const after = machine({ boot: 'a0b1c2d3-0000-4000-8000-000000000001' });
    after.processes.set(100, { state: 'S', ticks: 5_000 });
    after.processes.set(300, { state: 'R', ticks: 6_000 });
    expect(ownerLiveness(owner, view(after, 300))).toBe('dead');
  });

  it('a pid reused by another process of the same boot is dead', () => {
    const m = machine();
    m.processes.set(100, { state: 'S', ticks: 5_000 });
    m.processes.set(200, { state: 'R', ticks: 9_000 });
    const owner = recorded(m, 100);
    m.processes.set(100, { state: 'S', ticks: 8_000 }); // the owner died; a new process got its pid
    expect(ownerLiveness(owner, view(m, 200))).toBe('dead');
  });

  it('an owner in another container on the same kernel (another pid namespace) is unknown', () => {
    const theirs = machine({ namespace: 4026532501 });
    theirs.processes.set(7, { state: 'S', ticks: 5_000 });
    const owner = recorded(theirs, 7);
    // Same host name and boot, our namespace: our pid 7 is someone else entirely.
    const ours = machine();
    ours.processes.set(7, { state: 'S', ticks: 5_000 });
    ours.processes.set(8, { state: 'R', ticks: 6_000 });
    expect(ownerLiveness(owner, view(ours, 8))).toBe('unknown');
  });

  it.each<[string, (m: Machine) => void, string]>([
    ['the same process', () => undefined, 'alive'],
    ['gone', (m) => m.processes.delete(100), 'dead'],
    ['a zombie (exited, not reaped)', (m) => m.processes.set(100, { state: 'Z', ticks: 5_000 }), 'dead'],
    ['running, but hidden from this user (hidepid)', (m) => m.processes.set(100, { state: 'S', ticks: 5_000, hidden: true }), 'unknown'],
    ['on another host', (m) => (m.host = 'pay-2'), 'unknown'],
    ['the boot id unreadable here', (m) => (m.boot = null), 'unknown'],
  ])('an owner %s is %s', (_name, change, expected) => {
    const m = machine();
    m.processes.set(100, { state: 'S', ticks: 5_000 });
    m.processes.set(200, { state: 'R', ticks: 9_000 });
    const owner = recorded(m, 100);
    change(m);
    expect(ownerLiveness(owner, view(m, 200))).toBe(expected);
  });

  it.each<[string, Partial<Owner>, boolean, Partial<Machine>, string]>([
    // rows an older airtime wrote: a start time in ms computed through btime, no ticks
    ["an older airtime's owner whose pid runs", { legacyStartedAt: 1_700_000_000_000 }, true, {}, 'unknown'],
    ["an older airtime's owner whose pid is gone", { legacyStartedAt: 1_700_000_000_000 }, false, {}, 'dead'],
    // off Linux: no /proc, only the pid
    ['an owner off Linux whose pid runs', {}, true, { boot: null, namespace: null }, 'alive'],
    ['an owner off Linux whose pid is gone', {}, false, { boot: null, namespace: null }, 'dead'],
  ])('%s is %s', (_name, fields, running, where, expected) => {
    const m = machine(where);
    if (running) m.processes.set(100, { state: 'S', ticks: 5_000 });
    m.processes.set(200, { state: 'R', ticks: 9_000 });
    const owner: Owner = { pid: 100, host: 'pay-1', bootId: null, pidNamespace: null, startTicks: null, legacyStartedAt: null, ...fields };
    expect(ownerLiveness(owner, view(m, 200))).toBe(expected);
  });
});
