// `airtime` alone at a terminal: a guided menu over the everyday commands, for people who do not
// want to remember flags. Each choice asks for what it needs, checked as it is typed, with the same
// rules as the command line.
import type { Context } from '../context.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { parsePhone } from '../core/phone.js';
import { printBalance, printConfigInit, printError, printSend, printStats, printStatus, printValidate } from '../ui/render.js';

type Choice = 'send' | 'status' | 'validate' | 'stats' | 'balance' | 'config' | 'quit';

export async function menu(ctx: Context): Promise<number> {
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
      exitCode = await run(choice, ctx);
    } catch (error) {
      // Ctrl-C ends the whole session; any other error is shown and the menu comes back.
      if (!(error instanceof AirtimeError) || error.code === 'INTERRUPTED') throw error;
      printError(error, ctx.output);
      exitCode = error.exitCode;
    }
    ctx.output.result();
  }
}

async function run(choice: Exclude<Choice, 'quit'>, ctx: Context): Promise<number> {
  switch (choice) {
    case 'send': {
      const { send } = await import('./send.js');
      return printSend(await send({}, ctx), ctx.output);
    }
    case 'status': {
      const id = await ctx.prompter.text({ message: 'Key, requestId or batch id (empty for the most recent)' });
      const { status } = await import('./status.js');
      return printStatus(await status({ id: id.trim() === '' ? undefined : id.trim() }, ctx), ctx.output);
    }
    case 'validate': {
      const settings = await ctx.settings();
      const phone = await ctx.prompter.text({
        message: 'Phone number',
        validate: (value) => {
          try {
            parsePhone(value, settings.defaultCountry);
            return undefined;
          } catch (error) {
            return error instanceof AirtimeError ? error.message : String(error);
          }
        },
      });
      const amount = await ctx.prompter.text({ message: 'Amount (empty to check only the number)' });
      const { validate } = await import('./validate.js');
      return printValidate(await validate({ phone, amount: amount.trim() === '' ? undefined : amount }, ctx), ctx.output);
    }
    case 'stats': {
      const { stats } = await import('./stats.js');
      return printStats(await stats({}, ctx), ctx.output);
    }
    case 'balance': {
      const { balance } = await import('./balance.js');
      return printBalance(await balance(ctx), ctx.output);
    }
    case 'config': {
      const { configInit } = await import('./config.js');
      return printConfigInit(await configInit({}, ctx), ctx.output);
    }
  }
}
