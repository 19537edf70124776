// The callback server of `airtime serve`, on node:http alone: four routes, small bodies, and a
// framework would add more code (and more ways to mis-parse a body) than it would save.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AirtimeError } from '../core/errors.js';
import { printable } from '../core/text.js';
import type { DeliveryOutcome, LedgerScope, ValidationDecision } from '../ledger/records.js';
import type { Ledger } from '../ledger/store.js';
import type { RequestLog } from '../results/notes.js';

export type { RequestLog };

import { type Fields, HttpError, parseFields, readBody } from './body.js';
import { checkValidationRules, parseStatusCallback, parseValidationCallback, type ValidationRules } from './callbacks.js';
import { handleSend, type SendService } from './send.js';
import { bearerToken, tokenMatches } from './token.js';

interface Timeouts {
  /** Until the request's headers have arrived. */
  headersMs: number;
  /** Until the whole request, body included, has arrived: a stalled or trickling client is cut off. */
  requestMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveMs: number;
  /** How often Node looks for requests past those limits. */
  checkIntervalMs: number;
}

const DEFAULT_TIMEOUTS: Timeouts = { headersMs: 10_000, requestMs: 15_000, keepAliveMs: 5_000, checkIntervalMs: 1_000 };

export interface ServerOptions {
  host: string;
  port: number;
  /** The shared secret; null only with --insecure-no-token. */
  token: string | null;
  ledger: Ledger;
  rules: ValidationRules;
  /** The account and environment validation and settling by value are limited to. */
  scope: LedgerScope | null;
  /** POST /send, with --enable-send only. */
  send: SendService | null;
  /** One entry per request, when its response is done (or the client went away). */
  log: (entry: RequestLog) => void;
  /** A failure that is a bug; the request got a bare 500. */
  onError?: (error: unknown) => void;
  now?: () => number;
  timeouts?: Partial<Timeouts>;
}

export interface RunningServer {
  url: string;
  port: number;
  /** POST /send requests being sent right now. */
  sendsInFlight(): number;
  /**
   * Stops taking sends and answers every one it took: a new POST /send (and /healthz, so a load
   * balancer looks elsewhere) gets 503 at once, while each send already taken runs to its answer,
   * for up to `drainMs` (the retry budget, from the settings). Callbacks are still served meanwhile:
   * a send in flight may be retried, and Africa's Talking asks the validation callback about it.
   * Then it stops listening, lets requests in progress end (cut off after the request timeout, or
   * at once if the drain ran out), and resolves.
   */
  close(drainMs: number): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const now = options.now ?? (() => Date.now());
  let closing = false;
  let sending = 0;
  let drained: (() => void) | undefined;
  /** Counts a POST /send from the moment it is taken until it is answered. */
  const trackSend = async <T>(work: () => Promise<T>): Promise<T> => {
    sending += 1;
    try {
      return await work();
    } finally {
      sending -= 1;
      if (sending === 0) drained?.();
    }
  };

  /** No log line may hold the token, wherever a client or a misconfiguration put it. */
  const redact = (text: string): string => {
    let safe = text;
    if (options.token)
      for (const form of new Set([options.token, encodeURIComponent(options.token)])) safe = safe.split(form).join('[redacted]');
    return safe;
  };

