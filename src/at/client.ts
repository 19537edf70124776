// The Africa's Talking Airtime API client: the only code that talks to Africa's Talking.
// Wire facts: ../shared/docs/africastalking-airtime-api.md. Built on a fetch-shaped transport
// (./http.ts) rather than the official SDK, which costs 370-400 ms of start-up, has no base-URL or
// timeout option, and sends an invalid parsed number as `{}` (see docs/design.md).
import { type Environment, environmentOf } from '../core/environment.js';
import { isLoopbackUrl } from '../core/loopback.js';

export const HOSTS: Record<Environment, string> = {
  sandbox: 'https://api.sandbox.africastalking.com',
  live: 'https://api.africastalking.com',
};

/** What the client reads of an answer: a fetch Response has it, and so does `nodeFetch`'s. */
export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<HttpAnswer>;

export interface AtClientOptions {
  username: string;
  apiKey: string;
  /** AIRTIME_API_URL / apiUrl; the host of the username's environment otherwise. */
  baseUrl?: string | undefined;
  /** Where baseUrl was set ("AIRTIME_API_URL in the environment"), for a message when it cannot be reached. */
  baseUrlSource?: string | undefined;
  timeoutMs: number;
  fetch: FetchLike;
  /** `--verbose`: one line per request and answer, the API key never included. */
  log?: ((line: string) => void) | undefined;
}

export type RejectionReason = 'balance' | 'limits' | 'number' | 'country' | 'disabled' | 'bad-request' | 'other';

interface Exchange {
  httpStatus?: number | undefined;
  /** The body as received (trimmed to 64 KiB), for the ledger. */
  raw?: string | undefined;
  /** The answer's `Date` header (ms since the epoch): Africa's Talking's clock, for `airtime doctor`. */
  date?: number | undefined;
}

/** What one send request came to. */
export type SendAnswer = Exchange &
  (
    | { kind: 'accepted'; requestId: string; status: string; amount: string | null; discount: string | null; errorMessage: string | null }
    | { kind: 'rejected'; reason: RejectionReason; errorMessage: string }
    /** AT has seen this key (or, keyless, this request) within its window: it arrived earlier. */
    | { kind: 'duplicate'; errorMessage: string }
    | { kind: 'auth-failed'; errorMessage: string }
    /** No usable answer. `reached` says whether the request may have arrived at AT. */
    | { kind: 'transient'; reached: boolean; reason: string; retryAfterMs?: number | undefined }
  );

export interface SendRequest {
  phoneNumber: string;
  /** "KES 50.00" */
  amount: string;
  idempotencyKey: string;
  maxNumRetry?: number | undefined;
}

/** A transaction's own status words, as `data.status` of a status query carries them. */
export const TRANSACTION_STATUSES = ['Success', 'Failed', 'Queued', 'Sent'] as const;
export type TransactionStatus = (typeof TRANSACTION_STATUSES)[number];

/**
 * What a status query says about one transaction. Only `ok` says anything about its state; every
 * other answer leaves the ledger as it is (a warning, never `failed`: a failed lookup is not a
 * failed transaction, and reading it as one invites paying again money that was paid).
 */
export type FindAnswer = Exchange &
  /** `data.status` of an answer about the transaction asked for: final (Success, Failed) or in flight. */
  (
    | { kind: 'ok'; status: TransactionStatus }
    /** An answer that does not say how the transaction stands; `status` is the raw word it held, if any. */
    | { kind: 'inconclusive'; reason: string; status: string | null }
    | { kind: 'auth-failed'; errorMessage: string }
    | { kind: 'transient'; reached: boolean; reason: string; retryAfterMs?: number | undefined }
  );

export type LookupAnswer<T> = Exchange &
  (
    | ({ kind: 'ok' } & T)
    | { kind: 'not-found'; errorMessage: string }
    | { kind: 'auth-failed'; errorMessage: string }
    | { kind: 'transient'; reached: boolean; reason: string; retryAfterMs?: number | undefined }
  );

const RAW_LIMIT = 64 * 1024;
const DUPLICATE = /duplicate request/i;

export class AtClient {
  readonly environment: Environment;
  readonly baseUrl: string;

