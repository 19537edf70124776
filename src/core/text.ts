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
