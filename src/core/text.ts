// Text that came from outside (a file's cells, a callback's fields, an HTTP answer) is shown, never
// obeyed: a control character among it would drive the reader's terminal (retitle it, recolour it,
// move the cursor) or split a log line in two. \p{Cc} is exactly C0, DEL and C1.

/** Whether a text holds a control character (a line break, a tab, an escape…). */
export function hasControlCharacter(text: string): boolean {
  return /\p{Cc}/u.test(text);
}

/**
 * The text with its control characters shown as `\u001b`-style escapes. `keepNewlines` lets a
 * multi-line note through; a log line keeps nothing, and escapes the Unicode line separators too.
 */
export function printable(text: string, { keepNewlines = false }: { keepNewlines?: boolean } = {}): string {
  const pattern = keepNewlines ? /(?!\n)\p{Cc}/gu : /[\p{Cc}\u2028\u2029]/gu;
  return text.replace(pattern, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A word as a shell reads it back: as it is when it is plain, else single-quoted. */
export function shellWord(text: string): string {
  return /^[\w./@%+=:,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The candidates a mistyped word most likely meant, the way commander suggests a command (its
 * suggestSimilar is not part of its public API): the fewest edits, at most 3, counting a swap of
 * two neighbours as one, and more alike than not (over 40% of the longer word unchanged).
 */
export function closestWords(word: string, candidates: readonly string[]): string[] {
  let best = 3;
  let found: string[] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate.length <= 1) continue;
    const distance = editDistance(word, candidate);
    const length = Math.max(word.length, candidate.length);
    if ((length - distance) / length <= 0.4) continue;
    if (distance < best) {
      best = distance;
      found = [candidate];
    } else if (distance === best) found.push(candidate);
  }
  return found.sort((a, b) => a.localeCompare(b));
}

/** Edits from one word to another: insertions, deletions, substitutions, and swaps of neighbours. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Math.max(a.length, b.length);
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number) => d[i * width + j] as number;
  for (let i = 0; i <= a.length; i += 1) d[i * width] = i;
  for (let j = 0; j <= b.length; j += 1) d[j] = j;
  for (let i = 1; i <= a.length; i += 1) {
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      d[i * width + j] = value;
    }
  }
  return at(a.length, b.length);
}
