import { describe, expect, it } from 'vitest';
import { printable } from '../../src/ui/output.js';

describe('printable', () => {
  it.each([
    ['plain text, accents é and emoji 📱', 'plain text, accents é and emoji 📱'],
    ['two\nlines', 'two\nlines'],
    ['\u001b[31mred\u001b[0m', '\\u001b[31mred\\u001b[0m'],
    ['title\u001b]0;pwned\u0007', 'title\\u001b]0;pwned\\u0007'],
    ['tab\there', 'tab\\u0009here'],
    ['nul\u0000 del\u007f c1\u009b', 'nul\\u0000 del\\u007f c1\\u009b'],
  ])('shows %j as %j', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });
});