  /**
   * Callback fields are kept in the ledger's events: a token a client put among them is not. Only
   * the kept copy is redacted; the fields are parsed as received, so a short or unlucky token
   * ("254", "Success") cannot change the number, the status or the requestId acted on.
   */
  const redactFields = (fields: Fields): Fields =>
    Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, typeof value === 'string' ? redact(value) : value]));

  const requireToken = (given: string | null, scheme: 'query' | 'bearer') => {
    if (options.token === null || tokenMatches(options.token, given)) return;
    const headers: Record<string, string> = scheme === 'bearer' ? { 'WWW-Authenticate': 'Bearer' } : {};
    throw new HttpError(
      401,
      'UNAUTHORIZED',
      scheme === 'bearer' ? 'missing or wrong Authorization: Bearer token' : 'missing or wrong ?token=',
      headers,
    );
  };

  const route = async (req: IncomingMessage, res: ServerResponse, note: (decision: string) => void): Promise<void> => {
    const { path, query } = splitTarget(req.url);
    const method = req.method ?? 'GET';
    switch (path) {
      case '/healthz':
        allow(method, 'GET', 'HEAD');
        if (closing) throw stopping();
        return reply(res, 200, { ok: true });
      case '/callbacks/status': {
        allow(method, 'POST');
        requireToken(query.get('token'), 'query');
        const fields = parseFields(req.headers['content-type'], await readBody(req));
        const callback = { ...parseStatusCallback(fields), payload: redactFields(fields) };
        const outcome = await options.ledger.recordStatusCallback(callback, now(), options.scope);
        note(describeDelivery(outcome, callback.requestId));
        // Always 200 once recorded, orphan or not, so Africa's Talking stops retrying.
        return reply(res, 200, { ok: true, outcome: outcome.kind });
      }
      case '/callbacks/validation': {
        allow(method, 'POST');
        requireToken(query.get('token'), 'query');
        const fields = parseFields(req.headers['content-type'], await readBody(req));
        const callback = parseValidationCallback(fields);
        const kept = redactFields(fields);
        const checked = checkValidationRules(callback, options.rules);
        let decision: ValidationDecision;
        if (checked.ok) {
          decision = await options.ledger.claimValidation(checked.claim, now(), {
            maxAgeMs: options.rules.maxAgeMs,
            scope: options.scope,
            payload: kept,
          });
        } else {
          decision = { validated: false, reason: checked.reason };
          await options.ledger.recordValidationRefusal(checked.reason, kept, now());
        }
        const what = checked.ok
          ? `${checked.money} to ${checked.claim.phoneNumber}`
          : `${callback.currencyCode} ${callback.amount} to ${callback.phoneNumber}`;
        note(`${decision.validated ? 'Validated' : 'Failed'} transactionId ${callback.transactionId} (${what}): ${decision.reason}`);
        return reply(res, 200, { status: decision.validated ? 'Validated' : 'Failed' });
      }
      case '/send': {
        if (method !== 'POST') {
          // Links get prefetched, previewed and crawled: a GET must never move money.
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} /send is refused: a link must never move money; use POST`, {
            Allow: 'POST',
          });
        }
        const service = options.send;
        if (!service) throw new HttpError(404, 'NOT_FOUND', 'POST /send is off: start airtime serve with --enable-send');
        if (closing) throw stopping();
        return trackSend(async () => {
          requireToken(bearerToken(req.headers.authorization), 'bearer');
          const fields = parseFields(req.headers['content-type'], await readBody(req), ['json']);
          const sent = await handleSend(fields, header(req, 'idempotency-key'), service);
          note(sent.decision);
          reply(res, sent.status, sent.body, sent.idempotencyKey === null ? {} : { 'Idempotency-Key': sent.idempotencyKey });
        });
      }
      default:
        throw new HttpError(
          404,
          'NOT_FOUND',
          'no such endpoint: POST /callbacks/status, POST /callbacks/validation, GET /healthz, POST /send',
        );
    }
  };

  const reply = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'no-store',
      ...(closing ? { Connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  };

  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => {
      const started = performance.now();
      let decision = '';
      res.on('close', () => {
        const { path } = splitTarget(req.url);
        options.log({
          time: new Date().toISOString(),
          method: req.method ?? '?',
          path: printable(redact(path)).slice(0, 200),
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          decision: printable(
            redact(res.writableFinished ? decision : `${decision ? `${decision}; ` : ''}the client went away before the answer`),
          ),
        });
      });
      route(req, res, (text) => {
        decision = text;
      }).catch((error: unknown) => {
        const failure = asHttpError(error);
        if (failure.status === 500) options.onError?.(error);
        decision ||= `${failure.code}: ${failure.message}`;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        reply(res, failure.status, { ok: false, error: { code: failure.code, message: failure.message } }, failure.headers);
      });
    },
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    sendsInFlight: () => sending,
    close: async (drainMs) => {
      closing = true;
      server.closeIdleConnections();
      let ranOut = false;
      if (sending > 0) {
        await new Promise<void>((resolve) => {
          // Past the budget a send cannot still be in flight unless something is badly wrong (a
          // ledger locked for minutes): it is cut off, its row stays `pending`, and the next send
          // with its key recovers it.
          const deadline = setTimeout(() => {
            ranOut = true;
            resolve();
          }, drainMs);
          drained = () => {
            clearTimeout(deadline);
            resolve();
          };
        });
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cutOff = setTimeout(() => server.closeAllConnections(), ranOut ? 0 : timeouts.requestMs);
      cutOff.unref();
      await closed;
      clearTimeout(cutOff);
    },
  };
}

/** The answer while the server drains: try again (with the same Idempotency-Key) elsewhere or later. */
function stopping(): HttpError {
  return new HttpError(503, 'SHUTTING_DOWN', 'the server is stopping; send again, with the same Idempotency-Key, once it is back', {
    'Retry-After': '30',
  });
}

function allow(method: string, ...allowed: string[]): void {
  if (!allowed.includes(method)) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${allowed.join(' or ')}`, { Allow: allowed.join(', ') });
  }
}

function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  // The ledger was busy or unusable: 503, so Africa's Talking tries the callback again later.
  if (error instanceof AirtimeError && error.code === 'LEDGER_ERROR')
    return new HttpError(503, 'LEDGER_ERROR', 'the ledger cannot be written right now');
  // Never the message or the stack of an unexpected error: they are for the operator's log.
  return new HttpError(500, 'INTERNAL', 'internal error');
}

function describeDelivery(outcome: DeliveryOutcome, requestId: string): string {
  switch (outcome.kind) {
    case 'updated':
      return `${outcome.row.state} ${requestId} (key ${outcome.row.idempotencyKey}${outcome.settledUnknown ? ', was unknown' : ''})`;
    case 'unchanged':
      return `unchanged ${requestId} (key ${outcome.row.idempotencyKey} stays ${outcome.row.state})`;
    case 'orphan':
      return `orphan ${requestId}: no transaction matches; kept as an event`;
  }
}

/** Path and query of a request target, without trusting it to be a well-formed URL. */
function splitTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  const text = target ?? '/';
  const mark = text.indexOf('?');
  return mark === -1
    ? { path: text, query: new URLSearchParams() }
    : { path: text.slice(0, mark), query: new URLSearchParams(text.slice(mark + 1)) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
