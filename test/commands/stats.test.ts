// `stats(options, ctx)` in-process: the contract's totals over seeded ledger rows, summed in
// integer units per currency. (test/e2e/records.test.ts runs the binary.)
import { describe, expect, it } from 'vitest';
import { stats } from '../../src/commands/stats.js';
import { EXIT } from '../../src/core/errors.js';
import { localDay } from '../../src/core/time.js';
import { failure, START, type TestContext, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

const DAY = 24 * 60 * 60 * 1000;

async function seed(t: TestContext): Promise<void> {
  const kes = (key: string, state: 'sent' | 'delivered' | 'failed' | 'unknown', at: number, amountMinor = 5000, units4?: number) =>
    seedTransaction(t.ledger, { key, state, at, amountMinor, discount: units4 === undefined ? null : { currency: 'KES', units4 } });
  await kes('a', 'sent', START - DAY, 5000, 20_000);
  await kes('b', 'delivered', START, 2550, 10_200);
  // Airtime to Uganda, its discount reported in the account's currency (KES).
  await seedTransaction(t.ledger, {
    key: 'c',
    state: 'sent',
    at: START,
    phoneNumber: '+256712345678',
    country: 'UG',
    currency: 'UGX',
    amountMinor: 1000,
    discount: { currency: 'KES', units4: 12_345 },
  });
  await kes('d', 'failed', START);
  await kes('e', 'unknown', START);
  await seedTransaction(t.ledger, { key: 'f', state: 'sent', at: START, account: 'acme', environment: 'live', amountMinor: 99_900 });
}

describe('stats', () => {
  it('a missing ledger is an empty one: all zeros, no success rate, exit 0', async () => {
    const t = testContext({ ledger: 'missing' });
    expect(await stats({}, t.ctx)).toEqual({
      attempts: 0,
      sent: 0,
      delivered: 0,
      failed: 0,
      unknown: 0,
      successRate: null,
      byCurrency: {},
      failureReasons: [],
      daily: [],
      exitCode: EXIT.OK,
    });
  });

  it('counts and sums the current environment: amounts of accepted sends per currency, discounts in their own', async () => {
    const t = testContext();
    await seed(t);
    const result = await stats({}, t.ctx);

    expect(result).toMatchObject({ attempts: 5, sent: 3, delivered: 1, failed: 1, unknown: 1, successRate: 0.75, exitCode: EXIT.OK });
    expect(result.byCurrency).toEqual({
      KES: { count: 2, amount: '75.50', discount: '4.2545' },
      UGX: { count: 1, amount: '1000', discount: '0.0000' },
    });
    expect(result.failureReasons).toEqual([{ reason: 'Insufficient Credit', count: 1 }]);
    expect(result.daily).toEqual([
      { date: localDay(START - DAY), attempts: 1, sent: 1, failed: 0, unknown: 0 },
      { date: localDay(START), attempts: 4, sent: 2, failed: 1, unknown: 1 },
    ]);
  });

  it('--all-environments adds live; --currency and --since narrow it', async () => {
    const t = testContext();
    await seed(t);
    expect((await stats({ allEnvironments: true }, t.ctx)).byCurrency.KES).toEqual({ count: 3, amount: '1074.50', discount: '4.2545' });
    expect((await stats({ currency: 'ugx' }, t.ctx)).attempts).toBe(1);
    const today = await stats({ since: '12h' }, t.ctx);
    expect(today.attempts).toBe(4);
    expect(today.daily.map((d) => d.date)).toEqual([localDay(START)]);
  });

  it('a currency Africa does not sell airtime in is a usage error', async () => {
    const t = testContext();
    const error = await failure(stats({ currency: 'EUR' }, t.ctx));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(
      "--currency EUR: not a currency Africa's Talking sells airtime in: use one of KES, UGX, TZS, NGN, RWF, MWK, ZMW, ZAR, ETB, GHS, XOF",
    );
  });

  it('reads, never writes: the ledger is opened for reading only', async () => {
    const t = testContext();
    await stats({}, t.ctx);
    expect(t.calls).toMatchObject({ ledger: 0, readLedger: 1, client: 0 });
  });
});
