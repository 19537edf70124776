// How what a command reports while it runs reads: a warning, a line on stderr, a spinner's text,
// a server's log line (or JSON lines with --json). Commands say what happened (results/notes.ts);
// this is the one place that words it.
import type { Note, RequestLog } from '../results/notes.js';
import type { Output } from './output.js';
import { createProgress, type Progress } from './progress.js';
import { type Spinner, startSpinner } from './spinner.js';

/** One line per request: human text, or a JSON object per line with --json. */
export function formatRequestLog(entry: RequestLog, json: boolean): string {
  if (json) return JSON.stringify(entry);
  return `${entry.time} ${entry.method} ${entry.path} ${entry.status} ${entry.ms}ms${entry.decision ? ` ${entry.decision}` : ''}`;
}

/** A slow step a person watches: a spinner at a terminal, nothing elsewhere. */
export interface Activity {
  stop(): void;
}

export class Reporter {
  /** The spinner of the activity running, which notes about it update. */
  private spinner: Spinner | undefined;

  constructor(private readonly output: Output) {}

  async activity(text: string): Promise<Activity> {
    const spinner = await startSpinner(this.output, text);
    this.spinner = spinner;
    return {
      stop: () => {
        spinner.stop();
        if (this.spinner === spinner) this.spinner = undefined;
      },
    };
  }

  progress(total: number): Progress {
    return createProgress(this.output, total);
  }

  note(note: Note): void {
    const { output } = this;
    switch (note.kind) {
      case 'warning':
        return output.warn(note.message);
      case 'retrying':
        return this.status(
          `attempt ${note.attempt - 1} got ${note.reason}; retrying in ${(note.delayMs / 1000).toFixed(1)} s under the same key`,
          'verbose',
        );
      case 'waiting':
        return this.status(`another airtime (pid ${note.pid}) is sending this key; waiting for its answer`, 'info');
      case 'finishing':
        if (note.bulk) return output.info('\nstopping: waiting for the requests in flight (press Ctrl-C again to quit at once)');
        return this.status(`${note.signal}: waiting for the answer to record it (again to quit at once)`, 'info');
      case 'row-held':
        return output.warn(
          `row ${note.row}: not resent: Africa's Talking reported its delivery failed, but may still deliver it ` +
            `(${note.maxNumRetry ? `maxNumRetry ${note.maxNumRetry}` : 'its default retry period'}) until ${new Date(note.until).toISOString()}; run --retry-failed again after that`,
        );
      case 'row-refused':
        return output.warn(`row ${note.row}: ${note.message}`);
      case 'serving':
        return this.serving(note);
      case 'emulating':
        // The first line is meant for `export` (or a test) to read: always printed, even with --quiet.
        output.write(`AIRTIME_API_URL=${note.url}\n`);
        return output.info(`emulating Africa's Talking at ${note.url} (any username; Ctrl-C to stop)`);
      case 'request':
        return output.info(formatRequestLog(note.entry, output.flags.json));
      case 'emulated':
        return output.info(note.line);
      case 'stopping':
        return output.info(
          note.inFlight === null
            ? `${note.signal}: finishing the requests in flight`
            : `${note.signal}: new sends get 503; finishing ${note.inFlight} send(s) in flight (within ${note.drainSeconds} s)`,
        );
      case 'failure':
        output.error(`unexpected failure answering a request: ${note.message}`);
        if (output.flags.debug && note.stack) output.streams.stderr.write(`${note.stack}\n`);
        return;
    }
  }

  /** A word about the activity running: its spinner's text at a terminal, else a line (or nothing). */
  private status(text: string, level: 'info' | 'verbose'): void {
    this.spinner?.update(text);
    if (!this.output.animated) this.output[level](text);
  }

  private serving(note: Extract<Note, { kind: 'serving' }>): void {
    const { output } = this;
    // The first line is for a script or a test to read: printed even with --quiet.
    if (output.flags.json) output.json({ ok: true, url: note.url, send: note.sending });
    else output.write(`AIRTIME_SERVE_URL=${note.url}\n`);
    const routes = ['POST /callbacks/status', 'POST /callbacks/validation', 'GET /healthz', ...(note.sending ? ['POST /send'] : [])];
    output.info(`serving ${routes.join(', ')} at ${note.url} (Ctrl-C to stop)`);
    if (note.insecure) {
      output.warn('--insecure-no-token: anyone who can reach this port can write delivery results into the ledger and approve validations');
    } else {
      output.info(`callback URLs: ${note.url}/callbacks/status?token=<token> and ${note.url}/callbacks/validation?token=<token>`);
    }
    if (note.drainSeconds !== null) {
      output.info(
        `on SIGTERM, sends in flight are finished within ${note.drainSeconds} s: the service manager's stop timeout must be longer (systemd TimeoutStopSec, Kubernetes terminationGracePeriodSeconds)`,
      );
    }
  }
}
