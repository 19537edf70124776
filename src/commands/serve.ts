import type { Settings } from '../config/schema.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { repeatGuard } from '../core/repeat.js';
import { sendBudgetMs } from '../core/retry.js';
import type { Ledger } from '../ledger/store.js';
import type { SendService } from '../server/send.js';
import { type RunningServer, type ServerOptions, startServer } from '../server/server.js';
import { sendTransaction } from '../transaction.js';
import { type Context, environmentFor, retryPolicy, transactionDeps } from './context.js';

export interface ServeOptions {
  port: number;
  host: string;
  token?: string | undefined;
  insecureNoToken?: boolean | undefined;
  enableSend?: boolean | undefined;
}

/** Shorter than this, a token can be guessed by someone who can reach the port. */
const SHORT_TOKEN = 16;

/** The ledger's busy timeout: the last writes of a send may wait that long for another process. */
const LEDGER_WAIT_MS = 10_000;

/**
 * Serves Africa's Talking's callbacks (and, with --enable-send, POST /send) until SIGINT or
 * SIGTERM; then answers new sends 503, finishes and answers every send it took (within the retry
 * budget the settings give), and resolves to 0. The first stdout line is the address, for a script
 * or a test to read.
 */
export async function serve(
  options: ServeOptions,
  ctx: Pick<Context, 'settings' | 'ledger' | 'client' | 'clock' | 'env' | 'notify' | 'untilStopped'>,
): Promise<{ exitCode: number }> {
  const token = webhookToken(options, ctx);
  const settings = await ctx.settings({}, 'send');
  const ledger = await ctx.ledger(settings);
  const send = options.enableSend ? await sendService(ctx, settings, ledger) : null;
  const username = settings.username;
  const environment = environmentFor(settings);
  if (username === undefined) {
    ctx.notify({
      kind: 'warning',
      message:
        "no username is configured (AT_USERNAME or `username`): status callbacks settle transactions by requestId only, never by number and value, as whether a callback is the sandbox's or live's cannot be told",
    });
  }

  // Listened for before the port opens: a signal from then on is a clean stop, never a kill.
  const stopped = ctx.untilStopped();
  const server = await listen(options, {
    host: options.host,
    port: options.port,
    token,
    ledger,
    rules: {
      maxAgeMs: settings.serve.validationMaxAge * 1000,
      perRecipient: settings.limits.perRecipient,
      allowedSourceIps: settings.serve.allowedSourceIps,
    },
    scope: username !== undefined && environment !== undefined ? { account: username, environment } : null,
    send,
    log: (entry) => ctx.notify({ kind: 'request', entry }),
    onError: (error) =>
      ctx.notify({
        kind: 'failure',
        message: error instanceof Error ? error.message : String(error),
        stack: error instanceof Error ? error.stack : undefined,
      }),
    now: () => ctx.clock.now(),
  });
  // However long a send's retries take, they end within this; the service manager must wait longer.
  const drainMs = sendBudgetMs(retryPolicy(settings)) + LEDGER_WAIT_MS;
  const drainSeconds = Math.ceil(drainMs / 1000);
  ctx.notify({
    kind: 'serving',
    url: server.url,
    sending: send !== null,
    insecure: token === null,
    drainSeconds: send ? drainSeconds : null,
  });
  const signal = await stopped;
  ctx.notify({ kind: 'stopping', signal, inFlight: send ? server.sendsInFlight() : null, drainSeconds: send ? drainSeconds : null });
  await server.close(drainMs);
  return { exitCode: EXIT.OK };
}

/** The token from --token or AIRTIME_WEBHOOK_TOKEN; null only on purpose (--insecure-no-token). */
function webhookToken(options: ServeOptions, ctx: Pick<Context, 'env' | 'notify'>): string | null {
  if (options.token !== undefined && options.token.trim() === '') {
    throw new AirtimeError('USAGE', '--token is empty', { hint: 'use a long random secret, e.g. `openssl rand -hex 32`' });
  }
  const token = options.token ?? (ctx.env.AIRTIME_WEBHOOK_TOKEN || undefined);
  if (options.enableSend && options.insecureNoToken) {
    throw new AirtimeError('USAGE', '--enable-send refuses --insecure-no-token: POST /send moves money and needs a token', {
      hint: 'set AIRTIME_WEBHOOK_TOKEN (or --token) and drop --insecure-no-token',
    });
  }
  if (token === undefined) {
    if (options.insecureNoToken) return null;
    throw new AirtimeError('USAGE', 'no webhook token: pass --token or set AIRTIME_WEBHOOK_TOKEN', {
      hint: 'callbacks must then carry ?token=…; --insecure-no-token runs without one, on purpose only',
    });
  }
  if (options.token !== undefined) {
    ctx.notify({
      kind: 'warning',
      message: '--token shows in `ps` and stays in shell history; AIRTIME_WEBHOOK_TOKEN keeps it out of both',
    });
  }
  if (token.length < SHORT_TOKEN) {
    ctx.notify({ kind: 'warning', message: `the webhook token is shorter than ${SHORT_TOKEN} characters; use a long random one` });
  }
  return token;
}

async function sendService(ctx: Pick<Context, 'client' | 'clock'>, settings: Settings, ledger: Ledger): Promise<SendService> {
  // Credentials are checked now (exit 4), not at the first request.
  const client = await ctx.client(settings);
  const deps = transactionDeps(ctx, settings, client, ledger);
  return {
    defaultCountry: settings.defaultCountry,
    perRecipient: settings.limits.perRecipient,
    perRun: settings.limits.perRun,
    maxNumRetry: settings.maxNumRetry,
    repeatGuard: repeatGuard(settings.repeatWindowMs),
    send: (request) => sendTransaction(request, deps),
  };
}

async function listen(options: ServeOptions, server: ServerOptions): Promise<RunningServer> {
  try {
    return await startServer(server);
  } catch (error) {
    throw cannotListen(options.host, options.port, error);
  }
}

/** A port that is taken or not ours to use is a usage error (exit 2): `serve` and `emulator` alike. */
export function cannotListen(host: string, port: number, error: unknown): AirtimeError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'EADDRINUSE'
      ? 'the port is in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address here'
          : (error as Error).message;
  return new AirtimeError('USAGE', `cannot listen on ${host}:${port}: ${reason}`, {
    hint: 'choose another --port (0 picks a free one) or --host',
    cause: error,
  });
}
