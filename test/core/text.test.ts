import { describe, expect, it } from 'vitest';
import { closestWords, printable, shellWord } from '../../src/core/text.js';

describe('shellWord', () => {
  it.each([
    ['payouts.csv', 'payouts.csv'],
    ['./in/november-2026.csv', './in/november-2026.csv'],
    ['-', '-'],
    ['my file.csv', "'my file.csv'"],
    ["it's.csv", "'it'\\''s.csv'"],
    ['$(rm -rf ~).csv', "'$(rm -rf ~).csv'"],
    ['', "''"],
  ])('%j is written %s', (text, word) => {
    expect(shellWord(text)).toBe(word);
  });
});

describe('printable', () => {
  it.each([
    ['plain', false, 'plain'],
    ['a\nb', false, 'a\\u000ab'],
    ['a\nb', true, 'a\nb'],
    ['\u001b[31mred', true, '\\u001b[31mred'],
    ['line\u2028sep', false, 'line\\u2028sep'],
  ])('%j (keepNewlines %s) is shown as %j', (text, keepNewlines, shown) => {
    expect(printable(text, { keepNewlines })).toBe(shown);
  });
});

describe('closestWords', () => {
  const words = ['send', 'serve', 'status', 'stats', 'config', 'exit-codes', 'environment', 'emulator'];
  it.each([
    ['sned', ['send']],
    ['sttus', ['status']],
    ['serv', ['serve']],
    ['exit-code', ['exit-codes']],
    ['enviroment', ['environment']],
    ['stat', ['stats']],
    ['sen', ['send']],
    ['xyz', []],
    ['configuration', []],
  ])('%j suggests %j', (word, expected) => {
    expect(closestWords(word, words)).toEqual(expected);
  });

  it('gives every candidate equally close, sorted', () => {
    expect(closestWords('sta', ['stats', 'state', 'stay'])).toEqual(['stay']);
    expect(closestWords('stat', ['stats', 'state'])).toEqual(['state', 'stats']);
  });
});
