// `airtime` alone at a terminal: a guided menu over the everyday commands, for people who do not
// want to remember flags. Each choice asks for what it needs, checked as it is typed, with the same
// rules as the command line, and runs the command through the same table the parser uses.
import { AirtimeError, EXIT } from '../core/errors.js';
import { parsePhone } from '../core/phone.js';
import type { Context } from './context.js';
import { findCommand, Input, type RunEnvironment } from './table.js';

type Choice = 'send' | 'status' | 'validate' | 'stats' | 'balance' | 'config' | 'quit';

export async function menu(ctx: Context, program: unknown): Promise<number> {
  let exitCode: number = EXIT.OK;
  for (;;) {
    const choice = await ctx.prompter.select<Choice>('What would you like to do?', [
      { value: 'send', name: 'Send airtime' },
      { value: 'status', name: 'Check a transaction' },
      { value: 'validate', name: 'Validate a number' },
      { value: 'stats', name: 'Statistics' },
      { value: 'balance', name: 'Account balance' },
      { value: 'config', name: 'Set up the configuration' },
      { value: 'quit', name: 'Quit' },
    ]);
    if (choice === 'quit') return exitCode;
    try {
      exitCode = await run(choice, { ctx, program });
    } catch (error) {
      // Ctrl-C ends the whole session; any other error is shown and the menu comes back.
      if (!(error instanceof AirtimeError) || error.code === 'INTERRUPTED') throw error;
      const { printError } = await import('../ui/print/error.js');
      printError(error, ctx.output);
      exitCode = error.exitCode;
    }
    ctx.output.result();
  }
}

/** What a choice asks for, as the parser would have read it from the command line. */
async function run(choice: Exclude<Choice, 'quit'>, env: RunEnvironment): Promise<number> {
  const { ctx } = env;
  switch (choice) {
    case 'send':
      // Everything missing is asked for by send itself, in order, with the confirmation last.
      return findCommand('send').execute(new Input([], {}), env);
    case 'status': {
      const id = (await ctx.prompter.text({ message: 'Key, requestId or batch id (empty for the most recent)' })).trim();
      return findCommand('status').execute(new Input([id === '' ? undefined : id], {}), env);
    }
    case 'validate': {
      const settings = await ctx.settings();
      const phone = await ctx.prompter.text({
        message: 'Phone number',
        validate: (value) => {
          try {
            parsePhone(value, settings.defaultCountry, 'prompt');
            return undefined;
          } catch (error) {
            return error instanceof AirtimeError ? error.message : String(error);
          }
        },
      });
      const amount = (await ctx.prompter.text({ message: 'Amount (empty to check only the number)' })).trim();
      return findCommand('validate').execute(new Input([phone, amount === '' ? undefined : amount], {}), env);
    }
    case 'stats':
      return findCommand('stats').execute(new Input([], {}), env);
    case 'balance':
      return findCommand('balance').execute(new Input([], {}), env);
    case 'config':
      return findCommand('config init').execute(new Input([], {}), env);
  }
}
