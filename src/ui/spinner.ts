import type { Output } from './output.js';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const still: Spinner = { update() {}, stop() {} };

/** A spinner on stderr while something slow happens, only where stderr is a terminal. */
export async function startSpinner(output: Output, text: string): Promise<Spinner> {
  if (!output.animated) return still;
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: output.streams.stderr, isEnabled: true, discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}
