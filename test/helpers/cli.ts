// Runs the built binary the way a user's shell or cron job does: a separate process, its own
// HOME, stdin and stdout as pipes (no terminal) unless a test says otherwise.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/airtime.cjs', import.meta.url));
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Sandbox {
  home: string;
  /** A working directory inside HOME, so the config search stops at HOME. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** A fresh HOME with XDG folders, and the environment a test process runs with. */
export function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}): Sandbox {
  const home = mkdtempSync(join(tmpdir(), 'airtime-e2e-'));
  const cwd = join(home, 'work');
  mkdirSync(cwd, { recursive: true });
  return {
    home,
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      ...extraEnv,
    },
  };
}

export interface RunOptions {
  sandbox: Sandbox;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Leave stdin open (never write or close it), to prove the command does not wait for it. */
  keepStdinOpen?: boolean;
  timeoutMs?: number;
  /**
   * A command that runs the binary (its arguments follow), e.g. `setpriv --reuid=65534 …` to run
   * it as another user, or `unshare -m sh -c '…; exec "$@"'` to give it a mount of its own.
   */
  wrap?: string[];
}

export function spawnCli(args: string[], options: RunOptions): ChildProcess {
  const env = { ...options.sandbox.env, ...options.env };
  const [command, ...prefix] = [...(options.wrap ?? []), process.execPath];
  const child = spawn(command as string, [...prefix, BIN, ...args], { cwd: options.sandbox.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(child, env, options.sandbox);
}

/**
 * Every run of the binary in this test file, with the API key it was given: test/setup.ts checks,
 * after the file's tests, that no key appears in any output or in any file the runs wrote.
 */
export const RUNS: { key: string | undefined; home: string; output: string[] }[] = [];
const tracked = new WeakMap<ChildProcess, { output: string[] }>();

function track(child: ChildProcess, env: NodeJS.ProcessEnv, sandbox: Sandbox): ChildProcess {
  const run = { key: env.AT_API_KEY, home: sandbox.home, output: [] as string[] };
  RUNS.push(run);
  tracked.set(child, run);
  return child;
}

export function runCli(args: string[], options: RunOptions): Promise<CliResult> {
  const child = spawnCli(args, options);
  return collect(child, options);
}

export function collect(child: ChildProcess, options: Pick<RunOptions, 'input' | 'keepStdinOpen' | 'timeoutMs'> = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  if (!options.keepStdinOpen) child.stdin?.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`airtime did not finish within ${options.timeoutMs ?? 15_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 15_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      tracked.get(child)?.output.push(stdout, stderr);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The one JSON document a --json run prints. */
export function parseJson(result: CliResult): Record<string, unknown> {
  try {
    return JSON.parse(result.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`stdout is not one JSON document:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's escape sequences are what this matches
export const ANSI = /\u001b\[[0-9;]*m/;

/** Writes the user config file of a sandbox ($XDG_CONFIG_HOME/airtime/config.json). */
export function writeUserConfig(sandbox: Sandbox, config: Record<string, unknown>): string {
  const dir = join(sandbox.env.XDG_CONFIG_HOME ?? join(sandbox.home, '.config'), 'airtime');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'config.json');
  writeFileSync(path, JSON.stringify(config, null, 2), { mode: 0o600 });
  return path;
}

/**
 * A preload that moves the process's wall clock (Date) by `offsetMs`: a host whose clock is wrong,
 * or a run at a chosen instant (a day boundary). Monotonic time (performance.now) is left alone.
 */
export function skewedClock(sandbox: Sandbox, offsetMs: number): NodeJS.ProcessEnv {
  const file = join(sandbox.home, `clock-${offsetMs}.cjs`);
  writeFileSync(
    file,
    `const Real = Date; const offset = ${offsetMs};
     class Skewed extends Real { constructor(...a) { super(...(a.length ? a : [Real.now() + offset])); } static now() { return Real.now() + offset; } }
     globalThis.Date = Skewed;`,
  );
  return { NODE_OPTIONS: `--require ${file}` };
}

/** The process's wall clock set to `instant` (ms since the epoch) as it starts, and running on from there. */
export function clockAt(sandbox: Sandbox, instant: number): NodeJS.ProcessEnv {
  return skewedClock(sandbox, instant - Date.now());
}

/** Timings that keep retries and timeouts fast in tests. */
export const FAST = { retryDelay: 0.01, timeout: 1 };

/** The ledger file a sandbox's runs use by default. */
export function ledgerPath(sandbox: Sandbox): string {
  return join(sandbox.env.XDG_DATA_HOME ?? join(sandbox.home, '.local', 'share'), 'airtime', 'ledger.db');
}

/** Polls until the condition holds (or fails the test after the timeout). */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface TerminalOptions extends RunOptions {
  columns?: number;
  /** Sends stdout to this file instead of the terminal (`airtime … > file` typed at a terminal). */
  stdoutTo?: string;
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the binary under a pseudo-terminal (util-linux `script`), the way a person at a terminal
 * would: stdin, stdout and stderr are all the terminal, so output arrives merged.
 */
export function spawnInTerminal(args: string[], options: TerminalOptions): ChildProcess {
  const command = [process.execPath, BIN, ...args].map(shellQuote).join(' ');
  const redirect = options.stdoutTo === undefined ? '' : ` > ${shellQuote(options.stdoutTo)}`;
  const sized = `stty cols ${options.columns ?? 100} rows 40 2>/dev/null; exec ${command}${redirect}`;
  const env = { ...options.sandbox.env, TERM: 'xterm-256color', ...options.env };
  const child = spawn('script', ['-qefc', sized, '/dev/null'], { cwd: options.sandbox.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  return track(child, env, options.sandbox);
}

export function runInTerminal(args: string[], options: TerminalOptions): Promise<CliResult> {
  return collect(spawnInTerminal(args, options), { ...options, keepStdinOpen: options.keepStdinOpen ?? true });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a terminal's escape sequences are what this matches
const ANSI_ALL = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]|\r/g;

/** Terminal output as a person reads it: no colour or cursor codes. */
export function plain(text: string): string {
  return text.replace(ANSI_ALL, '');
}

export interface Keystrokes {
  /** Waits until the terminal shows this (after the previous step's match)… */
  expect: RegExp | string;
  /** …then types this (`\r` is Enter, `\x03` Ctrl-C, `\x1b[B` arrow down). */
  send: string;
  /** Runs after the match, before the keys are typed (something else happens meanwhile). */
  meanwhile?: () => void;
}

/** Runs the binary under a pseudo-terminal and answers its prompts like a person would. */
export async function interact(args: string[], options: RunOptions, steps: Keystrokes[]): Promise<CliResult> {
  const child = spawnInTerminal(args, options);
  let seen = '';
  child.stdout?.on('data', (chunk: Buffer | string) => {
    seen += chunk.toString();
  });
  const done = collect(child, { keepStdinOpen: true, timeoutMs: options.timeoutMs ?? 20_000 });
  let from = 0;
  for (const step of steps) {
    const matches = () => {
      const text = plain(seen).slice(from);
      const index = typeof step.expect === 'string' ? text.indexOf(step.expect) : text.search(step.expect);
      if (index === -1) return false;
      from += index + 1;
      return true;
    };
    await waitFor(
      matches,
      options.timeoutMs ?? 15_000,
      `the terminal to show ${String(step.expect)}; it shows:\n${plain(seen).slice(-600)}`,
    );
    step.meanwhile?.();
    child.stdin?.write(step.send);
  }
  return done;
}

let mounts: boolean | undefined;

/** Whether this process may give a child a mount of its own (root, or user namespaces allowed). */
export function canMount(): boolean {
  if (mounts === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'airtime-mount-'));
    try {
      mounts =
        spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', dir]).status === 0;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return mounts;
}
