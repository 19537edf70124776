// Prompts for people at a terminal (@inquirer/prompts). Callers ask only when Output.interactive
// is true; off a terminal a missing value is a usage error instead, never a hang.
import { marketByCountry } from '../core/countries.js';
import { AirtimeError } from '../core/errors.js';
import type { BatchConfirmation } from '../results/bulk.js';
import type { SendPreview } from '../results/send.js';
import type { Output } from './output.js';

export interface TextQuestion {
  message: string;
  default?: string | undefined;
  /** Returns the reason the answer is not acceptable, or undefined when it is. */
  validate?: (value: string) => string | undefined;
}

export interface Choice<T extends string> {
  value: T;
  name: string;
  description?: string;
}

export interface Prompter {
  text(question: TextQuestion): Promise<string>;
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
  select<T extends string>(message: string, choices: Choice<T>[]): Promise<T>;
  secret(message: string): Promise<string>;
  /** Shows what a send would do and asks whether to send it (yes by default). */
  confirmSend(preview: SendPreview): Promise<boolean>;
  /** Shows a batch's totals and the account balance and asks whether to send it (no by default). */
  confirmBatch(batch: BatchConfirmation): Promise<boolean>;
}

/** The summary a person confirms before a send leaves: what, to whom, where, under which key. */
export function confirmationText(preview: SendPreview, output: Output): string {
  const c = output.out;
  const market = marketByCountry(preview.country);
  const lines = [
    `  Number       ${preview.phoneNumber} (${market?.name ?? preview.country})`,
    `  Amount       ${c.bold(`${preview.currency} ${preview.amount}`)}`,
    `  Environment  ${preview.environment === 'live' ? c.bold.red('LIVE: real airtime, real money') : (preview.environment ?? 'unknown')}`,
    `  Key          ${preview.idempotencyKey}`,
  ];
  return `\n${lines.join('\n')}\n  Send it?`;
}

export function createPrompter(output: Output): Prompter {
  const context = {
    // Read when a prompt runs: opening stdin costs a command that asks nothing.
    get input() {
      return output.streams.stdin;
    },
    output: output.streams.stdout,
    clearPromptOnDone: false,
  };
  const load = () => import('@inquirer/prompts');
  return {
    text: (question) =>
      cancellable(async () => {
        const { input } = await load();
        return input(
          {
            message: question.message,
            default: question.default,
            validate: (value: string) => question.validate?.(value) ?? true,
          },
          context,
        );
      }),
    confirm: (message, defaultValue = true) => cancellable(async () => (await load()).confirm({ message, default: defaultValue }, context)),
    select: <T extends string>(message: string, choices: Choice<T>[]) =>
      cancellable(async () => (await load()).select<T>({ message, choices }, context)),
    confirmSend(preview) {
      return this.confirm(confirmationText(preview, output), true);
    },
    confirmBatch(batch) {
      output.info(
        `${batch.resuming ? 'Resuming' : 'Sending'} batch ${batch.batchId}: ${batch.rows} row(s), ${batch.totals}, on ${batch.environment}. Account balance: ${batch.balance}.`,
      );
      return this.confirm(batch.environment === 'live' ? output.err.bold.red('Send real airtime now?') : 'Send now?', false);
    },
    // Nothing echoed, not even a `*` per character: the mask would show the key's length.
    secret: (message) => cancellable(async () => (await load()).password({ message }, context)),
  };
}

/** Ctrl-C at a prompt ends the run as "cancelled" (exit 130), with nothing sent. */
async function cancellable<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new AirtimeError('INTERRUPTED', 'cancelled', { exitCode: 130 });
    }
    throw error;
  }
}
