import { describe, expect, it } from 'vitest';
import { AirtimeError, type ErrorCode } from '../../src/core/errors.js';
import { repeatGuard } from '../../src/core/repeat.js';
import type { Fields } from '../../src/server/body.js';
import { handleSend, httpStatusFor, type SendService } from '../../src/server/send.js';
import type { TransactionRequest, TransactionResult } from '../../src/transaction.js';

describe('httpStatusFor', () => {
  it.each([
    [null, null, 200],
    ['USAGE', null, 400],
    ['INVALID_PHONE', null, 400],
    ['INVALID_AMOUNT', null, 400],
    ['AMOUNT_OUT_OF_RANGE', null, 400],
    ['UNSUPPORTED_COUNTRY', null, 400],
    ['CURRENCY_MISMATCH', null, 400],
    ['REJECTED', 'failed', 402],
    ['INSUFFICIENT_BALANCE', 'failed', 402],
    ['LIMIT_EXCEEDED', null, 403],
    ['REPEAT_PAYMENT', null, 409],
    ['OUTCOME_UNKNOWN', 'pending', 409],
    ['IDEMPOTENCY_CONFLICT', null, 422],
    ['AUTH_FAILED', 'failed', 502],
    ['NETWORK_ERROR', 'failed', 502],
    ['LEDGER_ERROR', null, 503],
    ['OUTCOME_UNKNOWN', 'unknown', 504],
    ['MISSING_CREDENTIALS', null, 500],
  ] as const)('%s (%s) → %d', (code, state, status) => {
    expect(httpStatusFor(code as ErrorCode | null, state)).toBe(status);
  });
});

function result(request: TransactionRequest, extra: Partial<TransactionResult> = {}): TransactionResult {
  return {
    state: 'sent',
    status: 'Sent',
    phoneNumber: request.recipient.phoneNumber,
    country: request.recipient.market.country,
    amount: String(request.recipient.amountMinor / 100),
    currency: request.recipient.market.currency,
    idempotencyKey: request.idempotencyKey,
    requestId: 'ATQid_1',
    discount: null,
    errorMessage: null,
    error: null,
    replayed: false,
    attempts: 1,
    environment: 'sandbox',
    exitCode: 0,
    ...extra,
  };
}

function service(
  send: SendService['send'] = async (request) => result(request),
  extra: Partial<SendService> = {},
): SendService & { requests: TransactionRequest[] } {
  const requests: TransactionRequest[] = [];
  return {
    defaultCountry: undefined,
    perRecipient: {},
    perRun: {},
    maxNumRetry: undefined,
    repeatGuard: repeatGuard(900_000),
    requests,
    send: (request) => {
      requests.push(request);
      return send(request);
    },
    ...extra,
  };
}

const fields = (value: Record<string, unknown>) => Object.assign(Object.create(null) as Fields, value);

