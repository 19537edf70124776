import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/ui/color.js';

describe('colorLevel decides colour per stream', () => {
  it.each([
    // isTTY, env, allowed (--no-color / --json), level
    [true, {}, true, 1],
    [false, {}, true, 0],
    [true, { NO_COLOR: '1' }, true, 0],
    [true, { NO_COLOR: '' }, true, 1],
    [true, { TERM: 'dumb' }, true, 0],
    [true, {}, false, 0],
    [false, { FORCE_COLOR: '1' }, true, 1],
    [false, { FORCE_COLOR: '' }, true, 1],
    [false, { FORCE_COLOR: '3' }, true, 3],
    [true, { FORCE_COLOR: '0' }, true, 0],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true, 1],
    [false, { FORCE_COLOR: '1' }, false, 0],
    [true, { COLORTERM: 'truecolor' }, true, 3],
    [true, { TERM: 'xterm-256color' }, true, 2],
  ])('tty=%s env=%j allowed=%s → %d', (isTTY, env, allowed, level) => {
    expect(colorLevel({ isTTY, env, allowed })).toBe(level);
  });
});
