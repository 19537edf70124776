// A Context for running a command in-process (create-astro's way of testing its actions): a real
// temporary SQLite ledger, and fakes for everything else, each recording what it was asked. The
// prompter answers from a script and throws on a question the script did not expect; the clock
// moves only when something sleeps; Africa's Talking is an object with the client's methods; the
// settings are the schema's defaults plus what the test says, never read from a file.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach } from 'vitest';
import type { AtClient, FindAnswer, LookupAnswer, SendAnswer, SendRequest } from '../../src/at/client.js';
import { type Context, type GlobalFlags, requireCredentials, requireTrustedConfig } from '../../src/commands/context.js';
import type { FlagOverrides } from '../../src/config/load.js';
import { KEYS, SERVE_KEYS, type Settings } from '../../src/config/schema.js';
import type { CountryCode } from '../../src/core/countries.js';
import { type Environment, environmentOf } from '../../src/core/environment.js';
import { AirtimeError } from '../../src/core/errors.js';
import { defaultDailyCaps } from '../../src/core/limits.js';
import type { Clock } from '../../src/core/retry.js';
import { SqliteLedger } from '../../src/ledger/sqlite/ledger.js';
import type { BatchConfirmation } from '../../src/results/bulk.js';
import type { Note } from '../../src/results/notes.js';
import type { SendPreview } from '../../src/results/send.js';
import { Output, type Streams } from '../../src/ui/output.js';
import type { ProgressCounts } from '../../src/ui/progress.js';
import type { Choice, Prompter } from '../../src/ui/prompt.js';

/** 2026-11-16 12:00 UTC: noon, so the local day is the same date in every time zone but the extremes. */
export const START = Date.UTC(2026, 10, 16, 12, 0, 0);

/** Credentials that look real enough; the key is long so test/setup.ts would notice it leaking. */
export const USERNAME = 'sandbox';
export const API_KEY = 'atsk_in_process_test_key_0123456789';

// ---------------------------------------------------------------------------------------------
// Settings

function defaultOf(table: typeof KEYS, key: string): number {
  const value = table[key]?.default;
  if (value === undefined) throw new Error(`the config schema has no default for ${key}`);
  return value;
}

/** The settings a run gets with no config file and no environment: the schema's defaults, plus `overrides`. */
export function testSettings(overrides: Partial<Settings> = {}): Settings {
  const ms = (key: string) => Math.round(defaultOf(KEYS, key) * 1000);
  return {
    username: undefined,
    apiKey: undefined,
    apiUrl: undefined,
    defaultCountry: undefined,
    // No ledger can be made here: a test that opens one must say where (testContext does).
    ledgerLocation: '/dev/null/ledger.db',
    retryDelayMs: ms('retryDelay'),
    timeoutMs: ms('timeout'),
    duplicateWindowMs: ms('duplicateWindow'),
    repeatWindowMs: ms('repeatWindow'),
    retries: defaultOf(KEYS, 'retries'),
    maxNumRetry: undefined,
    concurrency: defaultOf(KEYS, 'concurrency'),
    rate: undefined,
    limits: { perRecipient: {}, perRun: {}, daily: defaultDailyCaps() },
    serve: { validationMaxAge: defaultOf(SERVE_KEYS, 'validationMaxAge'), allowedSourceIps: undefined },
    sources: {},
    files: [],
    warnings: [],
    refused: [],
    ...overrides,
  };
}

/** The command's own flags over the settings, as src/config/load.ts applies them (flags beat every other source). */
function withOverrides(settings: Settings, flags: FlagOverrides): Settings {
  return {
    ...settings,
    ...(flags.country !== undefined && { defaultCountry: flags.country.toUpperCase() as CountryCode }),
    ...(flags.timeout !== undefined && { timeoutMs: Math.round(flags.timeout * 1000) }),
    ...(flags.retries !== undefined && { retries: flags.retries }),
    ...(flags.maxNumRetry !== undefined && { maxNumRetry: flags.maxNumRetry }),
    ...(flags.concurrency !== undefined && { concurrency: flags.concurrency }),
    ...(flags.rate !== undefined && { rate: flags.rate }),
  };
}

