// `ledger migrate` and `ledger backup` in-process: the decisions the commands make before the work
// (which ledger, which target, what is refused), and the work itself on a real ledger. (The copy
// into PostgreSQL end to end is in test/e2e/migrate.test.ts.)
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupCommand, migrateCommand } from '../../src/commands/ledger.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, START, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';
import { describePostgres, freshSchema } from '../helpers/postgres.js';

describe('ledger migrate', () => {
  it('wants a postgres:// target, never shows its password, and copies only a SQLite file', async () => {
    const t = testContext();
    expect((await failure(migrateCommand({ to: '/tmp/other.db' }, t.ctx))).message).toMatch(/give the shared ledger's postgres:\/\/ URL/);
    const typo = await failure(migrateCommand({ to: 'pg://ops:s3cret@db/books' }, t.ctx));
    expect(typo.message).toContain('pg://ops:***@db/books');
    expect(typo.message).not.toContain('s3cret');
    const shared = testContext({ settings: { ledgerLocation: 'postgres://ops:s3cret@db/books' } });
    const from = await failure(migrateCommand({ to: 'postgres://db/other' }, shared.ctx));
    expect(from.message).toContain('is already a shared one');
    expect(from.message).not.toContain('s3cret');
    expect(t.calls.client).toBe(0);
  });

  it('says there is nothing to copy when this host has no ledger', async () => {
    const t = testContext({ ledger: 'missing' });
    const missing = await failure(migrateCommand({ to: 'postgres://db/books' }, t.ctx));
    expect(missing.code).toBe('NOT_FOUND');
  });

  describePostgres('into a shared ledger', () => {
    it("copies this host's ledger, or another file given with --from, and reports them", async () => {
      const t = testContext();
      await seedTransaction(t.ledger, { key: 'k-1', state: 'sent', at: START - 60_000 });
      await seedTransaction(t.ledger, { key: 'k-2', state: 'failed', at: START - 30_000 });
      await t.ledger.close();
      const url = await freshSchema();
      const result = await migrateCommand({ to: url }, t.ctx);
      expect(result).toMatchObject({ copied: 2, alreadyCopied: false, conflicts: [], exitCode: EXIT.OK });
      expect(result.totals.map((x) => [x.state, x.source.count, x.copied.count])).toEqual([
        ['failed', 1, 1],
        ['sent', 1, 1],
      ]);
      expect(t.calls.settings[0]?.use).toBe('send');
    });
  });
});

describe('ledger backup', () => {
  it('copies the ledger online, 0600, counted; refuses an existing file without --force, and the ledger itself', async () => {
    const t = testContext();
    await seedTransaction(t.ledger, { key: 'k-1', state: 'sent', at: START });
    const target = join(t.dir, 'copy.db');
    const result = await backupCommand({ file: target }, t.ctx);
    expect(result).toMatchObject({ to: target, transactions: 1, exitCode: EXIT.OK });
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect((await failure(backupCommand({ file: target }, t.ctx))).message).toContain('--force');
    expect((await backupCommand({ file: target, force: true }, t.ctx)).transactions).toBe(1);
    expect((await failure(backupCommand({ file: t.settings.ledgerLocation, force: true }, t.ctx))).message).toContain(
      'cannot be the ledger itself',
    );
  });

  it('points a shared ledger to pg_dump, and says when there is no ledger to copy', async () => {
    const shared = testContext({ settings: { ledgerLocation: 'postgres://u:pw@db/x' } });
    const refused = await failure(backupCommand({ file: 'x.db' }, shared.ctx));
    expect(refused.hint).toContain('pg_dump');
    expect(refused.message).not.toContain(':pw@');
    const none = testContext({ ledger: 'missing' });
    const target = join(none.dir, 'copy.db');
    writeFileSync(join(none.dir, 'unrelated'), '');
    expect((await failure(backupCommand({ file: target }, none.ctx))).code).toBe('NOT_FOUND');
    expect(existsSync(target)).toBe(false);
  });
});
