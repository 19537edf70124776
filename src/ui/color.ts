// When to colour a stream. Decided per stream (stdout and stderr separately), following Node's own
// order: --no-color wins, then FORCE_COLOR, then NO_COLOR, then TERM=dumb, then "is it a terminal".
export type ColorLevel = 0 | 1 | 2 | 3;

export interface ColorInputs {
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** false for --no-color (and for --json: a JSON document is never coloured). */
  allowed: boolean;
}

export function colorLevel({ isTTY, env, allowed }: ColorInputs): ColorLevel {
  if (!allowed) return 0;
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '2' || force === '3') return Number(force) as ColorLevel;
    return 1;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.TERM === 'dumb') return 0;
  if (!isTTY) return 0;
  if (env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit') return 3;
  if (env.TERM?.includes('256')) return 2;
  return 1;
}
