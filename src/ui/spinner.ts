import type { Output } from './output.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const still: Spinner = { update() {}, stop() {} };

/** A spinner on stderr while something slow happens, only where stderr is a terminal. */
export async function startSpinner(output: Output, text: string): Promise<Spinner> {
  // A terminal that reports zero columns (seen in containers) makes ora count its lines as
  // text width ÷ 0 = Infinity and clear them for ever, deaf to signals: no spinner there.
  if (!output.animated || !output.streams.stderr.columns) return still;
  const { default: ora } = await import('ora');
  // ora colours with its own chalk, which does not read NO_COLOR: the spinner follows ours.
  const color = output.err.level > 0 ? 'cyan' : false;
  const spinner = ora({ text, color, stream: output.streams.stderr, isEnabled: true, discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}
