// `status(options, ctx)` in-process: what it lists, what it asks Africa's Talking, and how --refresh
// and --wait settle rows from scripted status answers. (test/e2e/status.test.ts runs the binary.)
import { describe, expect, it } from 'vitest';
import { status } from '../../src/commands/status.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, START, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

describe('status', () => {
  it('a missing ledger is an empty one: nothing listed, exit 0, nothing created', async () => {
    const t = testContext({ ledger: 'missing' });
    const result = await status({}, t.ctx);
    expect(result).toEqual({ transactions: [], found: true, id: undefined, waited: false, wide: false, exitCode: EXIT.OK });
    expect(t.calls.ledger).toBe(0);
    expect(t.calls.settings).toEqual([{ overrides: {}, use: 'read' }]);
  });

  it('--wide is carried to the printer, which then shows every column in full', async () => {
    const t = testContext();
    expect(await status({ wide: true }, t.ctx)).toMatchObject({ wide: true });
  });

  it('an id nobody has is not found (exit 1)', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'k-1', state: 'sent', at: START });
    const result = await status({ id: 'nope' }, t.ctx);
    expect(result.found).toBe(false);
    expect(result.exitCode).toBe(EXIT.FAILED);
  });

  it('lists the current environment, newest first; --all-environments lists both', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'old', state: 'sent', at: START - 2000 });
    await seedTransaction(t.ledger, { key: 'live', state: 'sent', at: START - 1000, account: 'acme', environment: 'live' });
    await seedTransaction(t.ledger, { key: 'new', state: 'failed', at: START });

    expect((await status({}, t.ctx)).transactions.map((r) => r.idempotencyKey)).toEqual(['new', 'old']);
    expect((await status({ allEnvironments: true }, t.ctx)).transactions.map((r) => r.idempotencyKey)).toEqual(['new', 'live', 'old']);
    expect((await status({ state: 'failed' }, t.ctx)).transactions.map((r) => r.idempotencyKey)).toEqual(['new']);
    expect((await status({ limit: 1 }, t.ctx)).transactions.map((r) => r.idempotencyKey)).toEqual(['new']);
  });

  it('an unknown --state is a usage error', async () => {
    const t = testContext();
    const error = await failure(status({ state: 'lost' }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe('--state lost: use one of pending, sent, delivered, failed, unknown');
  });

  it('--refresh asks about each row that is not final and records the answer', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'sent-1', state: 'sent', at: START, requestId: 'ATQid_1' });
    await seedTransaction(t.ledger, { key: 'failed-1', state: 'failed', at: START - 1000, requestId: 'ATQid_2' });
    t.at.script.find.push({ kind: 'ok', status: 'Success' });
    const result = await status({ refresh: true }, t.ctx);

    expect(t.at.finds).toEqual(['ATQid_1']);
    expect(t.calls.settings[0]?.use).toBe('send');
    expect(result.transactions.map((r) => [r.idempotencyKey, r.state])).toEqual([
      ['sent-1', 'delivered'],
      ['failed-1', 'failed'],
    ]);
    expect(result.exitCode).toBe(EXIT.OK);
  });

  it('--refresh with an answer that does not say how the transaction stands changes nothing, and says so', async () => {
    const t = testContext();
    const row = await seedTransaction(t.ledger, { key: 'sent-1', state: 'sent', at: START, requestId: 'ATQid_1' });
    t.at.script.find.push({ kind: 'inconclusive', reason: 'the answer is about another transaction', status: 'Failed' });
    const result = await status({ id: 'sent-1', refresh: true }, t.ctx);

    expect(result.transactions[0]?.state).toBe('sent');
    expect(t.notes).toEqual([
      {
        kind: 'warning',
        message: 'ATQid_1 not refreshed (status "Failed"): the answer is about another transaction; its state stays sent',
      },
    ]);
    expect((await t.ledger.events(row.id)).map((e) => e.kind)).toContain('query-unread');
  });

  it('--wait settles from the scripted answers, sleeping on the clock (exit 0)', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'w-1', state: 'sent', at: START, requestId: 'ATQid_w' });
    t.at.script.find.push({ kind: 'ok', status: 'Sent' }, { kind: 'ok', status: 'Success' });
    const result = await status({ id: 'w-1', wait: true }, t.ctx);

    expect(result).toMatchObject({ waited: true, exitCode: EXIT.OK });
    expect(result.transactions[0]?.state).toBe('delivered');
    expect(t.at.finds).toEqual(['ATQid_w', 'ATQid_w']);
    expect(t.clock.slept).toEqual([1000]);
  });

  it('--wait that runs out of time with a row still not final exits 5', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'w-2', state: 'sent', at: START, requestId: 'ATQid_w2' });
    t.at.script.find.push(...Array.from({ length: 3 }, () => ({ kind: 'ok', status: 'Sent' }) as const));
    const result = await status({ id: 'w-2', wait: true, waitTimeout: 3 }, t.ctx);

    expect(result).toMatchObject({ waited: false, exitCode: EXIT.UNKNOWN });
    // 1 s, then 2 s; a 4 s wait would pass the 3 s deadline.
    expect(t.clock.slept).toEqual([1000, 2000]);
    expect(t.at.finds).toHaveLength(3);
  });

  it('--wait ending failed exits 1', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'w-3', state: 'sent', at: START, requestId: 'ATQid_w3' });
    t.at.script.find.push({ kind: 'ok', status: 'Failed' });
    const result = await status({ id: 'w-3', wait: true }, t.ctx);
    expect(result.transactions[0]?.state).toBe('failed');
    expect(result.exitCode).toBe(EXIT.FAILED);
  });

  it('refused credentials on a refresh are exit 4', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'a-1', state: 'sent', at: START, requestId: 'ATQid_a' });
    t.at.script.find.push({ kind: 'auth-failed', errorMessage: 'The supplied authentication is invalid' });
    const error = await failure(status({ refresh: true }, t.ctx));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.exitCode).toBe(EXIT.CONFIG);
  });

  it('--refresh of an id nobody has asks Africa nothing', async () => {
    const t = testContext();
    const result = await status({ id: 'nope', refresh: true }, t.ctx);
    expect(result.exitCode).toBe(EXIT.FAILED);
    expect(t.calls.client).toBe(0);
  });
});
