import { describe, expect, it } from 'vitest';
import { type Column, cutTo, fitTable, tableLine } from '../../src/ui/table.js';

describe('cutTo', () => {
  it.each([
    ['short', 10, 'end', 'short'],
    ['a reference that is long', 10, 'end', 'a referen…'],
    ['83dae37e-622c-4528-8b5c-82fd95036584', 11, 'middle', '83dae…36584'],
    ['83dae37e-622c-4528-8b5c-82fd95036584', 12, 'middle', '83dae3…36584'],
    ['anything', 1, 'middle', '…'],
    ['anything', 0, 'end', ''],
    ['+254712345678', 5, 'keep', '+254712345678'],
  ] as const)('%j in %d (%s) is %j', (text, width, fit, cut) => {
    expect(cutTo(text, width, fit)).toBe(cut);
  });
});

const COLUMNS: Column[] = [
  { header: 'WHEN', fit: 'keep' },
  { header: 'ID', fit: 'middle', min: 6 },
  { header: 'NOTE', fit: 'end', min: 6, dropOrder: 2 },
  { header: 'EXTRA', fit: 'end', min: 6, dropOrder: 1 },
];
const ROWS = [
  ['2026-11-16', 'abcdefghijklmnopqrst', 'a note of some length', 'x'],
  ['2026-11-17', 'short', '', 'yy'],
];
const lines = (width: number | undefined) => {
  const table = fitTable(COLUMNS, ROWS, width);
  return { table, text: [table.header, ...table.rows].map((row) => tableLine(row, table.widths)) };
};

describe('fitTable', () => {
  it('leaves a table that fits, or one with no width to fit (a pipe), as it is', () => {
    for (const width of [undefined, 200]) {
      const { table, text } = lines(width);
      expect(table).toMatchObject({ shown: [0, 1, 2, 3], widths: [10, 20, 21, 5], cut: false });
      expect(text[1]).toBe('2026-11-16  abcdefghijklmnopqrst  a note of some length  x');
    }
  });

  it('cuts the flexible columns, sharing the room, and keeps the fixed ones whole', () => {
    const { table, text } = lines(50);
    expect(table.cut).toBe(true);
    expect(table.shown).toEqual([0, 1, 2, 3]);
    for (const line of text) expect(line.length).toBeLessThanOrEqual(50);
    expect(text[1]).toBe('2026-11-16  abcdefg…opqrst  a note of some…  x');
  });

  it('leaves out columns, lowest dropOrder first, before any flexible column is narrower than its minimum', () => {
    expect(lines(34).table.shown).toEqual([0, 1, 2, 3]);
    const { table, text } = lines(30);
    expect(table.shown).toEqual([0, 1, 2]);
    for (const line of text) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines(24).table.shown).toEqual([0, 1]);
  });

  it('never leaves out a column without a dropOrder: the terminal wraps instead', () => {
    const { table } = lines(10);
    expect(table.shown).toEqual([0, 1]);
    expect(table.widths).toEqual([10, 6]);
  });

  it('when it must cut, an optional column that holds nothing goes first', () => {
    const table = fitTable(COLUMNS, [['2026-11-16', 'abcdefghijklmnopqrst', 'a note of some length', '']], 60);
    expect(table.shown).toEqual([0, 1, 2]);
    expect(table.cut).toBe(true);
  });
});
