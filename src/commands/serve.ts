import type { Settings } from '../config.js';
import { environmentFor, transactionDeps, type Context } from '../context.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { SendService } from '../server/send.js';
import { formatRequestLog, startServer, type RunningServer, type ServerOptions } from '../server/server.js';
import { nextShutdownSignal } from '../signals.js';
import { sendTransaction } from '../transaction.js';

export interface ServeOptions {
  port: number;
  host: string;
  token?: string | undefined;
  insecureNoToken?: boolean | undefined;
  enableSend?: boolean | undefined;
}

/** Shorter than this, a token can be guessed by someone who can reach the port. */
const SHORT_TOKEN = 16;

/**
 * Serves Africa's Talking's callbacks (and, with --enable-send, POST /send) until SIGINT or
 * SIGTERM; then stops accepting, lets the requests in flight finish, and resolves to 0. The first
 * stdout line is the address, for a script or a test to read.
 */
export async function serve(options: ServeOptions, ctx: Context): Promise<number> {
  const token = webhookToken(options, ctx);
  const settings = await ctx.settings();
  const ledger = await ctx.ledger(settings);
  const send = options.enableSend ? await sendService(ctx, settings, ledger) : null;
  const username = settings.username;
  const environment = environmentFor(settings);

  // Listened for before the port opens: a signal from then on is a clean stop, never a kill.
  const stopped = nextShutdownSignal();
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
    log: (entry) => ctx.output.info(formatRequestLog(entry, ctx.output.flags.json)),
    onError: (error) => {
      ctx.output.error(`unexpected failure answering a request: ${error instanceof Error ? error.message : String(error)}`);
      if (ctx.output.flags.debug && error instanceof Error && error.stack) ctx.output.streams.stderr.write(`${error.stack}\n`);
    },
    now: () => ctx.clock.now(),
  });
  announce(server.url, token, send !== null, ctx);
  const signal = await stopped;
  ctx.output.info(`${signal}: no new connections; finishing the requests in flight`);
  await server.close();
  return EXIT.OK;
}

/** The token from --token or AIRTIME_WEBHOOK_TOKEN; null only on purpose (--insecure-no-token). */
function webhookToken(options: ServeOptions, ctx: Context): string | null {
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
    ctx.output.warn('--token shows in `ps` and stays in shell history; AIRTIME_WEBHOOK_TOKEN keeps it out of both');
  }
  if (token.length < SHORT_TOKEN) ctx.output.warn(`the webhook token is shorter than ${SHORT_TOKEN} characters; use a long random one`);
  return token;
}

async function sendService(ctx: Context, settings: Settings, ledger: Ledger): Promise<SendService> {
  // Credentials are checked now (exit 4), not at the first request.
  const client = await ctx.client(settings);
  const deps = transactionDeps(ctx, settings, client, ledger);
  return {
    defaultCountry: settings.defaultCountry,
    perRecipient: settings.limits.perRecipient,
    perRun: settings.limits.perRun,
    maxNumRetry: settings.maxNumRetry,
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
  const reason = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' ? 'no such address here' : (error as Error).message;
  return new AirtimeError('USAGE', `cannot listen on ${host}:${port}: ${reason}`, {
    hint: 'choose another --port (0 picks a free one) or --host',
    cause: error,
  });
}

function announce(url: string, token: string | null, sending: boolean, ctx: Context): void {
  const { output } = ctx;
  // The first line is for a script or a test to read: printed even with --quiet.
  if (output.flags.json) output.json({ ok: true, url, send: sending });
  else output.streams.stdout.write(`AIRTIME_SERVE_URL=${url}\n`);
  const routes = ['POST /callbacks/status', 'POST /callbacks/validation', 'GET /healthz', ...(sending ? ['POST /send'] : [])];
  output.info(`serving ${routes.join(', ')} at ${url} (Ctrl-C to stop)`);
  if (token === null) {
    output.warn('--insecure-no-token: anyone who can reach this port can write delivery results into the ledger and approve validations');
  } else {
    output.info(`callback URLs: ${url}/callbacks/status?token=<token> and ${url}/callbacks/validation?token=<token>`);
  }
}
