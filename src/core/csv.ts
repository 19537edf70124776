// Writing CSV that people open in spreadsheets: the export and the bulk report share these rules.

/**
 * One field, RFC 4180 quoted. Free text that a spreadsheet would run as a formula (=, +, -, @
 * first) gets a leading apostrophe: references come from users' files and error texts from
 * Africa's Talking. `verbatim` is for phone numbers and amounts, which start with + or - by right;
 * numbers are always verbatim.
 */
export function csvField(value: string | number | null, verbatim = false): string {
  if (value === null) return '';
  let text = String(value);
  if (!verbatim && typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
