// Every runnable `airtime` example in the README, in every page of docs/ and in the --help of every
// command is run against the emulator, so none of them can rot. Servers run too: a line that only
// starts `airtime emulator` or `airtime serve` must print its first line and be listening, then end
// with exit 0 on SIGTERM; a line that starts one in the background and uses it runs whole. Every run
// has its own process group, killed at the end whatever happened, so no server outlives its test.
// What cannot run here is skipped by rule, with the reason printed: interactive-only lines, a shared
// ledger without a PostgreSQL server, and tools this machine lacks. A block marked ```sh script is a
// walk-through, run whole as one script (a line of one is not an example of its own).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/table.js';
import { defaultLoaders } from '../../src/config/yaml.js';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';
import { BIN, FAST, ledgerPath, makeSandbox, ROOT, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { rawDatabase } from '../helpers/ledger.js';
import { freshSchema, POSTGRES_URL } from '../helpers/postgres.js';

const KEY = 'example-key-0123456789abcdef';
const WEBHOOK_TOKEN = 'example-webhook-token-0123456789abcdef';

interface Example {
  source: string;
  command: string;
}

/** The pages whose examples run: the README, then every page of docs/ (when there is one). */
function pages(): { name: string; text: string }[] {
  const docs = join(ROOT, 'docs');
  const names = existsSync(docs)
    ? readdirSync(docs)
        .filter((name) => name.endsWith('.md'))
        .sort()
    : [];
  return [
    { name: 'README.md', text: readFileSync(join(ROOT, 'README.md'), 'utf8') },
    ...names.map((name) => ({ name: `docs/${name}`, text: readFileSync(join(docs, name), 'utf8') })),
  ];
}

/** `airtime` lines of a page's sh blocks, and the commands of its crontab lines. */
function pageExamples(page: { name: string; text: string }): Example[] {
  const examples: Example[] = [];
  for (const match of page.text.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    const [, kind, body = ''] = match;
    for (const raw of body.split('\n')) {
      const line = raw.trim();
      if (kind === 'sh' && /^(npx )?airtime\b|\|\s*(npx )?airtime\b|^sleep \d+; (npx )?airtime/.test(line)) {
        examples.push({ source: page.name, command: line.replace(/\bnpx airtime\b/g, 'airtime').replace(/^sleep \d+; /, '') });
      }
      if (kind === 'crontab' && line !== '' && !line.startsWith('#'))
        examples.push({ source: `${page.name} crontab`, command: cronCommand(line) });
    }
  }
  return examples;
}

/** A page's walk-throughs: ```sh script blocks, each run as one script. */
function pageScripts(page: { name: string; text: string }): string[] {
  return [...page.text.matchAll(/```sh script\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** Every page's blocks of one kind (```ini unit files, ```yaml manifests). */
function blocks(kind: string): string[] {
  return pages().flatMap((page) => [...page.text.matchAll(new RegExp(`\`\`\`${kind}\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? ''));
}

/**
 * The command of a crontab line: after the five time fields, with cron's escaped % undone, and
 * without a `|| … | mail` alert (the alert is not what is being shown).
 */
function cronCommand(line: string): string {
  return line
    .split(/\s+/)
    .slice(5)
    .join(' ')
    .replace(/\\%/g, '%')
    .replace(/\s*\|\|.*$/, '');
}

/** The examples of `airtime <name> --help` ('' for airtime's own), one a line: a line ending in a backslash goes on. */
function helpExamples(help: string): string[] {
  const section = help.split('Examples:\n')[1] ?? '';
  return (section.split('\n\n')[0] ?? '')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => (line.startsWith('$ ') ? line.slice(2) : cronCommand(line)));
}

/** Each run is a bash and an airtime process or two: on a busy 2-core machine 20 s is too tight for a page. */
const EXAMPLES_TIMEOUT_MS = 90_000;

const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

let emu: Emulator;
let seeded: Sandbox;
let shims: string;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, deliveryDelayMs: 0 });
  seeded = makeSandbox();
  writeUserConfig(seeded, { ...FAST, profiles: { live: { timeout: 5 } } });
  const env = { AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: KEY };
  // The files the examples name.
  const rows = (start: number) => Array.from({ length: 3 }, (_, i) => `+25471234${String(start + i).padStart(4, '0')},10`);
  writeFileSync(join(seeded.cwd, 'payouts.csv'), `phone,amount\n${rows(1).join('\n')}\n`);
  writeFileSync(
    join(seeded.cwd, 'payouts.jsonl'),
    `${rows(11)
      .map((r) => JSON.stringify({ phone: r.split(',')[0], amount: 10 }))
      .join('\n')}\n`,
  );
  mkdirSync(join(seeded.cwd, 'exports'));
  // Where the README installs completion scripts (its mkdir lines are not airtime examples).
  for (const dir of ['.local/share/bash-completion/completions', '.zfunc', '.config/fish/completions']) {
    mkdirSync(join(seeded.home, dir), { recursive: true });
  }
  // The transactions the examples look up: a paid batch, and a send left unknown.
  expect((await runCli(['send', '--file', 'payouts.csv', '--batch', 'payroll-2026-11', '--yes'], { sandbox: seeded, env })).code).toBe(0);
  emu.script(['hang']);
  expect((await runCli(['send', '+254712345678', '50', '--key', 'order-1234', '--timeout', '0.3'], { sandbox: seeded, env })).code).toBe(5);
  // Two days old, so a cron example naming this month's batch differently is not a repeat payment,
  // and an example sending the same number and amount again is not a repeat of the unknown send.
  const db = rawDatabase(ledgerPath(seeded));
  db.run("UPDATE transactions SET created_at = created_at - 172800000 WHERE batch_id = 'payroll-2026-11'");
  db.run(
    "UPDATE transactions SET created_at = created_at - 172800000, first_attempt_at = first_attempt_at - 172800000 WHERE idempotency_key = 'order-1234'",
  );
  db.close();
  // Another host's ledger, for `ledger migrate --from ./host-b-ledger.db`.
  expect((await runCli(['ledger', 'backup', 'host-b-ledger.db'], { sandbox: seeded, env })).code).toBe(0);
  // `airtime` on the PATH, as after npm link.
  shims = mkdtempSync(join(tmpdir(), 'airtime-shims-'));
  writeFileSync(join(shims, 'airtime'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"\n`);
  chmodSync(join(shims, 'airtime'), 0o755);
});

afterAll(async () => {
  await emu.close();
});

/** Whether bash can run this: a program on the PATH, a builtin or a keyword (`until`, `export`). */
const available = (tool: string) => spawnSync('bash', ['-c', `type -t ${shellQuote(tool)}`]).status === 0;

/** The command without its trailing comment (a `#` that starts a word, outside quotes). */
function withoutComment(command: string): string {
  let quote: string | null = null;
  for (let i = 0; i < command.length; i += 1) {
    const ch = command[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && /\s/.test(command[i - 1] ?? ' ')) return command.slice(0, i).trimEnd();
  }
  return command.trimEnd();
}

/** The command's pipeline and list segments (`|`, `;`, `&&`, `||`, `&`), split outside quotes; its comment dropped. */
function segments(command: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  const text = withoutComment(command);
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === '&' && (text[i - 1] === '>' || text[i + 1] === '>')) {
      current += ch; // 2>&1, &>file: a redirection
    } else if (ch === '|' || ch === ';' || ch === '&') {
      parts.push(current.trim());
      current = '';
      if (text[i + 1] === ch) i += 1;
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/** `airtime emulator` or `airtime serve` (not their --help), anywhere in the line: inside $(…) too. */
const SERVER = /\bairtime (emulator|serve)\b(?![^|;&)]*--help)/;

/**
 * How a line that starts a server is run: `alone`, a single command (with its redirections, maybe
 * sent to the background) that only starts it; `whole`, anything else, which must return by itself.
 */
function serverLine(command: string): 'alone' | 'whole' | null {
  if (!SERVER.test(command)) return null;
  // (2>&1 is a redirection, not a list)
  const line = withoutComment(command)
    .replace(/\s*&$/, '')
    .replace(/\d?>&\d/g, '');
  return /^(\w+=\S+\s+)*airtime (emulator|serve)\b[^|;&()`$]*$/.test(line) ? 'alone' : 'whole';
}

/** Every server the line starts listens on a free port: `--port 8787` becomes `--port 0`, and no --port gets one. */
function onFreePorts(command: string): string {
  return command.replace(/\bairtime (emulator|serve)\b([^|;&]*)/g, (_, name: string, rest: string) =>
    /--port[= ]\d+/.test(rest) ? `airtime ${name}${rest.replace(/--port([= ])\d+/, '--port$10')}` : `airtime ${name} --port 0${rest}`,
  );
}

/** A URL of a shared ledger no test can reach: each run gets a fresh schema on the test server instead. */
const UNREACHABLE_LEDGER = /'?postgres(?:ql)?:\/\/[^\s'"]*db\.internal[^\s'"]*'?/;

/** Why an example cannot run here, or null. */
function skipReason(command: string): string | null {
  if ((command.includes('$AIRTIME_SHARED_LEDGER') || UNREACHABLE_LEDGER.test(command)) && !POSTGRES_URL) {
    return 'needs a PostgreSQL server (AIRTIME_TEST_POSTGRES_URL)';
  }
  // Leading VAR=value assignments are part of the command, not the command's name.
  const parts = segments(command).map((part) => part.replace(/^(\w+=\S+\s+)+/, ''));
  if (!parts.some((part) => part.startsWith('airtime')) && !SERVER.test(command)) return 'not an airtime command';
  if (parts.length === 1 && /^airtime( config init| config set-key)?$/.test(parts[0] ?? '')) {
    return 'interactive (tested under a pseudo-terminal)';
  }
  for (const part of parts) {
    const tool = part.split(/\s+/)[0] ?? '';
    if (tool !== 'airtime' && !available(tool)) return `needs ${tool}, not installed here`;
  }
  return null;
}

/** Exit codes an example may end with: 0, except lookups of what may not exist or finish. */
function allowedExits(command: string): number[] {
  if (/airtime status .*--wait/.test(command)) return [0, 1, 5];
  if (/airtime status \S/.test(command)) return [0, 1];
  if (/--key order-1234/.test(command)) return [0, 5]; // the seeded unknown send, replayed
  return [0];
}

/** A copy of the seeded HOME for one run, and the environment that keeps everything inside it. */
function seededCopy(prefix: string): { home: string; cwd: string; env: NodeJS.ProcessEnv } {
  const home = mkdtempSync(join(tmpdir(), prefix));
  cpSync(seeded.home, home, { recursive: true });
  return {
    home,
    cwd: join(home, 'work'),
    env: {
      PATH: `${shims}:${process.env.PATH ?? ''}`,
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      LANG: 'C.UTF-8',
    },
  };
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * Runs bash in a process group of its own until it exits (a server it left in the background may
 * hold its output open: the exit is what counts), then kills the group, whatever happened.
 */
async function inGroup(
  script: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; bash?: string[] },
): Promise<Finished> {
  const child = spawn('bash', [...(options.bash ?? ['-o', 'pipefail']), '-c', script], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  // (the key on stdin is for examples that read it: config set-key, config init --key-source user)
  child.stdin.end(KEY);
  try {
    const { code, signal } = await ended(child, options.timeoutMs, () => output);
    // What it printed last is read before the group goes; a server's pipe is not waited for.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { code, signal, output };
  } finally {
    killGroup(child);
  }
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid ?? 0), 'SIGKILL');
  } catch {
    // The group has ended already.
  }
}

function ended(
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not end within ${timeoutMs} ms; it printed:\n${output()}`)), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** An example's command as it runs here: the examples' fixed places pointed at this run's own. */
async function prepared(command: string, cwd: string): Promise<string> {
  let prepared = command.replace(/cd \/srv\/payouts/g, `cd ${shellQuote(cwd)}`).replace(/http:\/\/127\.0\.0\.1:8788/g, emu.url);
  if (serverLine(prepared) !== null) prepared = onFreePorts(prepared);
  if (UNREACHABLE_LEDGER.test(prepared)) {
    const url = await freshSchema();
    prepared = prepared.replace(new RegExp(UNREACHABLE_LEDGER.source, 'g'), () => shellQuote(url));
  }
  if (!available('jq')) prepared = prepared.replace(/\s*\|\s*jq\b.*$/, '');
  return prepared;
}

async function exampleEnv(command: string, env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  return {
    ...env,
    AIRTIME_API_URL: emu.url,
    AT_USERNAME: 'sandbox',
    AT_API_KEY: KEY,
    AIRTIME_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    PHONE: '+254712345678',
    ...(command.includes('$AIRTIME_SHARED_LEDGER') ? { AIRTIME_SHARED_LEDGER: await freshSchema() } : {}),
  };
}

/** Runs an example in bash, in its own copy of the seeded HOME; asynchronously, since the emulator answers from this process. */
async function run(example: Example): Promise<void> {
  const { cwd, env: homeEnv } = seededCopy('airtime-example-');
  const command = await prepared(example.command, cwd);
  const env = await exampleEnv(command, homeEnv);
  const where = `${example.source}: ${example.command}`;
  if (serverLine(command) === 'alone') {
    await runServer(command, cwd, env, where);
    return;
  }
  const result = await inGroup(command, { cwd, env, timeoutMs: 20_000 }).catch((error: Error) => {
    throw new Error(`${where}\n${error.message}`);
  });
  expect(allowedExits(example.command), `${where}\n${result.output}`).toContain(result.code);
}

/**
 * A line that only starts a server: started (in the foreground: `exec` makes the process the
 * server itself), it must print its first line, its address, and answer there; SIGTERM must then
 * end it with exit 0.
 */
async function runServer(command: string, cwd: string, env: NodeJS.ProcessEnv, where: string): Promise<void> {
  const script = withoutComment(command)
    .replace(/\s*&$/, '')
    .replace(/^((?:\w+=\S+\s+)*)airtime/, '$1exec airtime');
  // Where its stdout goes: a file it is sent to (`> emulator.env`), or the pipe.
  const file = /(?:^|\s)1?>>?\s*([^\s&|;]+)/.exec(script)?.[1];
  const child = spawn('bash', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = ended(child, 20_000, () => `${stdout}\n${stderr}`);
  try {
    const printed = () => (file === undefined ? stdout : existsSync(join(cwd, file)) ? readFileSync(join(cwd, file), 'utf8') : '');
    const deadline = Date.now() + 15_000;
    while (!printed().includes('\n')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${where}\nprinted no first line:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const first = printed().split('\n')[0] ?? '';
    const url = first.startsWith('{') ? (JSON.parse(first) as { url: string }).url : /^AIRTIME_(?:API|SERVE)_URL=(\S+)$/.exec(first)?.[1];
    expect(url, `${where}\nits first line: ${first}`).toMatch(/^http:\/\/[\w.:[\]]+:\d+$/);
    // Listening: any answer will do.
    const answer = await fetch(new URL('/healthz', (url as string).replace('0.0.0.0', '127.0.0.1')), {
      signal: AbortSignal.timeout(5_000),
    });
    expect(answer.status, where).toBeGreaterThan(0);
    await answer.arrayBuffer();
    child.kill('SIGTERM');
    const { code, signal } = await exit;
    expect({ code, signal }, `${where}\n${stderr}`).toEqual({ code: 0, signal: null });
  } finally {
    killGroup(child);
    exit.catch(() => {}); // ended by the group's end, if not before
  }
}

/** Runs a walk-through with bash -e: any command that fails fails it. */
async function runScript(script: string): Promise<Finished> {
  const { home, cwd, env } = seededCopy('airtime-walk-');
  // Real timeouts: a send here waits for the validation callback's round trip through serve.
  writeFileSync(join(home, '.config', 'airtime', 'config.json'), JSON.stringify({ retryDelay: 0.01, timeout: 10 }), { mode: 0o600 });
  return inGroup(script, { cwd, env, timeoutMs: 60_000, bash: ['-e', '-o', 'pipefail'] });
}

/** Runs the examples, printing the reason for each one skipped; returns how many ran. */
async function runAll(examples: readonly Example[]): Promise<number> {
  let ran = 0;
  for (const example of examples) {
    const reason = skipReason(example.command);
    if (reason) {
      console.log(`not run (${reason}): ${example.source}: ${example.command}`);
      continue;
    }
    await run(example);
    ran += 1;
  }
  return ran;
}

describe('files the pages show but cannot run here', () => {
  it('every systemd unit parses: sections, keys, and an ExecStart whose airtime command the examples run', () => {
    const units = blocks('ini');
    expect(units.length).toBeGreaterThanOrEqual(1);
    for (const unit of units) {
      let section = '';
      const seen = new Set<string>();
      for (const line of unit.split('\n')) {
        if (line.trim() === '' || line.startsWith('#')) continue;
        const header = /^\[(Unit|Service|Timer|Install)\]$/.exec(line);
        if (header) {
          section = header[1] as string;
          seen.add(section);
          continue;
        }
        expect(section, `a key before any section: ${line}`).not.toBe('');
        expect(line, 'Key=value').toMatch(/^[A-Z][A-Za-z]+=\S/);
      }
      expect([...seen]).toEqual(expect.arrayContaining(['Unit', 'Service', 'Timer', 'Install']));
      const exec = /^ExecStart=\/bin\/sh -c '(exec )?(airtime [^']+)'$/m.exec(unit);
      expect(exec?.[2]).toMatch(/^airtime send --file \S+ --batch "payroll-\$\(date \+%%Y-%%m\)" --yes --json$/);
    }
  });

  it('every Kubernetes manifest parses, and runs airtime the way the examples do', () => {
    for (const text of blocks('yaml')) {
      const manifest = defaultLoaders['.yaml']('page.yaml', text) as {
        kind: string;
        spec: { jobTemplate: { spec: { parallelism: number; template: { spec: { containers: { args: string[] }[] } } } } };
      };
      expect(manifest.kind).toBe('CronJob');
      expect(manifest.spec.jobTemplate.spec.parallelism).toBe(3);
      const args = manifest.spec.jobTemplate.spec.template.spec.containers[0]?.args[0];
      expect(args).toMatch(/^exec airtime send --file \S+ --batch "payroll-\$\(date \+%Y-%m\)" --yes --json$/);
    }
  });
});

describe('the examples test itself', () => {
  it('finds the examples, and reads a server line as it runs it', () => {
    const all = pages().flatMap(pageExamples);
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((example) => skipReason(example.command) === null).length).toBeGreaterThan(25);
    expect(pages().flatMap(pageScripts).length).toBeGreaterThanOrEqual(1);
    expect(serverLine('airtime emulator --port 0 > emulator.env &   # first line: …')).toBe('alone');
    expect(serverLine('airtime emulator > emulator.log 2>&1 &')).toBe('alone');
    expect(serverLine('AIRTIME_WEBHOOK_TOKEN=x airtime serve --port 8787')).toBe('alone');
    expect(serverLine('airtime emulator --port 0 > e.env & until [ -s e.env ]; do sleep 0.1; done')).toBe('whole');
    expect(serverLine('eval "$(airtime emulator | head -n 1)"')).toBe('whole');
    expect(serverLine('airtime emulator --help')).toBeNull();
    expect(onFreePorts('airtime serve --port 8787 # x')).toBe('airtime serve --port 0 # x');
    expect(onFreePorts('airtime emulator > e.env &')).toBe('airtime emulator --port 0 > e.env &');
  });
});

