// What commands share of the context (src/commands/context.ts): the credential and trust checks
// every sending command makes, and how settings become a retry policy. Pure over Settings.
import { describe, expect, it } from 'vitest';
import { apiUrlSource, environmentFor, requireCredentials, requireTrustedConfig, retryPolicy } from '../../src/commands/context.js';
import { usage } from '../../src/commands/usage.js';
import { EXIT } from '../../src/core/errors.js';
import { testSettings } from '../helpers/context.js';

describe('requireCredentials', () => {
  it.each([
    [{}, "no Africa's Talking username or API key configured"],
    [{ username: 'acme' }, "no Africa's Talking API key configured"],
    [{ apiKey: 'atsk_0123456789abcdef' }, "no Africa's Talking username configured"],
  ])('%j is exit 4: %s', (values, message) => {
    expect(() => requireCredentials(testSettings(values))).toThrowError(
      expect.objectContaining({ code: 'MISSING_CREDENTIALS', exitCode: EXIT.CONFIG, message }),
    );
  });

  it('a key that cannot travel in a header is exit 4 naming where it came from, not the key', () => {
    const settings = testSettings({ username: 'acme', apiKey: 'atsk_0123\u00e9', sources: { apiKey: 'environment AT_API_KEY' } });
    expect(() => requireCredentials(settings)).toThrowError(
      expect.objectContaining({
        code: 'CONFIG_ERROR',
        message: expect.stringMatching(/^the API key \(from environment AT_API_KEY\) holds /),
      }),
    );
  });

  it('gives back the username and key', () => {
    expect(requireCredentials(testSettings({ username: 'acme', apiKey: 'atsk_0123456789' }))).toEqual({
      username: 'acme',
      apiKey: 'atsk_0123456789',
    });
  });
});

describe('requireTrustedConfig', () => {
  it('passes with nothing refused; names the first refusal and counts the rest', () => {
    expect(() => requireTrustedConfig(testSettings())).not.toThrow();
    expect(() => requireTrustedConfig(testSettings({ refused: ['a.js is code', 'b', 'c'] }))).toThrowError(
      expect.objectContaining({ code: 'CONFIG_ERROR', message: 'a.js is code (and 2 more: run `airtime config path`)' }),
    );
  });
});

describe('apiUrlSource', () => {
  it.each([
    [{}, undefined],
    [{ apiUrl: 'http://127.0.0.1:8788' }, 'apiUrl in the configuration'],
    [{ apiUrl: 'http://127.0.0.1:8788', sources: { apiUrl: 'environment AIRTIME_API_URL' } }, 'AIRTIME_API_URL in the environment'],
    [{ apiUrl: 'http://127.0.0.1:8788', sources: { apiUrl: '/w/.airtimerc' } }, 'apiUrl in /w/.airtimerc'],
  ])('%j: %s', (values, source) => {
    expect(apiUrlSource(testSettings(values))).toBe(source);
  });
});

describe('settings to what a run uses', () => {
  it('the environment follows the username', () => {
    expect([undefined, 'sandbox', 'acme'].map((username) => environmentFor(testSettings({ username })))).toEqual([
      undefined,
      'sandbox',
      'live',
    ]);
  });

  it('the retry policy: the settings, and a minute at most between tries', () => {
    expect(retryPolicy(testSettings({ retries: 2, retryDelayMs: 250, duplicateWindowMs: 60_000, timeoutMs: 5000 }))).toEqual({
      retries: 2,
      baseDelayMs: 250,
      maxDelayMs: 60_000,
      windowMs: 60_000,
      timeoutMs: 5000,
    });
  });

  it('usage() is exit 2 with its hint', () => {
    expect(() => usage('two files', 'give one')).toThrowError(
      expect.objectContaining({ code: 'USAGE', exitCode: EXIT.USAGE, hint: 'give one' }),
    );
  });
});
