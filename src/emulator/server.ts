// A local Africa's Talking for trying the tool and for every test. Written from
// africastalking-airtime-api.md on its own: it shares no wire-format code with src/at, so a
// misreading of the document on either side shows up as a failing test instead of cancelling out.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the emulator can do to a send request instead of answering it normally. */
export type Fault =
  | 'ok' // answer normally (a placeholder in a script)
  | '500' // answer 500 without processing
  | '429' // answer 429 with Retry-After, without processing
  | 'reset' // destroy the connection without processing
  | 'stall' // never process, never answer (the request is lost on the way)
  | 'hang' // process (accept) the send, then never answer
  | 'malformed' // process the send, then answer 201 with a body that is not JSON
  | 'drop'; // process the send, then destroy the connection

export const FAULTS: readonly Fault[] = ['ok', '500', '429', 'reset', 'stall', 'hang', 'malformed', 'drop'];

/**
 * How the emulator answers status queries: as Africa's Talking documents it, or, for tests of a
 * client's reading, in one of the shapes a client must not mistake for the transaction's state.
 */
export type FindShape =
  | 'documented' // the lookup's status on top, the transaction under `data` (not found: a failed lookup)
  | 'no-data' // {"status":"Success"} alone, as the official SDK's test mock answers
  | 'other-transaction' // a `data` about another requestId, with a final status
  | 'lookup-failed' // {"status":"Failed","errorMessage":…}: the lookup itself failed
  | 'not-found' // as for an unknown requestId, whatever was asked
  | 'unknown-status' // `data.status` a word the document does not list
  | 'malformed' // HTTP 200 with a body that is not JSON
  | '500'; // HTTP 500

export const FIND_SHAPES: readonly FindShape[] = [
  'documented',
  'no-data',
  'other-transaction',
  'lookup-failed',
  'not-found',
  'unknown-status',
  'malformed',
  '500',
];

/** How the balance is written: as the live API was recorded (`KES 238747053.1747`), or with thousands separators. */
export type BalanceFormat = 'plain' | 'separators';

export interface EmulatorOptions {
  port?: number;
  host?: string;
  /** AT's duplicate window (default 5 minutes). */
  duplicateWindowMs?: number;
  /** Delay before every answer. */
  latencyMs?: number;
  /** Opening account balance, "KES 100000". */
  balance?: string;
  /** How the balance answer writes it (default `plain`, as the live API was recorded). */
  balanceFormat?: BalanceFormat;
  /** How status queries are answered (default `documented`). */
  findShape?: FindShape;
  /** When set, any other key gets the 401 (AIRTIME_EMULATOR_KEY). */
  apiKey?: string | undefined;
  /** Faults used in order, one per send request, before any random fault. */
  faultScript?: Fault[];
  /** Probability of a random fault per send request. */
  faultRate?: number;
  /** Faults a random fault is drawn from. */
  faultKinds?: Fault[];
  /** Seed of the fault dice, so a soak can be replayed. */
  seed?: number;
  /** Seconds in the Retry-After of a 429. */
  retryAfterSeconds?: number;
  /** HTTP status of the duplicate answer (AT does not document it). */
  duplicateStatus?: number;
  /** Answer every send with "Airtime is not enabled for this account". */
  airtimeDisabled?: boolean;
  /** Where to POST status callbacks, and after how long. */
  callbackUrl?: string | undefined;
  /** Delay from acceptance to the delivery result (the status callback). */
  deliveryDelayMs?: number;
  /** Callback body encoding. */
  callbackFormat?: 'form' | 'json';
  /** Share of accepted sends whose delivery fails. */
  deliveryFailureRate?: number;
  /**
   * Where to POST the validation callback about each recipient before accepting it, as Africa's
   * Talking does when an account has one configured; only `{"status":"Validated"}` lets it through.
   */
  validationUrl?: string | undefined;
  /** How long the validation callback may take before the recipient fails (default 5 s). */
  validationTimeoutMs?: number;
  /** Called once per request, for the emulator command's log. */
  log?: (line: string) => void;
}