// ---------------------------------------------------------------------------------------------
// Prompter

/** One scripted answer, named by the kind of question it answers; `cancel` is Ctrl-C at any prompt. */
export type Answer =
  | { text: string }
  | { confirm: boolean }
  | { select: string }
  | { secret: string }
  | { confirmSend: boolean }
  | { confirmBatch: boolean }
  | { cancel: true };

type Kind = 'text' | 'confirm' | 'select' | 'secret' | 'confirmSend' | 'confirmBatch';

export interface Question {
  kind: Kind;
  message: string;
  default?: string | boolean | undefined;
  choices?: string[];
  preview?: SendPreview;
  batch?: BatchConfirmation;
  /** What the question's own check said of answers given before the accepted one. */
  rejected: string[];
}

function fakePrompter(script: Answer[], asked: Question[]): Prompter {
  const take = (question: Question): unknown => {
    const answer = script.shift();
    if (answer === undefined) throw new Error(`unscripted question (${question.kind}): ${question.message}`);
    if ('cancel' in answer) throw new AirtimeError('INTERRUPTED', 'cancelled', { exitCode: 130 });
    if (!(question.kind in answer)) {
      throw new Error(`asked ${question.kind} "${question.message}", but the script answers ${Object.keys(answer).join()}`);
    }
    return (answer as Record<string, unknown>)[question.kind];
  };
  const ask = (question: Omit<Question, 'rejected'>): unknown => {
    const recorded = { ...question, rejected: [] };
    asked.push(recorded);
    return take(recorded);
  };
  return {
    async text(question) {
      const recorded: Question = { kind: 'text', message: question.message, default: question.default, rejected: [] };
      asked.push(recorded);
      // As at a terminal: an empty answer takes the default, and a rejected one is asked again.
      for (;;) {
        const typed = take(recorded) as string;
        const value = typed === '' && question.default !== undefined ? question.default : typed;
        const reason = question.validate?.(value);
        if (reason === undefined) return value;
        recorded.rejected.push(reason);
      }
    },
    async confirm(message, defaultValue = true) {
      return ask({ kind: 'confirm', message, default: defaultValue }) as boolean;
    },
    async select<T extends string>(message: string, choices: Choice<T>[]): Promise<T> {
      const values = choices.map((choice) => choice.value);
      const answer = ask({ kind: 'select', message, choices: values }) as T;
      if (!values.includes(answer)) throw new Error(`the script chose ${answer}, not one of ${values.join(', ')}`);
      return answer;
    },
    async secret(message) {
      return ask({ kind: 'secret', message }) as string;
    },
    async confirmSend(preview) {
      return ask({ kind: 'confirmSend', message: 'Send it?', preview }) as boolean;
    },
    async confirmBatch(batch) {
      return ask({ kind: 'confirmBatch', message: 'Send now?', batch }) as boolean;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Clock

export interface FakeClock extends Clock {
  /** Every sleep asked for, in ms; each moved the clock on at once. */
  slept: number[];
  advance(ms: number): void;
}

export function fakeClock(start = START): FakeClock {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 0.5,
    advance: (ms) => {
      now += ms;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Africa's Talking

type Scripted<A, R> = A | ((request: R) => A | Promise<A>);

/**
 * Africa's Talking as the commands use it: the client's methods, answering from a script and
 * recording every request. An unscripted send is accepted (a fresh requestId); an unscripted
 * status query or balance is a test mistake and throws.
 */
export interface FakeAt extends Pick<AtClient, 'send' | 'findTransaction' | 'balance'> {
  environment: Environment;
  baseUrl: string;
  sends: SendRequest[];
  finds: string[];
  balances: number;
  script: {
    send: Scripted<SendAnswer, SendRequest>[];
    find: Scripted<FindAnswer, string>[];
    balance: LookupAnswer<{ balance: string }>[];
  };
}

export function fakeAt(): FakeAt {
  const at: FakeAt = {
    environment: 'sandbox',
    baseUrl: 'https://fake.africastalking.invalid',
    sends: [],
    finds: [],
    balances: 0,
    script: { send: [], find: [], balance: [] },
    async send(request) {
      at.sends.push(request);
      const next = at.script.send.shift();
      if (next !== undefined) return typeof next === 'function' ? next(request) : next;
      return accepted(`ATQid_fake_${at.sends.length}`, request.amount);
    },
    async findTransaction(requestId) {
      at.finds.push(requestId);
      const next = at.script.find.shift();
      if (next === undefined) throw new Error(`unscripted status query for ${requestId}`);
      return typeof next === 'function' ? next(requestId) : next;
    },
    async balance() {
      at.balances += 1;
      const next = at.script.balance.shift();
      if (next === undefined) throw new Error('unscripted balance query');
      return next;
    },
  };
  return at;
}

/** Africa's Talking's answer to a send it took. */
export function accepted(requestId: string, amount: string, discount: string | null = null): SendAnswer {
  return { kind: 'accepted', requestId, status: 'Sent', amount, discount, errorMessage: null, httpStatus: 201 };
}

// ---------------------------------------------------------------------------------------------
// Streams

/** A stream that keeps what is written to it, and says whether it is a terminal. */
export class Capture extends Writable {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns: number | undefined,
  ) {
    super();
  }
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface TestStreams extends Streams {
  stdout: Capture;
  stderr: Capture;
}

/** stdout and stderr kept as strings; stdin holding `input`; stdin and stdout terminals or not. */
export function testStreams(options: { terminal?: boolean; stdin?: string; env?: NodeJS.ProcessEnv } = {}): TestStreams {
  const terminal = Boolean(options.terminal);
  return {
    stdout: new Capture(terminal, terminal ? 100 : undefined),
    stderr: new Capture(false, undefined),
    // Buffers, as a real stdin gives them.
    stdin: Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), { isTTY: terminal }),
    env: options.env ?? {},
  };
}

// ---------------------------------------------------------------------------------------------
// The context

export interface TestContextOptions {
  /** Over the defaults, which carry USERNAME and API_KEY; `{ username: undefined }` takes them away. */
  settings?: Partial<Settings>;
  /** stdin and stdout are terminals (prompts happen unless `flags.input` is false). */
  terminal?: boolean;
  flags?: Partial<GlobalFlags>;
  /** The prompter's script, in the order the questions come. */
  answers?: Answer[];
  /** What stdin holds (a piped key, a file given as `-`). */
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  /** `missing`: no ledger exists until a command opens one for writing. */
  ledger?: 'present' | 'missing';
}

export interface TestContext {
  ctx: Context;
  /** The real ledger the commands use (created on first use when it was `missing`). */
  readonly ledger: SqliteLedger;
  /** The base settings every `ctx.settings()` starts from; a test may change them before the run. */
  settings: Settings;
  /** A folder of this test's own, removed after it. */
  dir: string;
  stdout(): string;
  stderr(): string;
  notes: Note[];
  asked: Question[];
  /** The answers not used yet; any left when the test ends fails it (a scripted question was never asked). */
  answers: Answer[];
  clock: FakeClock;
  at: FakeAt;
  /** What the command asked of the context. */
  calls: {
    settings: { overrides: FlagOverrides; use: 'read' | 'send' }[];
    client: number;
    ledger: number;
    readLedger: number;
    untilStopped: number;
    onInterrupt: number;
  };
  activities: string[];
  progress: { total: number; updates: ProgressCounts[]; stopped: boolean }[];
  /** Resolves what `ctx.untilStopped()` returned, as a SIGINT or SIGTERM would. */
  stop(signal?: NodeJS.Signals): void;
  /** The first Ctrl-C (or SIGTERM) to whatever listens through `ctx.onInterrupt`. */
  interrupt(signal?: NodeJS.Signals): void;
  /** How many still listen through `ctx.onInterrupt` (a command stops listening when it is done). */
  listening(): number;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function testContext(options: TestContextOptions = {}): TestContext {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-cmd-'));
  const cwd = join(dir, 'work');
  mkdirSync(cwd);
  const env: NodeJS.ProcessEnv = {
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_DATA_HOME: join(dir, 'data'),
    ...options.env,
  };
  const streams = testStreams({ terminal: options.terminal, stdin: options.stdin, env });
  const { stdout, stderr } = streams;
  const flags: GlobalFlags = { json: false, quiet: false, verbose: false, color: false, debug: false, input: true, ...options.flags };
  const output = new Output(streams, flags);

  const ledgerLocation = join(dir, 'ledger.db');
  // Opened on first use (a test that never reaches the ledger pays nothing for it); `missing`
  // until a command opens it for writing.
  let store: SqliteLedger | undefined;
  const missing = options.ledger === 'missing';
  const open = () => {
    store ??= SqliteLedger.open(ledgerLocation);
    return store;
  };
  cleanups.push(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
    if (answers.length > 0) throw new Error(`scripted answers never asked for: ${JSON.stringify(answers)}`);
  });

  let stopWith: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stopWith = resolve;
  });
  const clock = fakeClock();
  const at = fakeAt();
  const interruptions = new Set<(signal: NodeJS.Signals) => void>();
  const asked: Question[] = [];
  const answers = [...(options.answers ?? [])];
  const t: TestContext = {
    ctx: undefined as unknown as Context,
    get ledger() {
      return open();
    },
    settings: testSettings({ username: USERNAME, apiKey: API_KEY, ledgerLocation, ...options.settings }),
    dir,
    stdout: () => stdout.text,
    stderr: () => stderr.text,
    notes: [],
    asked,
    answers,
    clock,
    at,
    calls: { settings: [], client: 0, ledger: 0, readLedger: 0, untilStopped: 0, onInterrupt: 0 },
    activities: [],
    progress: [],
    stop: (signal = 'SIGTERM') => stopWith(signal),
    interrupt: (signal = 'SIGINT') => {
      for (const first of [...interruptions]) first(signal);
    },
    listening: () => interruptions.size,
  };
  t.ctx = {
    output,
    prompter: fakePrompter(answers, asked),
    clock,
    cwd,
    env,
    flags,
    async settings(overrides = {}, use = 'read') {
      t.calls.settings.push({ overrides, use });
      if (use === 'send') requireTrustedConfig(t.settings);
      return withOverrides(t.settings, overrides);
    },
    async client(settings) {
      t.calls.client += 1;
      // As the real context: a refused config file, missing credentials or an unusable key stop here.
      requireTrustedConfig(settings);
      const { username } = requireCredentials(settings);
      at.environment = environmentOf(username);
      return at as unknown as AtClient;
    },
    async ledger(settings) {
      t.calls.ledger += 1;
      requireTrustedConfig(settings);
      return open();
    },
    async readLedger() {
      t.calls.readLedger += 1;
      return missing ? (store ?? null) : open();
    },
    notify: (note) => t.notes.push(note),
    progress(total) {
      const bar = { total, updates: [] as ProgressCounts[], stopped: false };
      t.progress.push(bar);
      return { update: (counts) => bar.updates.push({ ...counts }), stop: () => void (bar.stopped = true) };
    },
    async activity(text) {
      t.activities.push(text);
      return { stop() {} };
    },
    untilStopped() {
      t.calls.untilStopped += 1;
      return stopped;
    },
    onInterrupt(first) {
      t.calls.onInterrupt += 1;
      interruptions.add(first);
      return () => void interruptions.delete(first);
    },
    async close() {},
  };
  return t;
}

/** The error a promise was rejected with, for assertions on its code and exit code. */
export async function failure(promise: Promise<unknown>): Promise<AirtimeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AirtimeError) return error;
    throw error;
  }
  throw new Error('expected the command to fail, and it succeeded');
}