  constructor(private readonly options: AtClientOptions) {
    this.environment = environmentOf(options.username);
    this.baseUrl = (options.baseUrl ?? HOSTS[this.environment]).replace(/\/+$/, '');
  }

  async send(request: SendRequest): Promise<SendAnswer> {
    const form = new URLSearchParams({
      username: this.options.username,
      recipients: JSON.stringify([{ phoneNumber: request.phoneNumber, amount: request.amount }]),
    });
    if (request.maxNumRetry !== undefined) form.set('maxNumRetry', String(request.maxNumRetry));
    const exchange = await this.request('POST', '/version1/airtime/send', {
      body: form.toString(),
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'Idempotency-Key': request.idempotencyKey,
      },
    });
    if (exchange.kind === 'failed') return exchange.answer;
    return classifySend(exchange.status, exchange.text, exchange.retryAfterMs, request.phoneNumber);
  }

  /**
   * `/query/transaction/find`. The top-level `status` is the lookup's own (`Success`: it was done;
   * `Failed`: it was not, e.g. not found); the transaction, with its own `status`, is under `data`.
   */
  async findTransaction(requestId: string): Promise<FindAnswer> {
    const query = new URLSearchParams({ username: this.options.username, transactionId: requestId });
    const exchange = await this.request('GET', `/query/transaction/find?${query}`, {});
    if (exchange.kind === 'failed') return exchange.answer;
    return classifyFind(exchange.status, exchange.text, exchange.retryAfterMs, requestId);
  }

  /** `/version1/user`: `{"UserData":{"balance":"KES 1,234.5"}}`. */
  async balance(): Promise<LookupAnswer<{ balance: string }>> {
    const query = new URLSearchParams({ username: this.options.username });
    const exchange = await this.request('GET', `/version1/user?${query}`, {});
    if (exchange.kind === 'failed') return exchange.answer;
    const common = lookupFailure(exchange.status, exchange.text, exchange.retryAfterMs);
    if (common) return { ...common, date: exchange.date };
    const balance = readString(readObject(parseJson(exchange.text), 'UserData'), 'balance');
    if (balance === undefined) return { ...malformed(exchange), date: exchange.date };
    return { kind: 'ok', balance, httpStatus: exchange.status, raw: trimRaw(exchange.text), date: exchange.date };
  }

  private async request(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; headers?: Record<string, string> },
  ): Promise<
    | { kind: 'answered'; status: number; text: string; retryAfterMs: number | undefined; date: number | undefined }
    | { kind: 'failed'; answer: { kind: 'transient'; reached: boolean; reason: string } }
  > {
    const url = `${this.baseUrl}${path}`;
    const headers = { apiKey: this.options.apiKey, Accept: 'application/json', ...init.headers };
    this.log(`> ${method} ${url}`);
    for (const [name, value] of Object.entries(headers)) {
      this.log(`> ${name}: ${name === 'apiKey' ? '[redacted]' : value}`);
    }
    if (init.body !== undefined) this.log(`> ${init.body}`);
    const started = performance.now();
    try {
      const response = await this.options.fetch(url, {
        method,
        headers,
        body: init.body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'error',
      });
      // An answer that echoed the key back must not carry it into logs or the ledger's events.
      const text = this.redact(await response.text());
      this.log(`< HTTP ${response.status} (${Math.round(performance.now() - started)} ms)`);
      this.log(`< ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}`);
      return {
        kind: 'answered',
        status: response.status,
        text,
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
        date: parseHttpDate(response.headers.get('date')),
      };
    } catch (error) {
      const failure = describeNetworkError(error, this.options.timeoutMs);
      if (!failure.reached)
        failure.reason = `${failure.reason} at ${this.baseUrl} (${this.options.baseUrlSource ?? `the ${this.environment} default`}); ${this.unreachableAdvice()}`;
      this.log(`< no answer: ${failure.reason}`);
      return { kind: 'failed', answer: { kind: 'transient', ...failure } };
    }
  }

  /** Nothing listening on this machine is an emulator not started far more often than a network fault. */
  private unreachableAdvice(): string {
    return isLoopbackUrl(this.baseUrl) ? 'is `airtime emulator` running?' : 'check the network, and HTTPS_PROXY if a proxy is needed';
  }

  private log(line: string): void {
    this.options.log?.(this.redact(line));
  }

  /** The key replaced by [redacted]; a key of a few characters is no secret, and left alone. */
  private redact(text: string): string {
    const key = this.options.apiKey;
    return key.length >= 8 ? text.split(key).join('[redacted]') : text;
  }
}