export interface AcceptedSend {
  requestId: string;
  phoneNumber: string;
  /** "KES 50.0000" */
  value: string;
  currency: string;
  /** Amount in ten-thousandths. */
  units4: number;
  idempotencyKey: string | null;
  status: 'Sent' | 'Success' | 'Failed';
  acceptedAt: number;
  /** A currency that does not match the number's country: real AT accepts it, and money is lost. */
  currencyMismatch: boolean;
}

export interface SendRequestRecord {
  at: number;
  idempotencyKey: string | null;
  fault: Fault;
  /** What the request came to: accepted, rejected, duplicate, 401, 400, or the fault. */
  outcome: string;
  /** The proxy or client's Host header, to tell a proxied request apart. */
  host: string | undefined;
}

export interface ValidationRecord {
  transactionId: string;
  phoneNumber: string;
  /** `Validated`, or why the recipient failed. */
  outcome: string;
}

export interface EmulatorState {
  sends: SendRequestRecord[];
  accepted: AcceptedSend[];
  callbacks: { requestId: string; status: number | string }[];
  validations: ValidationRecord[];
  faultsInjected: number;
  balance: string;
}

export interface Emulator {
  url: string;
  port: number;
  state(): EmulatorState;
  /** Appends faults to the script. */
  script(faults: Fault[]): void;
  /** How status queries are answered from now on. */
  answerFinds(shape: FindShape): void;
  /** Acceptances per idempotency key (keyless sends under ""), for "exactly once" checks. */
  acceptancesByKey(): Map<string, number>;
  close(): Promise<void>;
}

// The markets, as the API document lists them: calling code, currency and floor.
const MARKETS: Record<string, { currency: string; floor: number }> = {
  '254': { currency: 'KES', floor: 5 },
  '256': { currency: 'UGX', floor: 50 },
  '255': { currency: 'TZS', floor: 500 },
  '234': { currency: 'NGN', floor: 50 },
  '250': { currency: 'RWF', floor: 100 },
  '265': { currency: 'MWK', floor: 300 },
  '260': { currency: 'ZMW', floor: 5 },
  '27': { currency: 'ZAR', floor: 5 },
  '251': { currency: 'ETB', floor: 5 },
  '233': { currency: 'GHS', floor: 1 },
  '225': { currency: 'XOF', floor: 100 },
};
/** The only documented maximum. */
const KES_MAXIMUM = 10_000;
const DISCOUNT_RATE = 0.04;
const MAX_BODY = 1024 * 1024;