describe('handleSend', () => {
  it('sends with the given key, a JSON number amount in minor units', async () => {
    const svc = service();
    const reply = await handleSend(fields({ phone: '+254712345678', amount: 50.25 }), 'order-1', svc);
    expect(reply).toMatchObject({ status: 200, idempotencyKey: 'order-1', body: { ok: true, idempotencyKey: 'order-1', state: 'sent' } });
    expect(svc.requests[0]).toMatchObject({ idempotencyKey: 'order-1', recipient: { phoneNumber: '+254712345678', amountMinor: 5025 } });
  });

  it('guards a request without Idempotency-Key against repeats, and one with a key not', async () => {
    const svc = service();
    await handleSend(fields({ phone: '+254712345678', amount: 50 }), undefined, svc);
    await handleSend(fields({ phone: '+254712345678', amount: 50 }), 'order-1', svc);
    expect(svc.requests.map((r) => r.repeatGuard)).toEqual([repeatGuard(900_000), undefined]);
  });

  it('generates a key when none is given, and returns it', async () => {
    const reply = await handleSend(fields({ phone: '+254712345678', amount: '50' }), undefined, service());
    expect(reply.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body.idempotencyKey).toBe(reply.idempotencyKey);
  });

  it('uses defaultCountry for a national number and honours an explicit currency', async () => {
    const svc = service(undefined, { defaultCountry: 'KE' });
    expect((await handleSend(fields({ phone: '0712345678', amount: '50', currency: 'kes' }), 'k', svc)).status).toBe(200);
    expect(svc.requests[0]?.recipient.phoneNumber).toBe('+254712345678');
  });

  it.each([
    [{ amount: '50' }, 'k', 400, 'USAGE', 'missing field phone'],
    [{ phone: '+254712345678' }, 'k', 400, 'USAGE', 'missing field amount'],
    [{ phone: 254712345678, amount: '50' }, 'k', 400, 'USAGE', 'the field phone must be a string'],
    [{ phone: '+254712345678', amount: true }, 'k', 400, 'USAGE', 'number or a decimal string'],
    [{ phone: '+254712345678', amount: '50' }, 'has space', 400, 'USAGE', 'visible ASCII'],
    [{ phone: '+254712345678', amount: '50' }, '', 400, 'USAGE', '1-255 characters'],
    [{ phone: '+254202345678', amount: '50' }, 'k', 400, 'INVALID_PHONE', 'fixed-line'],
    [{ phone: '+254712345678', amount: '-5' }, 'k', 400, 'INVALID_AMOUNT', 'not an amount'],
    [{ phone: '+254712345678', amount: '10001' }, 'k', 400, 'AMOUNT_OUT_OF_RANGE', 'per-recipient'],
    [{ phone: '+255712345678', amount: '1000', currency: 'KES' }, 'k', 400, 'CURRENCY_MISMATCH', 'not KES'],
  ])('%j with key %j → %d %s, and nothing is sent', async (body, key, status, code, message) => {
    const svc = service();
    const reply = await handleSend(fields(body), key, svc);
    expect(reply.status).toBe(status);
    expect(reply.body).toMatchObject({ ok: false, error: { code, message: expect.stringContaining(message) } });
    expect(svc.requests).toHaveLength(0);
  });

  it('refuses a send over limits.perRun before any request', async () => {
    const svc = service(undefined, { perRun: { KES: 4000 } });
    const reply = await handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', svc);
    expect(reply).toMatchObject({ status: 403, body: { ok: false, error: { code: 'LIMIT_EXCEEDED' }, idempotencyKey: 'k' } });
    expect(svc.requests).toHaveLength(0);
  });

  it("answers the engine's refusals and outcomes with their status", async () => {
    const conflict = service(async () => {
      throw new AirtimeError('IDEMPOTENCY_CONFLICT', 'key k already names KES 60.00');
    });
    expect(await handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', conflict)).toMatchObject({
      status: 422,
      body: { ok: false, error: { code: 'IDEMPOTENCY_CONFLICT' } },
    });
    const unknown = service(async (request) =>
      result(request, { state: 'unknown', status: null, exitCode: 5, error: { code: 'OUTCOME_UNKNOWN', message: 'no answer' } }),
    );
    expect(await handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', unknown)).toMatchObject({
      status: 504,
      body: { ok: false, state: 'unknown', error: { code: 'OUTCOME_UNKNOWN' } },
    });
    // A ledger failure after Africa's Talking answered: the body says what happened, as the CLI does.
    const unrecorded = service(async () => {
      throw new AirtimeError('LEDGER_ERROR', "Africa's Talking answered (sent, requestId ATQid_1), but the answer could not be recorded", {
        details: { state: 'sent', requestId: 'ATQid_1' },
      });
    });
    expect(await handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', unrecorded)).toMatchObject({
      status: 503,
      body: { ok: false, error: { code: 'LEDGER_ERROR' }, state: 'sent', requestId: 'ATQid_1', idempotencyKey: 'k' },
    });
    const replayed = service(async (request) => result(request, { replayed: true }));
    expect(await handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', replayed)).toMatchObject({
      status: 200,
      body: { replayed: true },
    });
  });

  it("lets a failure that is not the user's through, for the server to answer 500", async () => {
    const broken = service(async () => {
      throw new TypeError('boom');
    });
    await expect(handleSend(fields({ phone: '+254712345678', amount: '50' }), 'k', broken)).rejects.toThrow('boom');
  });
});
