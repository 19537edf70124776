// What every command gets: where to print, how to ask, the clock, and lazily the configuration
// and the Africa's Talking client. Tests and benchmarks build it with their own seams.
import { AtClient, type Environment, environmentOf } from './at/client.js';
import { checkKeyCharacters, type FlagOverrides, loadSettings } from './config/load.js';
import type { Settings } from './config/schema.js';
import { AirtimeError } from './core/errors.js';
import { type Clock, type RetryPolicy, systemClock } from './core/retry.js';
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
  /** Closes what the run opened. */
  close(): void;
}

export function createContext(streams: Streams, flags: GlobalFlags, cwd: string): Context {
  const output = new Output(streams, flags);
  let loaded: Promise<Settings> | undefined;
  let warnedRefused = false;
  const opened: Ledger[] = [];
  return {
    output,
    prompter: createPrompter(output),
    clock: systemClock,
    cwd,
    env: streams.env,
    flags,
    async settings(overrides = {}, use = 'read') {
      loaded ??= loadSettings({
        cwd,
        env: streams.env,
        flags: { config: flags.config, profile: flags.profile, ...overrides },
      }).then((settings) => {
        for (const warning of settings.warnings) output.warn(warning);
        return settings;
      });
      const settings = await loaded;
      if (use === 'send') requireTrustedConfig(settings);
      else if (!warnedRefused) for (const refusal of settings.refused) output.warn(refusal);
      warnedRefused = true;
      return settings;
    },
    async client(settings) {
      requireTrustedConfig(settings);
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
      requireTrustedConfig(settings);
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
