// The caps a run checks before anything is sent, and a dry run checks too.
import { describe, expect, it } from 'vitest';
import { checkCapsForDryRun, checkDailyCaps } from '../../src/commands/caps.js';
import { marketByCurrency } from '../../src/core/countries.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, START, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

const KES = marketByCurrency('KES')!;
const HOUR = 3600_000;

describe('checkDailyCaps', () => {
  it('counts what the last 24 hours spent (pending, sent, unknown; not failed, not older)', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'a', state: 'sent', at: START - HOUR, amountMinor: 30_000 });
    await seedTransaction(t.ledger, { key: 'b', state: 'unknown', at: START - 2 * HOUR, amountMinor: 20_000 });
    await seedTransaction(t.ledger, { key: 'c', state: 'failed', at: START - HOUR, amountMinor: 90_000 });
    await seedTransaction(t.ledger, { key: 'd', state: 'sent', at: START - 25 * HOUR, amountMinor: 90_000 });
    const scope = { account: 'sandbox', environment: 'sandbox' } as const;

    await checkDailyCaps(t.ledger, scope, new Map([[KES, 50_000]]), { KES: 100_000 }, START);
    const error = await failure(checkDailyCaps(t.ledger, scope, new Map([[KES, 50_001]]), { KES: 100_000 }, START));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.exitCode).toBe(EXIT.USAGE);
  });
});

describe('checkCapsForDryRun', () => {
  it('limits.perRun alone when there is no ledger yet', async () => {
    const t = testContext({ ledger: 'missing', settings: { limits: { perRecipient: {}, perRun: { KES: 1000 }, daily: { KES: 1 } } } });
    await checkCapsForDryRun(t.ctx, t.settings, new Map([[KES, 1000]]));
    expect((await failure(checkCapsForDryRun(t.ctx, t.settings, new Map([[KES, 1001]])))).code).toBe('LIMIT_EXCEEDED');
  });

  it('limits.daily against the ledger as it stands, read only', async () => {
    const t = testContext({ settings: { limits: { perRecipient: {}, perRun: {}, daily: { KES: 10_000 } } } });
    await seedTransaction(t.ledger, { key: 'a', state: 'sent', at: START - HOUR, amountMinor: 6000 });
    const error = await failure(checkCapsForDryRun(t.ctx, t.settings, new Map([[KES, 5000]])));
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(t.calls).toMatchObject({ ledger: 0, readLedger: 1 });
  });

  it('without a username there is no account to count against', async () => {
    const t = testContext({ settings: { username: undefined, limits: { perRecipient: {}, perRun: {}, daily: { KES: 1 } } } });
    await checkCapsForDryRun(t.ctx, t.settings, new Map([[KES, 5000]]));
    expect(t.calls.readLedger).toBe(0);
  });
});
