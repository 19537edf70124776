import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/bulk/check.js';
import { detectFormat, fieldName, type RawRow, readRows } from '../../src/bulk/reader.js';
import { fileRefusal } from '../../src/bulk/refusals.js';

const dir = mkdtempSync(join(tmpdir(), 'reader-'));
let n = 0;
function file(content: string | Buffer, ext = ''): string {
  const path = join(dir, `f${(n += 1)}${ext}`);
  writeFileSync(path, content);
  return path;
}

async function rows(path: string): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of readRows(path, await detectFormat(path)).rows) out.push(row);
  return out;
}

describe('readRows', () => {
  it('reads CSV with a BOM, CRLF, quoted fields, blank lines and any header spelling', async () => {
    const path = file(
      '\uFEFFPhone Number,AMOUNT,currency,Reference,notes\r\n"+254 712 345 678",50,KES,"a, ""quoted"" ref",x\r\n\r\n,,,,\r\n+256701234567,500,,,\r\n',
      '.csv',
    );
    expect(await rows(path)).toEqual([
      { row: 1, line: 2, phone: '+254 712 345 678', amount: '50', currency: 'KES', reference: 'a, "quoted" ref' },
      { row: 2, line: 5, phone: '+256701234567', amount: '500' },
    ]);
  });

  it('numbers rows and lines apart (spaces around quotes, rows of blanks, line breaks inside quotes)', async () => {
    const path = file(
      'phone,amount,reference\n+254712345678, "10" ,\n  ,  ,\n+254712345679,10,"two\r\nlines"\n+254202345678,10,\n',
      '.csv',
    );
    expect((await rows(path)).map((r) => [r.row, r.line])).toEqual([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
  });

  it.each([
    ['CRLF', 'phone,amount\r\n+254712345678,50\r\n', [{ row: 1, line: 2, phone: '+254712345678', amount: '50' }]],
    [
      'old Mac CR line ends',
      'phone,amount\r+254712345678,50\r+254712345679,60',
      [
        { row: 1, line: 2, phone: '+254712345678', amount: '50' },
        { row: 2, line: 3, phone: '+254712345679', amount: '60' },
      ],
    ],
    [
      'no line end at all after the last row',
      'phone,amount\n+254712345678,50',
      [{ row: 1, line: 2, phone: '+254712345678', amount: '50' }],
    ],
    [
      'doubled quotes and a line break inside quotes',
      'phone,amount,reference\n+254712345678,50,"say ""hi""\nthere"\n+254712345679,1,\n',
      [
        { row: 1, line: 2, phone: '+254712345678', amount: '50', reference: 'say "hi"\nthere' },
        { row: 2, line: 4, phone: '+254712345679', amount: '1' },
      ],
    ],
    [
      'blanks around quoted fields',
      'phone,amount\n  "+254712345678" ,\t"50"\n',
      [{ row: 1, line: 2, phone: '+254712345678', amount: '50' }],
    ],
    [
      'a quoted header and empty trailing columns',
      '"phone","amount","",""\n+254712345678,50\n+254712345679,60,,\n',
      [
        { row: 1, line: 2, phone: '+254712345678', amount: '50' },
        { row: 2, line: 3, phone: '+254712345679', amount: '60' },
      ],
    ],
    [
      'a thousands separator',
      'phone,amount,reference\n+254712345678,1,500\n',
      [{ row: 1, line: 2, unreadable: expect.stringContaining('the amount 1 followed by 500 looks like 1,500') }],
    ],
    [
      'a 3-digit field after a 4-digit amount (not a separator)',
      'phone,amount,reference\n+254712345678,1000,500\n',
      [{ row: 1, line: 2, phone: '+254712345678', amount: '1000', reference: '500' }],
    ],
    [
      'a separator, quoted as meant',
      'phone,amount,reference\n+254712345678, "1" ,500\n',
      [{ row: 1, line: 2, phone: '+254712345678', amount: '1', reference: '500' }],
    ],
    [
      'too many fields',
      'phone,amount\n+254712345678,50,x\n',
      [{ row: 1, line: 2, unreadable: expect.stringMatching(/^3 fields where the header has 2: an amount with a thousands separator/) }],
    ],
    ['too few fields', 'phone,amount,currency\n+254712345678,50\n', [{ row: 1, line: 2, unreadable: '2 fields where the header has 3' }]],
  ])('reads CSV with %s', async (_what, content, expected) => {
    expect(await rows(file(content, '.csv'))).toEqual(expected);
  });

  it('reads the same rows whatever the chunks the bytes arrive in', async () => {
    const content = Buffer.from('\uFEFFphone,amount,reference\r\n"+254 712 345 678",50,"a, ""b""\r\nc"\r\n\r\n+254712345679,60,é\r\n');
    const whole = await rows(file(content, '.csv'));
    for (const size of [1, 2, 3, 7]) {
      const chunks = Array.from({ length: Math.ceil(content.length / size) }, (_, i) => content.subarray(i * size, (i + 1) * size));
      const out: RawRow[] = [];
      for await (const row of readRows(async function* () {
        yield* chunks;
      }, 'csv').rows)
        out.push(row);
      expect(out, `chunks of ${size}`).toEqual(whole);
    }
    expect(whole.map((r) => [r.line, r.reference])).toEqual([
      [2, 'a, "b"\r\nc'],
      [5, 'é'],
    ]);
  });

  it('refuses a reference holding a control character, which listings and terminals would obey', async () => {
    const path = file(
      'phone,amount,reference\n+254712345678,50,"two\nlines"\n+254712345679,50,"\u001b]0;x\u0007"\n+254712345670,50,fine\n',
      '.csv',
    );
    const check = await checkFile(path, 'csv', { perRecipient: {} });
    expect(check.invalid.map((p) => [p.row, p.errors[0]?.message])).toEqual([
      [1, 'the reference holds a control character (a line break, a tab, an escape)'],
      [2, 'the reference holds a control character (a line break, a tab, an escape)'],
    ]);
    expect(check.validCount).toBe(1);
  });

  it('turns a file that cannot be read into INVALID_FILE, in every format', async () => {
    for (const ext of ['.csv', '.json', '.jsonl']) {
      await expect(rows(join(dir, `gone${ext}`))).rejects.toMatchObject({ code: 'INVALID_FILE' });
    }
  });

  it('refuses two columns (or JSON fields) that mean the same thing, rather than guess which one to pay', async () => {
    await expect(rows(file('phone,amount,Phone Number\n+254712345678,50,+254712345679\n', '.csv'))).rejects.toThrow(
      /header names the phone twice \(phone, Phone Number\)/,
    );
    await expect(rows(file('phone,amount,key,idempotency_key\n+254712345678,50,a,b\n', '.csv'))).rejects.toThrow(/the key twice/);
    // Columns the reader ignores may repeat.
    expect(await rows(file('phone,amount,notes,notes\n+254712345678,50,x,y\n', '.csv'))).toEqual([
      { row: 1, line: 2, phone: '+254712345678', amount: '50' },
    ]);
    expect(await rows(file('{"phone":"+254712345678","phoneNumber":"+254712345679","amount":50}\n', '.jsonl'))).toEqual([
      { row: 1, line: 1, unreadable: 'the row names the phone twice (phone, phoneNumber): keep one' },
    ]);
  });

  it('reads a JSON array and JSON lines, and sniffs the format without an extension', async () => {
    const array = file(' [\n {"phone":"+254712345678","amount":50},\n {"phoneNumber":"+256701234567","amount":"500","key":"k-1"}\n]\n');
    expect(await detectFormat(array)).toBe('json');
    expect(await rows(array)).toEqual([
      { row: 1, line: 2, phone: '+254712345678', amount: 50 },
      { row: 2, line: 3, phone: '+256701234567', amount: '500', key: 'k-1' },
    ]);
    const lines = file('{"phone":"+254712345678","amount":50}\n\n[1]\nnot json\n{"phone":"+27821234567","amount":10}');
    expect(await detectFormat(lines)).toBe('jsonl');
    expect(await rows(lines)).toEqual([
      { row: 1, line: 1, phone: '+254712345678', amount: 50 },
      { row: 2, line: 3, unreadable: expect.stringContaining('must be an object') },
      { row: 3, line: 4, unreadable: 'this line is not JSON' },
      { row: 4, line: 5, phone: '+27821234567', amount: 10 },
    ]);
  });

  it('keeps strings with brackets, braces, commas and escapes whole in a JSON array', async () => {
    const path = file('[{"phone":"+254712345678","amount":50,"reference":"a],}{\\"[,"}]', '.json');
    expect((await rows(path))[0]?.reference).toBe('a],}{"[,');
  });

  it.each([
    ['{"not":"an array"}', '.json', 'must hold an array'],
    ['[{"phone":"+254712345678"', '.json', 'not closed'],
    ['[{"phone":1},] x', '.json', 'after the closing'],
    ['[{"phone": nope}]', '.json', 'not valid JSON'],
    ['name,value\nx,1\n', '.csv', 'phone (or phoneNumber) column'],
    ['phone,amount\n"+254712345678,50\n', '.csv', '.csv: the CSV cannot be read at row 1 (line 2): a quoted field is not closed'],
    ['phone,amount\n"+254712345678"x,50\n', '.csv', 'cannot be read at row 1 (line 2): a closing quote is followed by more text'],
    ['phone,amount\n+2547"12345678,50\n', '.csv', 'cannot be read at row 1 (line 2): a quote inside a field that does not start with one'],
    ['phone,amount\n+254712345678,5\u00000\n', '.csv', 'row 1 (line 2) holds a NUL byte'],
    [`phone,amount\n+254712345678,50,${'x'.repeat(65537)}\n`, '.csv', 'row 1 (line 2) is longer than 64 KiB'],
    [`[{"phone":"${'1'.repeat(65537)}"}]`, '.json', 'row 1 (line 1) is longer than 64 KiB'],
  ])('refuses %j as a whole file (INVALID_FILE)', async (content, ext, fragment) => {
    await expect(rows(file(content, ext))).rejects.toMatchObject({ code: 'INVALID_FILE', message: expect.stringContaining(fragment) });
  });

  it('maps header spellings to the contract names', () => {
    expect(
      ['phone', 'phoneNumber', 'phone_number', 'Phone Number', 'amount', 'Currency', 'currencyCode', 'key', 'idempotency_key', 'ref'].map(
        fieldName,
      ),
    ).toEqual(['phone', 'phone', 'phone', 'phone', 'amount', 'currency', 'currency', 'key', 'key', 'reference']);
    expect(fieldName('notes')).toBeUndefined();
  });
});

describe('checkFile', () => {
  it('finds invalid rows, duplicates and key conflicts, and totals the valid rows in minor units', async () => {
    const path = file(
      [
        'phone,amount,currency,key,reference',
        '+254712345678,50,,,',
        '+254712345678,50,,,', // duplicate of row 1
        '+254712345678,50,,,again', // distinct reference: not a duplicate
        '+254202345678,50,,,', // landline
        '+256701234567,500.5,,,', // UGX has no decimals
        '+254712345679,10,,k1,',
        '+254712345670,20,,k1,', // k1 names another send
        '+254712345670,20,,k1,', // and so does this repeat of row 7
        '+255712345678,1000,KES,,', // currency mismatch
      ].join('\n'),
      '.csv',
    );
    const check = await checkFile(path, 'csv', { perRecipient: {} });
    expect(check.total).toBe(9);
    expect(check.invalid.map((p) => [p.row, p.line, p.errors[0]?.code])).toEqual([
      [4, 5, 'INVALID_PHONE'],
      [5, 6, 'INVALID_AMOUNT'],
      [7, 8, 'IDEMPOTENCY_CONFLICT'],
      [8, 9, 'IDEMPOTENCY_CONFLICT'],
      [9, 10, 'CURRENCY_MISMATCH'],
    ]);
    expect(check.duplicates).toEqual([{ row: 2, firstRow: 1 }]);
    expect(check.validCount).toBe(4);
    expect([...check.totals].map(([m, v]) => [m.currency, v])).toEqual([['KES', 5000 + 5000 + 5000 + 1000]]);
  });

  it('numbers occurrences of repeated rows so each gets its own key', async () => {
    const path = file('phone,amount\n+254712345678,50\n+254712345678,50\n+254712345678,50\n', '.csv');
    const occurrences: number[] = [];
    await checkFile(path, 'csv', { perRecipient: {}, onValidRow: (row) => void occurrences.push(row.occurrence) });
    expect(occurrences).toEqual([1, 2, 3]);
  });
});

describe('fileRefusal', () => {
  it.each([
    [{ total: 0, invalidCount: 0, duplicateCount: 0 }, {}, 'empty'],
    [{ total: 3, invalidCount: 1, duplicateCount: 1 }, {}, 'invalid'],
    [{ total: 3, invalidCount: 1, duplicateCount: 1 }, { skipInvalid: true }, 'duplicates'],
    [{ total: 3, invalidCount: 0, duplicateCount: 1 }, { allowDuplicates: true }, null],
    [{ total: 3, invalidCount: 1, duplicateCount: 0 }, { skipInvalid: true }, null],
    [{ total: 3, invalidCount: 0, duplicateCount: 0 }, {}, null],
  ] as const)('%j with %j → %s', (check, options, refusal) => {
    expect(fileRefusal(check, options)).toBe(refusal);
  });
});