const DUPLICATE_MESSAGE = 'A duplicate request was received within the last 5 minutes';
const BAD_REQUEST = 'The request contains bad syntax or cannot be fulfilled';
const BAD_AUTH = 'The supplied authentication is invalid';
const NOT_FOUND = 'Transaction not found';

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const windowMs = options.duplicateWindowMs ?? 300_000;
  const random = seededRandom(options.seed ?? 1);
  const script: Fault[] = [...(options.faultScript ?? [])];
  const sends: SendRequestRecord[] = [];
  const accepted: AcceptedSend[] = [];
  const byRequestId = new Map<string, AcceptedSend>();
  const keys = new Map<string, number>();
  const callbacks: EmulatorState['callbacks'] = [];
  const validations: ValidationRecord[] = [];
  let findShape: FindShape = options.findShape ?? 'documented';
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let faultsInjected = 0;
  const balance = parseValue(options.balance ?? 'KES 1000000') ?? { currency: 'KES', units4: 1_000_000 * 10_000 };

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const nextFault = (): Fault => {
    const scripted = script.shift();
    if (scripted !== undefined) return scripted;
    const kinds = options.faultKinds ?? ['500', '429', 'reset', 'hang', 'malformed'];
    if (options.faultRate && random() < options.faultRate && kinds.length > 0) {
      return kinds[Math.floor(random() * kinds.length)] ?? 'ok';
    }
    return 'ok';
  };

  const deliver = (send: AcceptedSend) => {
    later(options.deliveryDelayMs ?? 1000, () => {
      send.status = options.deliveryFailureRate && random() < options.deliveryFailureRate ? 'Failed' : 'Success';
      if (options.callbackUrl) void postCallback(send);
    });
  };

  /** Posts a callback to a URL the way Africa's Talking does (form or JSON, as configured). */
  const postFields = (url: string, fields: Record<string, string | number>, timeoutMs: number) => {
    const json = options.callbackFormat === 'json';
    const form = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, String(value)]));
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: json ? JSON.stringify(fields) : new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  };

  const postCallback = async (send: AcceptedSend) => {
    const fields = {
      phoneNumber: send.phoneNumber,
      description: describeDelivery(send.status),
      status: send.status,
      requestId: send.requestId,
      discount: `${send.currency} ${formatUnits4(Math.round(send.units4 * DISCOUNT_RATE))}`,
      value: send.value,
    };
    try {
      const response = await postFields(options.callbackUrl ?? '', fields, 10_000);
      await response.arrayBuffer();
      callbacks.push({ requestId: send.requestId, status: response.status });
    } catch (error) {
      callbacks.push({ requestId: send.requestId, status: error instanceof Error ? error.message : 'failed' });
    }
  };

  /**
   * The validation callback: Africa's Talking asks the account's URL about a transaction before it
   * forwards it, and forwards it only on `{"status":"Validated"}`. Undefined when validated, else
   * why not (the answer, an error, or no answer in time), which fails the recipient.
   */
  const validate = async (transactionId: string, phoneNumber: string, value: { currency: string; units4: number }, sourceIp: string) => {
    const url = options.validationUrl;
    if (!url) return undefined;
    const timeoutMs = options.validationTimeoutMs ?? 5000;
    const amount = value.units4 / 10_000;
    const fields = { transactionId, phoneNumber, sourceIpAddress: sourceIp, currencyCode: value.currency, amount };
    let outcome: string;
    try {
      const response = await postFields(url, fields, timeoutMs);
      const text = await response.text();
      const status = response.status === 200 ? (parseJsonObject(text)?.status as unknown) : undefined;
      if (status === 'Validated') outcome = 'Validated';
      else if (status === 'Failed') outcome = 'Validation callback answered Failed';
      else outcome = `Validation callback failed: ${response.status === 200 ? 'no status in its answer' : `HTTP ${response.status}`}`;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      outcome =
        name === 'TimeoutError' || name === 'AbortError'
          ? `Validation callback did not answer within ${timeoutMs / 1000} s`
          : `Validation callback failed: ${describeError(error)}`;
    }
    validations.push({ transactionId, phoneNumber, outcome });
    return outcome === 'Validated' ? undefined : outcome;
  };

  /** One recipient of a send: accepted, or the reason it failed. */
  const processRecipient = async (recipient: unknown, key: string | null, sourceIp: string) => {
    const phoneNumber =
      typeof (recipient as { phoneNumber?: unknown })?.phoneNumber === 'string' ? (recipient as { phoneNumber: string }).phoneNumber : '';
    const amountText = (recipient as { amount?: unknown })?.amount;
    const failed = (errorMessage: string) => ({
      phoneNumber,
      errorMessage,
      amount: typeof amountText === 'string' ? amountText : '0',
      status: 'Failed',
      requestId: 'None',
      discount: '0',
    });
    if (!/^\+\d{9,15}$/.test(phoneNumber)) return failed('Invalid Phone Number');
    const code = Object.keys(MARKETS).find((c) => phoneNumber.startsWith(`+${c}`));
    const market = code ? MARKETS[code] : undefined;
    if (!market) return failed('Unsupported Country');
    const value = parseValue(amountText);
    if (!value) return failed('Invalid Amount');
    if (value.units4 < market.floor * 10_000 || (value.currency === 'KES' && value.units4 > KES_MAXIMUM * 10_000)) {
      return failed('Value Outside The Allowed Limits');
    }
    // The transactionId the validation callback is asked with is the requestId the send returns.
    const requestId = `ATQid_${randomBytes(16).toString('hex')}`;
    const refused = await validate(requestId, phoneNumber, value, sourceIp);
    if (refused !== undefined) return failed(refused);
    // Only sends in the account's currency are debited; the emulator keeps no exchange rates.
    if (value.currency === balance.currency) {
      if (value.units4 > balance.units4) return failed('Insufficient Credit');
      balance.units4 -= value.units4;
    }
    const discount = Math.round(value.units4 * DISCOUNT_RATE);
    const send: AcceptedSend = {
      requestId,
      phoneNumber,
      value: `${value.currency} ${formatUnits4(value.units4)}`,
      currency: value.currency,
      units4: value.units4,
      idempotencyKey: key,
      status: 'Sent',
      acceptedAt: Date.now(),
      currencyMismatch: value.currency !== market.currency,
    };
    accepted.push(send);
    byRequestId.set(send.requestId, send);
    deliver(send);
    return {
      phoneNumber,
      errorMessage: 'None',
      amount: send.value,
      status: 'Sent',
      requestId: send.requestId,
      discount: `${value.currency} ${formatUnits4(discount)}`,
    };
  };

  const handleSend = async (req: IncomingMessage, res: ServerResponse, body: string) => {
    const key = headerValue(req, 'idempotency-key') ?? null;
    const record: SendRequestRecord = { at: Date.now(), idempotencyKey: key, fault: 'ok', outcome: '', host: req.headers.host };
    sends.push(record);
    const fault = nextFault();
    record.fault = fault;
    if (fault !== 'ok') faultsInjected += 1;
    if (fault === 'reset') {
      record.outcome = 'reset';
      req.socket.destroy();
      return;
    }
    if (fault === 'stall') {
      record.outcome = 'stall';
      return;
    }
    if (fault === '500') {
      record.outcome = '500';
      return send(res, 500, 'text/plain', 'Internal Server Error');
    }
    if (fault === '429') {
      record.outcome = '429';
      res.setHeader('Retry-After', String(options.retryAfterSeconds ?? 1));
      return send(res, 429, 'text/plain', 'Too Many Requests');
    }

    const answer = await processSend(req, body, key);
    record.outcome = answer.outcome;
    if (fault === 'hang') return; // the send is processed; the answer never comes
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault === 'malformed') return send(res, 201, 'text/html', '<html><body>Gateway hiccup</body></html>');
    send(res, answer.status, answer.contentType, answer.body);
  };

  const processSend = async (req: IncomingMessage, body: string, key: string | null) => {
    const json = (status: number, value: unknown, outcome: string) => ({
      status,
      contentType: 'application/json',
      body: JSON.stringify(value),
      outcome,
    });
    const badRequest = { status: 400, contentType: 'text/plain', body: BAD_REQUEST, outcome: '400' };
    const request = readSendRequest(headerValue(req, 'content-type') ?? '', body);
    if (!request) return badRequest;

    // With a key, requests are told apart by key; without one, by their content. Each account
    // (and the sandbox, a separate system) has its own keys.
    const identity = `${request.username}\n${key ?? `content:${JSON.stringify(request.recipients)}`}`;
    const now = Date.now();
    const seen = keys.get(identity);
    if (seen !== undefined && now - seen < windowMs) {
      return json(
        options.duplicateStatus ?? 409,
        { errorMessage: DUPLICATE_MESSAGE, numSent: 0, totalAmount: '0', totalDiscount: '0', responses: [] },
        'duplicate',
      );
    }
    keys.set(identity, now);

    if (options.airtimeDisabled) {
      return json(
        201,
        { errorMessage: 'Airtime is not enabled for this account', numSent: 0, responses: [], totalAmount: '0', totalDiscount: '0' },
        'rejected',
      );
    }
    const sourceIp = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const responses = [];
    for (const recipient of request.recipients) responses.push(await processRecipient(recipient, key, sourceIp));
    const sent = responses.filter((r) => r.status === 'Sent');
    if (sent.length === 0) {
      return json(201, { errorMessage: 'Invalid Requests', numSent: 0, totalAmount: '0', totalDiscount: '0', responses }, 'rejected');
    }
    const totals = (field: 'amount' | 'discount') => {
      const values = sent.map((r) => parseValue(r[field])).filter((v) => v !== undefined);
      const currency = values[0]?.currency ?? 'KES';
      return `${currency} ${formatUnits4(values.reduce((sum, v) => sum + v.units4, 0))}`;
    };
    return json(
      201,
      { errorMessage: 'None', numSent: sent.length, totalAmount: totals('amount'), totalDiscount: totals('discount'), responses },
      'accepted',
    );
  };

  /**
   * `/query/transaction/find`, as documented: the lookup's own status on top, the transaction with
   * its status under `data`; an unknown requestId is a failed lookup, still HTTP 200.
   */
  const handleFind = (url: URL, res: ServerResponse) => {
    if (!url.searchParams.get('username')) return send(res, 400, 'text/plain', BAD_REQUEST);
    const asked = url.searchParams.get('transactionId') ?? '';
    const found = byRequestId.get(asked);
    const answer = (value: unknown) => send(res, 200, 'application/json', JSON.stringify(value));
    const notFound = () => answer({ status: 'Failed', errorMessage: NOT_FOUND });
    const data = (transaction: AcceptedSend, overrides: Record<string, string> = {}) => ({
      requestId: transaction.requestId,
      transactionId: transaction.requestId,
      status: transaction.status,
      description: describeDelivery(transaction.status),
      destination: transaction.phoneNumber,
      value: transaction.value,
      discount: `${transaction.currency} ${formatUnits4(Math.round(transaction.units4 * DISCOUNT_RATE))}`,
      creationTime: new Date(transaction.acceptedAt).toISOString().replace('T', ' ').slice(0, 19),
      ...overrides,
    });
    switch (findShape) {
      case 'documented':
        return found ? answer({ status: 'Success', data: data(found) }) : notFound();
      case 'not-found':
        return notFound();
      case 'no-data':
        return answer({ status: 'Success' });
      case 'lookup-failed':
        return answer({ status: 'Failed', errorMessage: 'Request processing failed' });
      case 'other-transaction': {
        // A final word, about a transaction that is not the one asked for.
        const other = `ATQid_${randomBytes(16).toString('hex')}`;
        return answer({
          status: 'Success',
          data: { requestId: other, transactionId: other, status: 'Failed', description: describeDelivery('Failed') },
        });
      }
      case 'unknown-status':
        return found ? answer({ status: 'Success', data: data(found, { status: 'Reversed', description: 'Reversed' }) }) : notFound();
      case 'malformed':
        return send(res, 200, 'text/html', '<html><body>Gateway hiccup</body></html>');
      case '500':
        return send(res, 500, 'text/plain', 'Internal Server Error');
    }
  };

  const handleControl = (req: IncomingMessage, url: URL, res: ServerResponse, body: string) => {
    if (url.pathname === '/__emulator/state' && req.method === 'GET') {
      return send(res, 200, 'application/json', JSON.stringify(currentState()));
    }
    if (url.pathname === '/__emulator/faults' && req.method === 'POST') {
      try {
        const faults = (JSON.parse(body) as { script?: unknown }).script;
        if (!Array.isArray(faults) || !faults.every((f) => FAULTS.includes(f as Fault))) throw new Error('bad script');
        script.push(...(faults as Fault[]));
        return send(res, 200, 'application/json', JSON.stringify({ queued: script.length }));
      } catch {
        return send(res, 400, 'text/plain', `expected {"script":[...]} with faults from ${FAULTS.join(', ')}`);
      }
    }
    if (url.pathname === '/__emulator/find' && req.method === 'POST') {
      const shape = parseJsonObject(body)?.answer;
      if (!FIND_SHAPES.includes(shape as FindShape)) {
        return send(res, 400, 'text/plain', `expected {"answer":"…"} with one of ${FIND_SHAPES.join(', ')}`);
      }
      findShape = shape as FindShape;
      return send(res, 200, 'application/json', JSON.stringify({ answer: findShape }));
    }
    send(res, 404, 'text/plain', 'Not Found');
  };

  const currentState = (): EmulatorState => ({
    sends: [...sends],
    accepted: accepted.map((a) => ({ ...a })),
    callbacks: [...callbacks],
    validations: [...validations],
    faultsInjected,
    balance: `${balance.currency} ${formatUnits4(balance.units4)}`,
  });

  const route = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (body === undefined) return send(res, 413, 'text/plain', 'Payload Too Large');
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/__emulator/')) return handleControl(req, url, res, body);
    if (options.latencyMs) await new Promise((resolve) => later(options.latencyMs ?? 0, () => resolve(undefined)));
    const apiKey = headerValue(req, 'apikey');
    if (!apiKey || (options.apiKey !== undefined && apiKey !== options.apiKey)) {
      if (url.pathname === '/version1/airtime/send') {
        sends.push({
          at: Date.now(),
          idempotencyKey: headerValue(req, 'idempotency-key') ?? null,
          fault: 'ok',
          outcome: '401',
          host: req.headers.host,
        });
      }
      return send(res, 401, 'text/plain', BAD_AUTH);
    }
    if (url.pathname === '/version1/airtime/send' && req.method === 'POST') return handleSend(req, res, body);
    if (url.pathname === '/query/transaction/find' && req.method === 'GET') return handleFind(url, res);
    if (url.pathname === '/version1/user' && req.method === 'GET') {
      if (!url.searchParams.get('username')) return send(res, 400, 'text/plain', BAD_REQUEST);
      return send(
        res,
        200,
        'application/json',
        JSON.stringify({ UserData: { balance: formatBalance(balance, options.balanceFormat ?? 'plain') } }),
      );
    }
    send(res, 404, 'text/plain', 'Not Found');
  };

  const server: Server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => options.log?.(`${req.method} ${req.url?.split('?')[0]} ${res.statusCode} ${Date.now() - started}ms`));
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain', 'Internal Server Error');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8788, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    state: currentState,
    script: (faults) => script.push(...faults),
    answerFinds: (shape) => {
      findShape = shape;
    },
    acceptancesByKey: () => {
      const counts = new Map<string, number>();
      for (const a of accepted) counts.set(a.idempotencyKey ?? '', (counts.get(a.idempotencyKey ?? '') ?? 0) + 1);
      return counts;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** "KES 50", "KES 50.00", "KES 1,000.5" → currency and ten-thousandths. */
function parseValue(text: unknown): { currency: string; units4: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^([A-Z]{3}) ([\d,]+)(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return { currency: match[1], units4: Number(match[2].replace(/,/g, '')) * 10_000 + Number((match[3] ?? '').padEnd(4, '0')) };
}

function formatUnits4(units4: number): string {
  return `${Math.trunc(units4 / 10_000)}.${String(units4 % 10_000).padStart(4, '0')}`;
}

/**
 * The balance as the live API was recorded writing it (`KES 238747053.1747`: no separators, four
 * decimals), or with thousands separators, which the API document allows and clients must read.
 */
function formatBalance(balance: { currency: string; units4: number }, format: BalanceFormat): string {
  const whole = Math.trunc(balance.units4 / 10_000);
  const written = format === 'separators' ? whole.toLocaleString('en-US') : String(whole);
  return `${balance.currency} ${written}.${String(balance.units4 % 10_000).padStart(4, '0')}`;
}

/**
 * A send's parameters, posted as a form (`recipients` JSON text, as the SDKs send it) or as JSON
 * (`recipients` a real array, which the live API also answers). Undefined for a malformed request.
 */
function readSendRequest(contentType: string, body: string): { username: string; recipients: unknown[] } | undefined {
  let username: unknown;
  let recipients: unknown;
  let maxNumRetry: unknown;
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body);
    username = form.get('username');
    maxNumRetry = form.get('maxNumRetry') ?? undefined;
    try {
      recipients = JSON.parse(form.get('recipients') ?? '');
    } catch {
      return undefined;
    }
  } else if (contentType.startsWith('application/json')) {
    const fields = parseJsonObject(body);
    if (!fields) return undefined;
    ({ username, recipients, maxNumRetry } = fields);
  } else {
    return undefined;
  }
  if (typeof username !== 'string' || username === '' || !Array.isArray(recipients) || recipients.length === 0) return undefined;
  if (
    maxNumRetry !== undefined &&
    !(typeof maxNumRetry === 'number' ? Number.isInteger(maxNumRetry) && maxNumRetry >= 0 : /^\d+$/.test(String(maxNumRetry)))
  ) {
    return undefined;
  }
  return { username, recipients };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function describeDelivery(status: AcceptedSend['status']): string {
  if (status === 'Success') return 'Airtime Delivered Successfully';
  return status === 'Failed' ? 'Airtime Delivery Failed' : 'Airtime Sent';
}

function describeError(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** mulberry32: a small seeded generator, so a fault sequence can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
