// Where the ledger is: a file for the embedded SQLite store, or a postgres:// URL for the shared one.
// Decided here once, for the configuration and for opening the ledger alike, so that a URL is never
// taken for a relative file path (`./postgres:/…`, a second, empty ledger that would pay every row
// of a batch again) and a file path is never handed to the database driver.
import { AirtimeError } from './errors.js';

export type LedgerKind = 'postgres' | 'sqlite';

const POSTGRES = /^postgres(?:ql)?:\/\//i;
/** Anything that starts like a URL (`scheme:`), other than a one-letter Windows drive (`C:`). */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/** Which store a ledger setting names; a value that looks like another URL is a config error (exit 4). */
export function ledgerKind(location: string, source = 'ledger'): LedgerKind {
  const value = location.trim();
  if (POSTGRES.test(value)) return 'postgres';
  if (SCHEME.test(value)) {
    throw new AirtimeError('CONFIG_ERROR', `${source} ${redactLocation(value)} is neither a file path nor a postgres:// URL`, {
      hint: 'give a file for the SQLite ledger (~/books/ledger.db), or postgres://user@host:5432/db for a shared one; nothing was sent',
    });
  }
  return 'sqlite';
}

/**
 * A ledger location as it may be shown: a URL's password replaced by `***` (in the user part and
 * in a `password=` parameter). A path is shown as it is.
 */
export function redactLocation(location: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*@)?(.*)$/is.exec(location);
  if (!match) return location;
  const [, scheme = '', userInfo, rest = ''] = match;
  const user = userInfo === undefined ? '' : userInfo.includes(':') ? `${userInfo.slice(0, userInfo.indexOf(':'))}:***@` : userInfo;
  return `${scheme}${user}${rest.replace(/([?&]password=)[^&#]*/gi, '$1***')}`;
}

/** The password a location carries, if any (to scrub from a driver's error text). */
export function locationPassword(location: string): string | undefined {
  try {
    const url = new URL(location);
    const fromUser = url.password ? decodeURIComponent(url.password) : undefined;
    return fromUser ?? url.searchParams.get('password') ?? undefined;
  } catch {
    return undefined;
  }
}