describe('walk-throughs', () => {
  const scripts = pages().flatMap((page) => pageScripts(page).map((script, index) => ({ name: `${page.name} #${index + 1}`, script })));
  it.each(scripts)(
    '$name runs whole, as one script',
    async ({ script }) => {
      const result = await runScript(script);
      expect(result.code, `${script}\n---\n${result.output}`).toBe(0);
    },
    EXAMPLES_TIMEOUT_MS,
  );
});

describe('the examples of every page', () => {
  const withExamples = pages().filter((page) => pageExamples(page).length > 0);
  it.each(withExamples.map((page) => page.name))(
    '%s: every airtime example runs against the emulator',
    async (name) => {
      const page = withExamples.find((p) => p.name === name);
      await runAll(pageExamples(page as { name: string; text: string }));
    },
    EXAMPLES_TIMEOUT_MS,
  );
});

describe('the examples of every --help', () => {
  // airtime's own, then every command and subcommand of the table (config, ledger, help…).
  it.each(['', ...COMMANDS.map((spec) => spec.name)])(
    'airtime %s --help: 1-4 examples, each runs',
    async (name) => {
      const sandbox = makeSandbox();
      const help = await runCli([...(name ? name.split(' ') : []), '--help'], { sandbox });
      expect(help.code).toBe(0);
      const examples = helpExamples(help.stdout);
      const spec = COMMANDS.find((command) => command.name === name);
      if (name === '' || spec?.examples) {
        expect(examples.length, `airtime ${name} --help has 1-4 examples`).toBeGreaterThanOrEqual(1);
        expect(examples.length, `airtime ${name} --help has 1-4 examples`).toBeLessThanOrEqual(4);
      }
      await runAll(examples.map((command) => ({ source: `airtime ${name} --help`, command })));
    },
    EXAMPLES_TIMEOUT_MS,
  );
});
