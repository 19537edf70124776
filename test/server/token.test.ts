import { describe, expect, it } from 'vitest';
import { bearerToken, tokenMatches } from '../../src/server/token.js';

const TOKEN = 'whk_3f0c9a7e21d84b5c';

describe('tokenMatches', () => {
  it.each([
    [TOKEN, true],
    [`${TOKEN} `, false],
    [TOKEN.slice(0, -1), false],
    [`${TOKEN}x`, false],
    [TOKEN.toUpperCase(), false],
    ['', false],
    [null, false],
    [undefined, false],
    // Lengths far from the token's: hashing first means no length error and no early exit.
    ['x', false],
    ['x'.repeat(10_000), false],
    ['ü'.repeat(20), false],
  ])('%j → %s', (given, expected) => {
    expect(tokenMatches(TOKEN, given)).toBe(expected);
  });

  it('never accepts an empty token, even when the expected one is empty', () => {
    expect(tokenMatches('', '')).toBe(false);
  });
});

describe('bearerToken', () => {
  it.each([
    [`Bearer ${TOKEN}`, TOKEN],
    [`bearer ${TOKEN}`, TOKEN],
    [`BEARER   ${TOKEN}  `, TOKEN],
    [`Basic ${TOKEN}`, null],
    [TOKEN, null],
    ['Bearer', null],
    ['Bearer ', null],
    ['Bearer two words', null],
    [undefined, null],
  ])('%j → %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