function classifySend(status: number, text: string, retryAfterMs: number | undefined, phoneNumber: string): SendAnswer {
  const raw = trimRaw(text);
  const body = parseJson(text);
  const topMessage = readString(body, 'errorMessage') ?? (body === undefined ? text.trim() : undefined);
  // AT does not document the status of its duplicate answer: recognise it by its text alone.
  if (topMessage !== undefined && DUPLICATE.test(topMessage)) {
    return { kind: 'duplicate', errorMessage: topMessage, httpStatus: status, raw };
  }
  if (status === 401) {
    return { kind: 'auth-failed', errorMessage: text.trim() || 'authentication failed', httpStatus: status, raw };
  }
  if (status === 429 || status >= 500) {
    // A 5xx may come after the request was processed; a 429 is a refusal to process it.
    return { kind: 'transient', reached: status !== 429, reason: `HTTP ${status}`, retryAfterMs, httpStatus: status, raw };
  }
  if (status === 400) {
    return { kind: 'rejected', reason: 'bad-request', errorMessage: text.trim() || 'HTTP 400', httpStatus: status, raw };
  }
  if (status < 200 || status >= 300) {
    return { kind: 'rejected', reason: 'other', errorMessage: text.trim() || `HTTP ${status}`, httpStatus: status, raw };
  }
  if (body === undefined) {
    // A 2xx we cannot read: AT received the request and may have accepted it.
    return { kind: 'transient', reached: true, reason: `unreadable answer (HTTP ${status})`, httpStatus: status, raw };
  }
  const responses = readArray(body, 'responses');
  const entry = responses?.find((r) => readString(r, 'phoneNumber') === phoneNumber) ?? responses?.[0];
  if (entry === undefined) {
    if (topMessage !== undefined && topMessage !== 'None') {
      return { kind: 'rejected', reason: classifyRejection(topMessage), errorMessage: topMessage, httpStatus: status, raw };
    }
    return { kind: 'transient', reached: true, reason: 'answer without a recipient', httpStatus: status, raw };
  }
  const recipientStatus = readString(entry, 'status');
  const errorMessage = readString(entry, 'errorMessage');
  const requestId = readString(entry, 'requestId');
  if (recipientStatus === 'Failed') {
    const message = errorMessage && errorMessage !== 'None' ? errorMessage : (topMessage ?? 'Failed');
    if (DUPLICATE.test(message)) return { kind: 'duplicate', errorMessage: message, httpStatus: status, raw };
    return { kind: 'rejected', reason: classifyRejection(message), errorMessage: message, httpStatus: status, raw };
  }
  if (requestId !== undefined && requestId !== 'None' && recipientStatus !== undefined) {
    return {
      kind: 'accepted',
      requestId,
      status: recipientStatus,
      amount: readString(entry, 'amount') ?? null,
      discount: readString(entry, 'discount') ?? null,
      errorMessage: errorMessage && errorMessage !== 'None' ? errorMessage : null,
      httpStatus: status,
      raw,
    };
  }
  return { kind: 'transient', reached: true, reason: 'answer without a status or requestId', httpStatus: status, raw };
}

/**
 * Reads a status query's answer. Only an HTTP 200 whose lookup succeeded, with a `data` about the
 * requestId asked for and a status word this client knows, says how the transaction stands.
 */
