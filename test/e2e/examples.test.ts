// Every runnable `airtime` example in the README and in the --help of every command is run against
// the emulator, so none of them can rot. What cannot run here is skipped by rule, with the reason
// printed: long-running servers (their own tests cover them), interactive-only lines, and tools this
// machine lacks. A README block marked ```sh script is a walk-through, run whole as one script: it
// starts its own servers in the background and stops them.
// (A line of such a block is not an example of its own: the per-line reading skips the block.)
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultLoaders } from '../../src/config/yaml.js';
import { type Emulator, startEmulator } from '../../src/emulator/server.js';
import { BIN, collect, FAST, ledgerPath, makeSandbox, ROOT, runCli, type Sandbox, writeUserConfig } from '../helpers/cli.js';
import { rawDatabase } from '../helpers/ledger.js';
import { freshSchema, POSTGRES_URL } from '../helpers/postgres.js';

const KEY = 'example-key-0123456789abcdef';

interface Example {
  source: string;
  command: string;
}

/** `airtime` lines of the README's sh blocks, and the commands of its crontab lines. */
function readmeExamples(): Example[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const examples: Example[] = [];
  for (const match of text.matchAll(/```(\w+)\n([\s\S]*?)```/g)) {
    const [, kind, body = ''] = match;
    for (const raw of body.split('\n')) {
      const line = raw.trim();
      if (kind === 'sh' && /^(npx )?airtime\b|\|\s*(npx )?airtime\b|^sleep \d+; (npx )?airtime/.test(line)) {
        examples.push({ source: 'README', command: line.replace(/\bnpx airtime\b/g, 'airtime').replace(/^sleep \d+; /, '') });
      }
      if (kind === 'crontab' && line !== '' && !line.startsWith('#'))
        examples.push({ source: 'README crontab', command: cronCommand(line) });
    }
  }
  return examples;
}

/** The README's walk-throughs: ```sh script blocks, each run as one script. */
function readmeScripts(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```sh script\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
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

/** Each test runs some forty examples, each a bash and an airtime process: 20 s is too tight on a busy 2-core machine. */
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
  // `airtime` on the PATH, as after npm link.
  shims = mkdtempSync(join(tmpdir(), 'airtime-shims-'));
  writeFileSync(join(shims, 'airtime'), `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"\n`);
  chmodSync(join(shims, 'airtime'), 0o755);
});

afterAll(async () => {
  await emu.close();
});

const available = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The command's pipeline and list segments, split outside quotes; its trailing comment dropped. */
function segments(command: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < command.length; i += 1) {
    const ch = command[i] as string;
    if (quote) {
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === '#' && /\s/.test(command[i - 1] ?? ' ')) {
      break;
    } else if (ch === '|' || ch === ';' || (ch === '&' && command[i + 1] === '&')) {
      parts.push(current.trim());
      current = '';
      if (ch === '&' || command[i + 1] === '|') i += 1;
    } else current += ch;
  }
  parts.push(current.trim());
  return parts.filter(Boolean);
}

