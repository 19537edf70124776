import { describe, expect, it } from 'vitest';
import { printable, shellWord } from '../../src/core/text.js';

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
