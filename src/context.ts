// What every command gets: where to print, how to ask, the clock, and lazily the configuration
// and the Africa's Talking client. Tests and benchmarks build it with their own seams.
import { AtClient, environmentOf, type Environment } from './at/client.js';
import { loadSettings, type FlagOverrides, type Settings } from './config.js';
import { AirtimeError } from './core/errors.js';
import { systemClock, type Clock, type RetryPolicy } from './core/retry.js';
import type { Ledger } from './ledger/ledger.js';
import { currentOwner, hostName, osUser, ownerLiveness } from './ledger/owner.js';
import type { TransactionDeps } from './transaction.js';
import { Output, type OutputFlags, type Streams } from './ui/output.js';
import { createPrompter, type Prompter } from './ui/prompt.js';

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
  /** Loads configuration once per run; the command's own flags override it. */
  settings(overrides?: FlagOverrides): Promise<Settings>;
  /** A client for the configured account; exit 4 when credentials are missing. */
  client(settings: Settings): Promise<AtClient>;
  /** The ledger, opened for writing (created when missing): exit 4 LEDGER_ERROR when unusable. */
  ledger(settings: Settings): Promise<Ledger>;
  /** The ledger for reading; null when there is none yet (a missing ledger is an empty one). */
  readLedger(settings: Settings): Promise<Ledger | null>;
  /** Closes what the run opened. */
  close(): void;
}

export function createContext(streams: Streams, flags: GlobalFlags, cwd: string): Context {
  const output = new Output(streams, flags);
  let loaded: Promise<Settings> | undefined;
  const opened: Ledger[] = [];
  return {
    output,
    prompter: createPrompter(output),
    clock: systemClock,
    cwd,
    env: streams.env,
    flags,
    settings(overrides = {}) {
      loaded ??= loadSettings({
        cwd,
        env: streams.env,
        flags: { config: flags.config, profile: flags.profile, ...overrides },
      }).then((settings) => {
        for (const warning of settings.warnings) output.warn(warning);
        return settings;
      });
      return loaded;
    },
    async client(settings) {
      const { username, apiKey } = requireCredentials(settings);
      // node:http and node:https (with tls) cost ~10 ms to load: only commands that go online pay.
      const { createFetch } = await import('./at/http.js');
      return new AtClient({
        username,
        apiKey,
        baseUrl: settings.apiUrl,
        baseUrlSource: apiUrlSource(settings),
        timeoutMs: settings.timeoutMs,
        fetch: await createFetch(streams.env),
        log: flags.verbose ? (line) => output.verbose(line) : undefined,
      });
    },
    async ledger(settings) {
      const { Ledger } = await import('./ledger/ledger.js');
      const ledger = Ledger.open(settings.ledgerPath);
      opened.push(ledger);
      return ledger;
    },
    async readLedger(settings) {
      const { Ledger } = await import('./ledger/ledger.js');
      const ledger = Ledger.openForReading(settings.ledgerPath);
      if (ledger) opened.push(ledger);
      return ledger;
    },
    close() {
      for (const ledger of opened.splice(0)) ledger.close();
    },
  };
}

/** Everything a transaction needs from this run: the ledger, the client, the policy, who we are. */
export function transactionDeps(
  ctx: Context,
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
    liveness: ownerLiveness,
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
  return { username: settings.username, apiKey: settings.apiKey };
}

/** Where the API address came from, as a person would look for it: undefined for the default host. */
function apiUrlSource(settings: Settings): string | undefined {
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
