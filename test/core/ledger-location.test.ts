import { describe, expect, it } from 'vitest';
import { ledgerKind, locationPassword, redactLocation } from '../../src/core/ledger-location.js';

describe('ledgerKind', () => {
  it.each([
    ['postgres://u@db:5432/airtime', 'postgres'],
    ['postgresql://u:pw@db/airtime?sslmode=require', 'postgres'],
    ['POSTGRES://db/airtime', 'postgres'],
    ['  postgres://db/airtime', 'postgres'],
    ['postgres:///airtime', 'postgres'],
    ['/var/lib/airtime/ledger.db', 'sqlite'],
    ['~/books/ledger.db', 'sqlite'],
    ['ledger.db', 'sqlite'],
    ['./postgres/ledger.db', 'sqlite'],
    ['C:/ledger.db', 'sqlite'],
  ] as const)('%s is %s', (location, kind) => {
    expect(ledgerKind(location)).toBe(kind);
  });

  it.each(['postgres:/db/airtime', 'postgres:db', 'pg://db/airtime', 'mysql://db/x', 'file:ledger.db', 'sqlite:///tmp/x.db', 'https://x'])(
    'refuses %s rather than take it for a file path',
    (location) => {
      expect(() => ledgerKind(location, 'AIRTIME_LEDGER')).toThrowError(/AIRTIME_LEDGER .* is neither a file path nor a postgres:\/\/ URL/);
    },
  );

  it('never shows a password it refuses', () => {
    expect(() => ledgerKind('pg://u:s3cret@db/x')).toThrowError(/pg:\/\/u:\*\*\*@db\/x/);
  });
});

describe('redactLocation', () => {
  it.each([
    ['postgres://u:s3cret@db:5432/airtime', 'postgres://u:***@db:5432/airtime'],
    ['postgres://u:p%40ss@db/airtime?sslmode=require', 'postgres://u:***@db/airtime?sslmode=require'],
    ['postgres://u@db/airtime', 'postgres://u@db/airtime'],
    ['postgres://db/airtime?user=u&password=s3cret&sslmode=verify-full', 'postgres://db/airtime?user=u&password=***&sslmode=verify-full'],
    ['postgres://:s3cret@db/x', 'postgres://:***@db/x'],
    ['/home/u/ledger.db', '/home/u/ledger.db'],
  ])('%s shows as %s', (location, shown) => {
    expect(redactLocation(location)).toBe(shown);
  });

  it('finds the password to scrub, decoded', () => {
    expect(locationPassword('postgres://u:p%40ss@db/x')).toBe('p@ss');
    expect(locationPassword('postgres://db/x?password=abc')).toBe('abc');
    expect(locationPassword('postgres://u@db/x')).toBeUndefined();
    expect(locationPassword('/a/b')).toBeUndefined();
  });
});
