// `airtime ledger migrate` and `airtime ledger backup`: moving a host's SQLite ledger into the shared
// PostgreSQL one, and an online copy of a SQLite ledger. The work is in src/ledger/migrate.ts.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { expandPath } from '../config/places.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { ledgerKind, redactLocation } from '../core/ledger-location.js';
import { hostName } from '../ledger/owner.js';
import type { BackupResult, MigrateResult } from '../results/ledger.js';
import type { Context } from './context.js';

export interface MigrateOptions {
  to: string;
  /** Another SQLite ledger file (one copied from another host, to merge); default this host's. */
  from?: string | undefined;
}

export async function migrateCommand(options: MigrateOptions, ctx: Pick<Context, 'settings' | 'clock' | 'cwd'>): Promise<MigrateResult> {
  if (ledgerKind(options.to, '--to') !== 'postgres') {
    throw new AirtimeError('USAGE', `--to ${redactLocation(options.to)}: give the shared ledger's postgres:// URL`);
  }
  const settings = await ctx.settings({}, 'send');
  const from = options.from === undefined ? settings.ledgerLocation : expandPath(options.from, ctx.cwd);
  if (ledgerKind(from) !== 'sqlite') {
    throw new AirtimeError('USAGE', `the ledger ${redactLocation(from)} is already a shared one: migrate copies a SQLite ledger file`, {
      hint: 'give the file with --from, or unset AIRTIME_LEDGER for this host’s own',
    });
  }
  if (!existsSync(from)) throw new AirtimeError('NOT_FOUND', `there is no ledger at ${from}: nothing to copy`);
  const { migrateLedger } = await import('../ledger/migrate.js');
  const report = await migrateLedger({ from, to: options.to, host: hostName(), now: ctx.clock.now() });
  return { ...report, exitCode: EXIT.OK };
}

export interface BackupOptions {
  file: string;
  force?: boolean | undefined;
}

export async function backupCommand(options: BackupOptions, ctx: Pick<Context, 'settings' | 'cwd'>): Promise<BackupResult> {
  const settings = await ctx.settings();
  if (ledgerKind(settings.ledgerLocation) === 'postgres') {
    throw new AirtimeError('USAGE', `the ledger is a shared one (${redactLocation(settings.ledgerLocation)}): back it up with pg_dump`, {
      hint: "pg_dump --format=custom --file=airtime.dump 'postgres://…' (see docs/shared-ledger.md)",
    });
  }
  const to = resolve(ctx.cwd, expandPath(options.file, ctx.cwd));
  if (resolve(to) === resolve(settings.ledgerLocation)) throw new AirtimeError('USAGE', 'the backup cannot be the ledger itself');
  if (existsSync(to) && !options.force) {
    throw new AirtimeError('USAGE', `${to} exists: give another file, or --force to replace it`);
  }
  if (!existsSync(settings.ledgerLocation))
    throw new AirtimeError('NOT_FOUND', `there is no ledger at ${settings.ledgerLocation}: nothing to back up`);
  const { backupLedger } = await import('../ledger/migrate.js');
  return { ...(await backupLedger(settings.ledgerLocation, to)), exitCode: EXIT.OK };
}
