import { describe, expect, it } from 'vitest';
import { csvField } from '../../src/core/csv.js';

describe('csvField', () => {
  it.each([
    [null, false, ''],
    ['plain', false, 'plain'],
    ['a,b', false, '"a,b"'],
    ['say "hi"', false, '"say ""hi"""'],
    ['two\nlines', false, '"two\nlines"'],
    // Free text a spreadsheet would run as a formula is defused...
    ['=HYPERLINK("http://x")', false, `"'=HYPERLINK(""http://x"")"`],
    ['+1', false, "'+1"],
    ['-5', false, "'-5"],
    ['@SUM(A1)', false, "'@SUM(A1)"],
    // ...but phone numbers, amounts and numbers are written as they are.
    ['+254712345678', true, '+254712345678'],
    ['-5.00', true, '-5.00'],
    [-5, false, '-5'],
    [42, false, '42'],
  ] as const)('%j (verbatim %s) → %s', (value, verbatim, expected) => {
    expect(csvField(value, verbatim)).toBe(expected);
  });
});
