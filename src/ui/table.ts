// Tables that fit the terminal, as `gh` draws them: columns that must be read whole (a time, an
// amount, a phone number) keep their width; the others share what is left, each cut with an
// ellipsis (an id in its middle, so both ends still tell it apart; free text at its end); and
// when even that leaves them too narrow to read, the least useful ones are left out. Piped output
// and --wide are never cut: a script or a wide window gets everything.

export interface Column {
  header: string;
  /** keep: never cut; middle: cut in the middle (ids, paths); end: cut at the end (free text). */
  fit: 'keep' | 'middle' | 'end';
  /** Narrower than this, a cut column is no use: it is left out instead (default 8). */
  min?: number;
  /** Left out when the table cannot fit, lowest first; never when undefined. */
  dropOrder?: number;
}

export interface FittedTable {
  /** The columns shown, by index into the columns given. */
  shown: number[];
  widths: number[];
  header: string[];
  rows: string[][];
  /** Whether a cell was cut or a column left out (worth a word about --wide). */
  cut: boolean;
}

const GAP = 2;
const ELLIPSIS = '…';

/** Lays out `rows` under `columns` in `width` characters (undefined: as wide as they are). */
export function fitTable(columns: readonly Column[], rows: readonly (readonly string[])[], width: number | undefined): FittedTable {
  const natural = columns.map((column, i) => Math.max(column.header.length, ...rows.map((row) => (row[i] ?? '').length)));
  let shown = columns.map((_, i) => i);
  const total = (indexes: number[]) => indexes.reduce((sum, i) => sum + (natural[i] ?? 0), 0) + GAP * (indexes.length - 1);
  if (width === undefined || total(shown) <= width) return layout(columns, rows, shown, natural, false);

  // A column that could be left out and holds nothing here only costs room.
  shown = shown.filter((i) => columns[i]?.dropOrder === undefined || rows.some((row) => (row[i] ?? '') !== ''));
  const minOf = (i: number) => Math.min(natural[i] ?? 0, columns[i]?.min ?? 8);
  const room = (indexes: number[]) =>
    width - GAP * (indexes.length - 1) - indexes.filter((i) => columns[i]?.fit === 'keep').reduce((sum, i) => sum + (natural[i] ?? 0), 0);
  for (;;) {
    const flexible = shown.filter((i) => columns[i]?.fit !== 'keep');
    if (flexible.reduce((sum, i) => sum + minOf(i), 0) <= room(shown)) break;
    const droppable = shown.filter((i) => columns[i]?.dropOrder !== undefined);
    if (droppable.length === 0) break; // as narrow as it goes: the terminal wraps the rest
    const first = droppable.reduce((a, b) => ((columns[a]?.dropOrder ?? 0) <= (columns[b]?.dropOrder ?? 0) ? a : b));
    shown = shown.filter((i) => i !== first);
  }

  // Each flexible column gets its minimum, then the rest is shared out fairly, narrowest need
  // first, so a short column takes only what it needs and the long ones split what remains.
  const widths = [...natural];
  const flexible = shown.filter((i) => columns[i]?.fit !== 'keep');
  let spare = room(shown) - flexible.reduce((sum, i) => sum + minOf(i), 0);
  for (const i of flexible) widths[i] = minOf(i);
  const byNeed = [...flexible].sort((a, b) => (natural[a] ?? 0) - (widths[a] ?? 0) - ((natural[b] ?? 0) - (widths[b] ?? 0)));
  byNeed.forEach((i, n) => {
    const share = Math.max(0, Math.floor(spare / (byNeed.length - n)));
    const add = Math.min((natural[i] ?? 0) - (widths[i] ?? 0), share);
    widths[i] = (widths[i] ?? 0) + add;
    spare -= add;
  });
  return layout(columns, rows, shown, widths, shown.length < columns.length);
}

function layout(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  shown: number[],
  widths: number[],
  dropped: boolean,
): FittedTable {
  let cut = dropped;
  const fitCell = (text: string, i: number) => {
    const fitted = cutTo(text, widths[i] ?? text.length, columns[i]?.fit ?? 'keep');
    if (fitted !== text) cut = true;
    return fitted;
  };
  const header = shown.map((i) => fitCell(columns[i]?.header ?? '', i));
  const fitted = rows.map((row) => shown.map((i) => fitCell(row[i] ?? '', i)));
  return { shown, widths: shown.map((i) => widths[i] ?? 0), header, rows: fitted, cut };
}

/** A text cut to `width` characters with an ellipsis, at its end or in its middle. */
export function cutTo(text: string, width: number, fit: Column['fit']): string {
  if (text.length <= width || fit === 'keep') return text;
  if (width <= 1) return ELLIPSIS.slice(0, width);
  if (fit === 'end') return `${text.slice(0, width - 1)}${ELLIPSIS}`;
  const tail = Math.floor((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}${ELLIPSIS}${tail > 0 ? text.slice(-tail) : ''}`;
}

/** A line of a fitted table: cells padded to their widths (colour added after padding), the last unpadded. */
export function tableLine(
  cells: readonly string[],
  widths: readonly number[],
  color?: (cell: string, index: number, padded: string) => string,
): string {
  return cells
    .map((cell, i) => {
      const padded = cell.padEnd(widths[i] ?? 0);
      return color ? color(cell, i, padded) : padded;
    })
    .join(' '.repeat(GAP))
    .trimEnd();
}
