// Builds the context every command gets: the real streams, prompts, clock, configuration, client
// and ledger. The interface and what commands share of it live in src/commands/context.ts.
import { AtClient } from './at/client.js';
import { apiUrlSource, type Context, type GlobalFlags, requireCredentials, requireTrustedConfig } from './commands/context.js';
import { loadSettings } from './config/load.js';
import type { Settings } from './config/schema.js';
import { systemClock } from './core/retry.js';
import type { Ledger } from './ledger/store.js';
import { nextShutdownSignal, onInterrupt } from './signals.js';
import { Reporter } from './ui/notes.js';
import { Output, type Streams } from './ui/output.js';
import { createPrompter } from './ui/prompt.js';

export type { Context, GlobalFlags };

export async function createContext(streams: Streams, flags: GlobalFlags, cwd: string): Promise<Context> {
  const output = await Output.open(streams, flags);
  let loaded: Promise<Settings> | undefined;
  let warnedRefused = false;
  const opened: Ledger[] = [];
  const reporter = new Reporter(output);
  // Once a ledger is open, time is its clock: a shared ledger's windows are on the database's clock,
  // whichever host decides them (src/ledger/store.ts `now`).
  const clock = { ...systemClock, now: () => opened[0]?.now() ?? systemClock.now() };
  return {
    output,
    prompter: createPrompter(output),
    notify: (note) => reporter.note(note),
    progress: (total) => reporter.progress(total),
    activity: (text) => reporter.activity(text),
    untilStopped: nextShutdownSignal,
    onInterrupt,
    clock,
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
      const { openLedger } = await import('./ledger/open.js');
      const ledger = await openLedger(settings.ledgerLocation);
      opened.push(ledger);
      return ledger;
    },
    async readLedger(settings) {
      const { openLedgerForReading } = await import('./ledger/open.js');
      const ledger = await openLedgerForReading(settings.ledgerLocation);
      if (ledger) opened.push(ledger);
      return ledger;
    },
    async close() {
      for (const ledger of opened.splice(0)) await ledger.close();
    },
  };
}
