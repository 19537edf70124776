// What every command gets, and takes only the part of it uses (`Pick<Context, …>`): where to
// print and how to ask, the clock, and lazily the configuration, the Africa's Talking client and the
// ledger. src/context.ts builds the real one; tests pass their own seams.
import type { AtClient } from '../at/client.js';
import { checkKeyCharacters, type FlagOverrides } from '../config/load.js';
import type { Settings } from '../config/schema.js';
import { type Environment, environmentOf } from '../core/environment.js';
import { AirtimeError } from '../core/errors.js';
import type { Clock, RetryPolicy } from '../core/retry.js';
import { currentOwner, hostName, osUser } from '../ledger/owner.js';
import type { Ledger } from '../ledger/store.js';
import type { Note } from '../results/notes.js';
import type { TransactionDeps } from '../transaction.js';
import type { Activity } from '../ui/notes.js';
import type { Output, OutputFlags } from '../ui/output.js';
import type { Progress } from '../ui/progress.js';
import type { Prompter } from '../ui/prompt.js';

export interface GlobalFlags extends OutputFlags {
  config?: string | undefined;
  profile?: string | undefined;
}

export interface Context {
  output: Output;
  prompter: Prompter;
  clock: Clock;
  cwd: string;
  env: NodeJS.ProcessEnv;
  flags: GlobalFlags;
  /**
   * Loads configuration once per run; the command's own flags override it. `use`: a command that
   * sends or writes the ledger ('send') exits 4 on a refused config file (code, or a project file
   * someone else could have written); a read-only one ('read') is warned about it.
   */
  settings(overrides?: FlagOverrides, use?: 'read' | 'send'): Promise<Settings>;
  /** A client for the configured account; exit 4 when credentials are missing. */
  client(settings: Settings): Promise<AtClient>;
  /** The ledger, opened for writing (created when missing): exit 4 LEDGER_ERROR when unusable. */
  ledger(settings: Settings): Promise<Ledger>;
  /** The ledger for reading; null when there is none yet (a missing ledger is an empty one). */
  readLedger(settings: Settings): Promise<Ledger | null>;
  /** Reports what happens while the command runs; `ui` words it. */
  notify(note: Note): void;
  /** A progress bar for `total` rows where stderr is a terminal; nothing elsewhere. */
  progress(total: number): Progress;
  /** A spinner while something slow happens, where stderr is a terminal. */
  activity(text: string): Promise<Activity>;
  /** Resolves with the first SIGINT or SIGTERM: how a long-running command (serve, emulator) learns to stop. */
  untilStopped(): Promise<NodeJS.Signals>;
  /**
   * How a send learns of Ctrl-C or a scheduler's SIGTERM while its requests are out: the first
   * signal calls `first`, a second quits at once. Returns the function that stops listening.
   */
  onInterrupt(first: (signal: NodeJS.Signals) => void): () => void;
  /** Closes what the run opened. */
  close(): Promise<void>;
}

/** Everything a transaction needs from this run: the ledger, the client, the policy, who we are. */
export function transactionDeps(
  ctx: Pick<Context, 'clock'>,
  settings: Settings,
  client: Pick<AtClient, 'send' | 'environment'>,
  ledger: Ledger,
  extra: Partial<TransactionDeps> = {},
): TransactionDeps {
  return {
    client,
    store: ledger,
    account: requireCredentials(settings).username,
    policy: retryPolicy(settings),
    clock: ctx.clock,
    owner: currentOwner(),
    liveness: (owner) => ledger.liveness(owner),
    origin: { osUser: osUser(), host: hostName() },
    dailyCaps: settings.limits.daily,
    ...extra,
  };
}

export function requireCredentials(settings: Settings): { username: string; apiKey: string } {
  const missing = [settings.username === undefined && 'username', settings.apiKey === undefined && 'API key'].filter(Boolean);
  if (settings.username === undefined || settings.apiKey === undefined) {
    throw new AirtimeError('MISSING_CREDENTIALS', `no Africa's Talking ${missing.join(' or ')} configured`, {
      hint: 'set AT_USERNAME and AT_API_KEY, or run `airtime config init`',
    });
  }
  // Checked before anything is recorded: Node would refuse every request, and the send would look
  // like one that may have arrived.
  checkKeyCharacters(settings.apiKey, settings.sources.apiKey);
  return { username: settings.username, apiKey: settings.apiKey };
}

/**
 * A command that sends money or writes the ledger does not run beside a config file airtime
 * refused to read: what it would have said (a limit, a ledger, a profile) is unknown.
 */
export function requireTrustedConfig(settings: Settings): void {
  const [first, ...more] = settings.refused;
  if (first === undefined) return;
  throw new AirtimeError('CONFIG_ERROR', `${first}${more.length ? ` (and ${more.length} more: run \`airtime config path\`)` : ''}`, {
    hint: 'nothing was sent; a config file is data, never code, and a folder cannot speak for you unless nobody else could have written it',
  });
}

/** Where the API address came from, as a person would look for it: undefined for the default host. */
export function apiUrlSource(settings: Settings): string | undefined {
  if (settings.apiUrl === undefined) return undefined;
  const source = settings.sources.apiUrl;
  if (source === undefined) return 'apiUrl in the configuration';
  return source.startsWith('environment') ? 'AIRTIME_API_URL in the environment' : `apiUrl in ${source}`;
}

export function environmentFor(settings: Settings): Environment | undefined {
  return settings.username === undefined ? undefined : environmentOf(settings.username);
}

export function retryPolicy(settings: Settings): RetryPolicy {
  return {
    retries: settings.retries,
    baseDelayMs: settings.retryDelayMs,
    maxDelayMs: 60_000,
    windowMs: settings.duplicateWindowMs,
    timeoutMs: settings.timeoutMs,
  };
}