function classifyFind(status: number, text: string, retryAfterMs: number | undefined, requestId: string): FindAnswer {
  const raw = trimRaw(text);
  const body = parseJson(text);
  const unread = (reason: string, word: string | undefined): FindAnswer => ({
    kind: 'inconclusive',
    reason,
    status: word ?? null,
    httpStatus: status,
    raw,
  });
  if (status === 401) return { kind: 'auth-failed', errorMessage: text.trim() || 'authentication failed', httpStatus: status, raw };
  if (status === 429 || status >= 500) {
    return { kind: 'transient', reached: true, reason: `HTTP ${status}`, retryAfterMs, httpStatus: status, raw };
  }
  const lookup = readString(body, 'status');
  if (status !== 200) {
    const message = readString(body, 'errorMessage');
    return unread(`HTTP ${status}${message === undefined ? '' : `: ${message}`}`, lookup);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return unread('an unreadable answer (not a JSON object)', undefined);
  if (lookup !== 'Success') {
    const message = readString(body, 'errorMessage');
    return unread(`the lookup did not succeed${message === undefined ? '' : `: ${message}`}`, lookup);
  }
  const data = readObject(body, 'data');
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    // The official SDK's test mock answers `{"status":"Success"}` alone: that is the lookup's word.
    return unread('no transaction in the answer (no `data`)', lookup);
  }
  const word = readString(data, 'status');
  const ids = [readString(data, 'requestId'), readString(data, 'transactionId')].filter((id) => id !== undefined);
  if (ids.length === 0) return unread('the transaction in the answer names no requestId or transactionId', word);
  const other = ids.find((id) => id !== requestId);
  if (other !== undefined) return unread(`the answer is about ${other}, not ${requestId}`, word);
  if (!TRANSACTION_STATUSES.includes(word as TransactionStatus)) {
    return unread(word === undefined ? 'the transaction in the answer has no status' : 'an unknown status word', word);
  }
  return { kind: 'ok', status: word as TransactionStatus, httpStatus: status, raw };
}

/** Known per-recipient texts; any other text is passed to the user unchanged as `other`. */
export function classifyRejection(message: string): RejectionReason {
  if (/insufficient|balance/i.test(message)) return 'balance';
  if (/not enabled/i.test(message)) return 'disabled';
  if (/limit/i.test(message)) return 'limits';
  if (/phone|number/i.test(message)) return 'number';
  if (/country|currency/i.test(message)) return 'country';
  return 'other';
}

function lookupFailure(status: number, text: string, retryAfterMs: number | undefined): LookupAnswer<never> | undefined {
  const raw = trimRaw(text);
  if (status === 401) return { kind: 'auth-failed', errorMessage: text.trim() || 'authentication failed', httpStatus: status, raw };
  if (status === 429 || status >= 500) {
    return { kind: 'transient', reached: true, reason: `HTTP ${status}`, retryAfterMs, httpStatus: status, raw };
  }
  if (status < 200 || status >= 300) {
    const body = parseJson(text);
    return {
      kind: 'not-found',
      errorMessage: readString(body, 'errorMessage') ?? (text.trim() || `HTTP ${status}`),
      httpStatus: status,
      raw,
    };
  }
  return undefined;
}

function malformed(exchange: { status: number; text: string }): LookupAnswer<never> {
  return {
    kind: 'transient',
    reached: true,
    reason: `unreadable answer (HTTP ${exchange.status})`,
    httpStatus: exchange.status,
    raw: trimRaw(exchange.text),
  };
}

/** Whether a request that failed in flight may have reached Africa's Talking. */
function describeNetworkError(error: unknown, timeoutMs: number): { reached: boolean; reason: string } {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { reached: true, reason: `no answer within ${timeoutMs / 1000} s` };
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: string } | undefined) : undefined;
  const rawCode = cause?.code ?? (error as { code?: unknown } | null)?.code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  // Refused before any byte was sent: the request certainly did not arrive.
  const neverSent: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be looked up',
    ENETUNREACH: 'no route to the network',
    EHOSTUNREACH: 'no route to the host',
    UND_ERR_CONNECT_TIMEOUT: 'no connection within the timeout',
  };
  const detail = code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  const words = code === undefined ? undefined : neverSent[code];
  return words ? { reached: false, reason: `${words} (${code})` } : { reached: true, reason: `connection failed (${detail})` };
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function parseHttpDate(header: string | null): number | undefined {
  if (header === null) return undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : date;
}

function trimRaw(text: string): string {
  return text.length > RAW_LIMIT ? text.slice(0, RAW_LIMIT) : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function readObject(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function readString(value: unknown, key: string): string | undefined {
  const field = readObject(value, key);
  if (typeof field === 'string') return field;
  if (typeof field === 'number') return String(field);
  return undefined;
}

function readArray(value: unknown, key: string): unknown[] | undefined {
  const field = readObject(value, key);
  return Array.isArray(field) ? field : undefined;
}
