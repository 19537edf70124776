import { Chalk, type ChalkInstance } from 'chalk';
import { describe, expect, it } from 'vitest';
import { Output, printable } from '../../src/ui/output.js';
import { testStreams } from '../helpers/context.js';

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

describe('colour', () => {
  const flags = { json: false, quiet: false, verbose: false, color: true, debug: false, input: true };
  const level0 = new Chalk({ level: 0 });

  // Without a terminal nothing is coloured, and chalk is not even loaded: what stands in for it
  // must give back exactly what chalk gives at level 0.
  it.each([
    ['red', (c: ChalkInstance) => c.red('text')],
    ['bold.red, two arguments', (c: ChalkInstance) => c.bold.red('two', 'words')],
    ['a number', (c: ChalkInstance) => c.dim(50)],
    ['undefined', (c: ChalkInstance) => c.yellow(undefined)],
    ['no argument', (c: ChalkInstance) => c.green()],
    ['the instance itself', (c: ChalkInstance) => c('plain', 1)],
    ['visible', (c: ChalkInstance) => c.visible('only in colour')],
    ['red.visible', (c: ChalkInstance) => c.red.visible('only in colour')],
    ['visible.red', (c: ChalkInstance) => c.visible.red('only in colour')],
    ['hex', (c: ChalkInstance) => c.hex('#ff0000').bold('hex')],
    ['bgAnsi256', (c: ChalkInstance) => c.bgAnsi256(21)('bg')],
    ['level', (c: ChalkInstance) => c.level],
  ])('off a terminal, %s is what chalk gives at level 0', (_name, use) => {
    const output = new Output(testStreams(), flags);
    expect(use(output.out)).toEqual(use(level0));
    expect(use(output.err)).toEqual(use(level0));
  });

  it('at a terminal, Output.open colours with chalk; a coloured Output made without it is a mistake', async () => {
    const streams = testStreams({ terminal: true, env: { TERM: 'xterm' } });
    expect((await Output.open(streams, flags)).out.red('x')).toBe('\u001b[31mx\u001b[39m');
    expect(() => new Output(streams, flags)).toThrow('a coloured Output needs chalk: make it with Output.open');
    // --json and --no-color colour nothing, at a terminal too.
    expect(new Output(streams, { ...flags, json: true }).out.red('x')).toBe('x');
    expect(new Output(streams, { ...flags, color: false }).out.red('x')).toBe('x');
  });
});
