import { describe, expect, it } from 'vitest';
import { encodingOf, type Fields, HttpError, optionalString, parseFields, requiredAmount, requiredString } from '../../src/server/body.js';

const JSON_TYPE = 'application/json';
const FORM = 'application/x-www-form-urlencoded';

function failure(fn: () => unknown): { status: number; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected an HttpError');
}

describe('encodingOf', () => {
  it.each([
    [JSON_TYPE, '{}', 'json'],
    ['application/json; charset=utf-8', '', 'json'],
    ['Application/JSON', '', 'json'],
    ['application/vnd.africastalking+json', '', 'json'],
    [FORM, 'a=1', 'form'],
    [`${FORM}; charset=UTF-8`, '{"looks":"json"}', 'form'],
    [undefined, '  {"a":1}', 'json'],
    [undefined, 'a=1&b=2', 'form'],
    ['text/plain', '{"a":1}', 'json'],
    ['multipart/form-data; boundary=x', 'a=1', null],
    ['application/xml', '<a/>', null],
  ] as const)('%s with %j → %s', (type, body, expected) => {
    expect(encodingOf(type, body)).toBe(expected);
  });
});

describe('parseFields', () => {
  const parse = (type: string | undefined, body: string | Buffer, accepted?: ('json' | 'form')[]) =>
    parseFields(type, typeof body === 'string' ? Buffer.from(body) : body, accepted);

  it('reads JSON objects and forms into the same fields', () => {
    expect({ ...parse(JSON_TYPE, '{"requestId":"ATQid_1","amount":50}') }).toEqual({ requestId: 'ATQid_1', amount: 50 });
    expect({ ...parse(FORM, 'requestId=ATQid_1&value=KES+100.0000&phoneNumber=%2B254712345678') }).toEqual({
      requestId: 'ATQid_1',
      value: 'KES 100.0000',
      phoneNumber: '+254712345678',
    });
  });

  it('keeps __proto__ as a plain field, never as a prototype', () => {
    const fields = parse(JSON_TYPE, '{"__proto__":{"polluted":true},"a":1}');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect((fields as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    const form = parse(FORM, '__proto__=x&constructor=y');
    expect(form.constructor).toBe('y');
  });

  it.each([
    [JSON_TYPE, '{"a":', 400, 'not valid JSON'],
    [JSON_TYPE, '[1,2]', 400, 'must be a JSON object'],
    [JSON_TYPE, 'null', 400, 'must be a JSON object'],
    [JSON_TYPE, '"text"', 400, 'must be a JSON object'],
    [JSON_TYPE, '', 400, 'not valid JSON'],
    [FORM, '', 400, 'empty'],
    [FORM, 'a=1&a=2', 400, 'given twice'],
    ['application/xml', '<a/>', 415, 'application/json or application/x-www-form-urlencoded'],
  ] as const)('%s %j → %d (%s)', (type, body, status, message) => {
    const error = failure(() => parse(type, body));
    expect(error.status).toBe(status);
    expect(error.message).toContain(message);
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(failure(() => parse(JSON_TYPE, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).message).toContain('UTF-8');
  });

  it('accepts only the encodings a route names', () => {
    const error = failure(() => parse(FORM, 'phone=1', ['json']));
    expect(error).toEqual({ status: 415, message: 'send the body as application/json' });
  });
});

describe('field readers', () => {
  const fields = (value: Record<string, unknown>) => Object.assign(Object.create(null) as Fields, value);

  it.each([
    [{ a: ' ATQid_1 ' }, 'ATQid_1'],
    [{ a: '' }, 'the field a is empty'],
    [{ a: '   ' }, 'the field a is empty'],
    [{}, 'missing field a'],
    [{ a: null }, 'missing field a'],
    [{ a: 5 }, 'the field a must be a string'],
    [{ a: ['x'] }, 'the field a must be a string'],
    [{ a: 'x'.repeat(256) }, 'longer than 255'],
  ])('requiredString(%j)', (input, expected) => {
    const read = () => requiredString(fields(input), 'a');
    if (expected.startsWith('ATQid')) expect(read()).toBe(expected);
    else expect(failure(read).message).toContain(expected);
  });

  it('optionalString: absent or null is null', () => {
    expect(optionalString(fields({}), 'a')).toBeNull();
    expect(optionalString(fields({ a: null }), 'a')).toBeNull();
  });

  it.each([
    [50, '50'],
    [50.25, '50.25'],
    ['50.00', '50.00'],
    [' 100 ', '100'],
    ['0.5', '0.5'],
  ])('requiredAmount(%j) → %s', (amount, text) => {
    expect(requiredAmount(fields({ amount }), 'amount')).toBe(text);
  });

  it.each([[-5], [0], ['-5'], ['1e3'], [1e21], ['NaN'], [''], ['50,00'], [true], [{ value: 50 }], [null]])(
    'requiredAmount(%j) is a 400',
    (amount) => {
      expect(failure(() => requiredAmount(fields({ amount }), 'amount')).status).toBe(400);
    },
  );
});