/** Why an example cannot run here, or null. */
function skipReason(command: string): string | null {
  if (command.includes('$AIRTIME_SHARED_LEDGER') && !POSTGRES_URL) return 'needs a PostgreSQL server (AIRTIME_TEST_POSTGRES_URL)';
  // Leading VAR=value assignments are part of the command, not the command's name.
  const parts = segments(command).map((part) => part.replace(/^(\w+=\S+\s+)+/, ''));
  if (!parts.some((part) => part.startsWith('airtime'))) return 'not an airtime command';
  if (parts.some((part) => /^airtime (emulator|serve)\b/.test(part) && !part.includes('--help'))) {
    return 'a long-running server (tested in the emulator and serve tests)';
  }
  if (parts.length === 1 && /^airtime( config init| config set-key)?$/.test(parts[0] ?? '')) {
    return 'interactive (tested under a pseudo-terminal)';
  }
  for (const part of parts) {
    const tool = part.split(/\s+/)[0] ?? '';
    if (tool !== 'airtime' && tool !== 'cd' && !available(tool)) return `needs ${tool}, not installed here`;
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

/** Runs an example in bash; asynchronously, since the emulator answers from this same process. */
async function run(example: Example): Promise<{ status: number | null; stderr: string }> {
  // Each example starts from the same seeded state, in its own copy.
  const { cwd, env: homeEnv } = seededCopy('airtime-example-');
  // The examples' fixed places, pointed at this run's own: the project folder, the emulator.
  let command = example.command.replace(/cd \/srv\/payouts/g, `cd ${shellQuote(cwd)}`).replace(/http:\/\/127\.0\.0\.1:8788/g, emu.url);
  if (!available('jq')) command = command.replace(/\s*\|\s*jq\b.*$/, '');
  const env: NodeJS.ProcessEnv = {
    ...homeEnv,
    AIRTIME_API_URL: emu.url,
    AT_USERNAME: 'sandbox',
    AT_API_KEY: KEY,
    PHONE: '+254712345678',
    ...(command.includes('$AIRTIME_SHARED_LEDGER') ? { AIRTIME_SHARED_LEDGER: await freshSchema() } : {}),
  };
  const child = spawn('bash', ['-o', 'pipefail', '-c', command], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  // (the key on stdin is for examples that read it: config set-key, config init --key-source user)
  const result = await collect(child, { input: KEY, timeoutMs: 20_000 });
  return { status: result.code, stderr: `${result.stdout}\n${result.stderr}` };
}

/**
 * Runs a walk-through with bash -e: any command that fails fails it. It runs in its own process
 * group, which is killed at the end, so a server it started cannot outlive a failing run.
 */
async function runScript(script: string): Promise<{ status: number | null; output: string }> {
  const { home, cwd, env } = seededCopy('airtime-walk-');
  // Real timeouts: a send here waits for the validation callback's round trip through serve.
  writeFileSync(join(home, '.config', 'airtime', 'config.json'), JSON.stringify({ retryDelay: 0.01, timeout: 10 }), { mode: 0o600 });
  const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  try {
    const result = await collect(child, { timeoutMs: 60_000 });
    return { status: result.code, output: `${result.stdout}\n${result.stderr}` };
  } finally {
    try {
      process.kill(-(child.pid ?? 0), 'SIGKILL');
    } catch {
      // The group has ended already.
    }
  }
}

/** The README's blocks of one kind (```ini unit files, ```yaml manifests). */
function readmeBlocks(kind: string): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(new RegExp(`\`\`\`${kind}\n([\\s\\S]*?)\`\`\``, 'g'))].map((match) => match[1] ?? '');
}

describe('files the README shows but cannot run here', () => {
  it('every systemd unit parses: sections, keys, and an ExecStart whose airtime command the examples run', () => {
    const units = readmeBlocks('ini');
    expect(units.length).toBeGreaterThanOrEqual(2);
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
    const manifests = readmeBlocks('yaml');
    expect(manifests.length).toBeGreaterThanOrEqual(1);
    for (const text of manifests) {
      const manifest = defaultLoaders['.yaml']('README.yaml', text) as {
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

describe('examples', () => {
  it(
    'every walk-through in the README runs whole, as one script',
    async () => {
      const scripts = readmeScripts();
      expect(scripts.length).toBeGreaterThanOrEqual(1);
      for (const script of scripts) {
        const result = await runScript(script);
        expect(result.status, `${script}\n---\n${result.output}`).toBe(0);
      }
    },
    EXAMPLES_TIMEOUT_MS,
  );

  it(
    'every airtime example in the README runs against the emulator',
    async () => {
      const examples = readmeExamples();
      expect(examples.length).toBeGreaterThan(30);
      const ran: string[] = [];
      for (const example of examples) {
        const reason = skipReason(example.command);
        if (reason) {
          console.log(`not run (${reason}): ${example.command}`);
          continue;
        }
        const result = await run(example);
        expect(allowedExits(example.command), `${example.source}: ${example.command}\n${result.stderr}`).toContain(result.status);
        ran.push(example.command);
      }
      expect(ran.length).toBeGreaterThan(25);
    },
    EXAMPLES_TIMEOUT_MS,
  );

  it(
    'every example in --help runs against the emulator',
    async () => {
      const sandbox = makeSandbox();
      const commands = ['', 'send', 'validate', 'balance', 'status', 'reconcile', 'stats', 'export', 'serve', 'emulator'];
      let ran = 0;
      for (const name of commands) {
        const help = await runCli([...(name ? [name] : []), '--help'], { sandbox });
        const section = help.stdout.split('Examples:\n')[1] ?? '';
        // One example per line; a line ending in a backslash continues on the next.
        const lines = (section.split('\n\n')[0] ?? '')
          .replace(/\\\n\s*/g, ' ')
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
        expect(lines.length, `airtime ${name} --help has 2-4 examples`).toBeGreaterThanOrEqual(2);
        expect(lines.length, `airtime ${name} --help has 2-4 examples`).toBeLessThanOrEqual(4);
        for (const line of lines) {
          const command = line.startsWith('$ ') ? line.slice(2) : cronCommand(line);
          const reason = skipReason(command);
          if (reason) {
            console.log(`not run (${reason}): ${command}`);
            continue;
          }
          const result = await run({ source: `airtime ${name} --help`, command });
          expect(allowedExits(command), `airtime ${name} --help: ${command}\n${result.stderr}`).toContain(result.status);
          ran += 1;
        }
      }
      expect(ran).toBeGreaterThan(15);
    },
    EXAMPLES_TIMEOUT_MS,
  );
});
