// `reconcile(options, ctx)` in-process: which rows a person may settle by hand, and what the
// ledger then holds. (test/e2e/ledger.test.ts runs the binary.)
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/commands/reconcile.js';
import { EXIT } from '../../src/core/errors.js';
import { currentOwner, hostName, osUser } from '../../src/ledger/owner.js';
import { failure, START, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

describe('reconcile', () => {
  it('settles an unknown row as sent, recording who, when, the requestId and the note; offline', async () => {
    const t = testContext({ settings: { apiKey: undefined } });
    await seedTransaction(t.ledger, { key: 'k-1', state: 'unknown', at: START - 60_000 });
    const result = await reconcile({ key: 'k-1', as: 'sent', requestId: 'ATQid_seen', note: 'on the dashboard' }, t.ctx);

    const by = `${osUser()}@${hostName()}`;
    expect(result).toMatchObject({ previousState: 'unknown', by, exitCode: EXIT.OK });
    expect(result.transaction).toMatchObject({
      state: 'sent',
      requestId: 'ATQid_seen',
      settledBy: by,
      note: 'on the dashboard',
      errorCode: null,
      updatedAt: START,
    });
    expect(t.calls.client).toBe(0);
    expect(t.calls.settings[0]?.use).toBe('send');
  });

  it('settles as failed with the reason it was settled', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'k-2', state: 'unknown', at: START });
    const result = await reconcile({ key: 'k-2', as: 'failed' }, t.ctx);
    expect(result.transaction).toMatchObject({ state: 'failed', errorCode: 'REJECTED', errorMessage: 'settled as failed by hand' });
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'k-2'))?.state).toBe('failed');
  });

  it.each(['sent', 'delivered', 'failed'] as const)('a %s row is final and refused (exit 2), unchanged', async (state) => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'final', state, at: START });
    const error = await failure(reconcile({ key: 'final', as: 'failed' }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(`key final is already final (${state}); reconcile settles only unknown or stale pending transactions`);
    expect((await t.ledger.byKey('sandbox', 'sandbox', 'final'))?.state).toBe(state);
  });

  it('a pending row whose process still runs is refused; one whose process is gone is settled', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'live', state: 'pending', at: START });
    const error = await failure(reconcile({ key: 'live', as: 'sent' }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toMatch(new RegExp(`^key live is being sent right now by process ${process.pid};`));

    await seedTransaction(t.ledger, {
      key: 'gone',
      state: 'pending',
      at: START,
      owner: { ...currentOwner(), pid: 999_999, startTicks: 1 },
    });
    const result = await reconcile({ key: 'gone', as: 'sent' }, t.ctx);
    expect(result.previousState).toBe('pending');
    expect(result.transaction.state).toBe('sent');
  });

  it('a key of another environment, or none, is not found (exit 1)', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'live-key', state: 'unknown', at: START, account: 'acme', environment: 'live' });
    const error = await failure(reconcile({ key: 'live-key', as: 'sent' }, t.ctx));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.exitCode).toBe(EXIT.FAILED);
    expect(error.message).toBe('the ledger holds no transaction with the key live-key for the sandbox');
  });

  it('--as anything but sent or failed is a usage error before the configuration is read', async () => {
    const t = testContext();
    const error = await failure(reconcile({ key: 'k', as: 'delivered' }, t.ctx));
    expect(error.message).toBe('--as delivered: use --as sent or --as failed');
    expect(t.calls.settings).toEqual([]);
  });

  it('without a username the account cannot be told: exit 4', async () => {
    const t = testContext({ settings: { username: undefined } });
    const error = await failure(reconcile({ key: 'k', as: 'sent' }, t.ctx));
    expect(error.code).toBe('MISSING_CREDENTIALS');
    expect(error.exitCode).toBe(EXIT.CONFIG);
  });
});
