// Builds the commander program. Each action lazy-imports its command module, so `airtime
// --version` loads nothing but commander, and each command loads only what it uses.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Context, GlobalFlags } from './context.js';
import type { Streams } from './ui/output.js';

declare const __AIRTIME_VERSION__: string;
/** Set by the build from package.json; tests that import the source see a placeholder. */
export const VERSION = typeof __AIRTIME_VERSION__ === 'string' ? __AIRTIME_VERSION__ : '0.0.0-dev';

/** Parses argv, runs the command, prints its result; returns the exit code for main.ts to use. */
export async function run(argv: string[], streams: Streams, cwd: string): Promise<number> {
  let exitCode = 0;
  let context: Context | undefined;
  let parserMessage = '';

  const contextFor = async (command: Command): Promise<Context> => {
    const { createContext } = await import('./context.js');
    context ??= createContext(streams, globalFlags(command), cwd);
    return context;
  };
  const finish = (code: number) => {
    exitCode = code;
  };

  const program = new Command('airtime')
    .description("Send mobile airtime through Africa's Talking, and keep a ledger of every transaction.")
    .version(VERSION, '-V, --version', 'print the version')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-q, --quiet', 'print nothing but errors')
    .option('-v, --verbose', "show the HTTP exchange with Africa's Talking (secrets redacted)")
    .option('--no-color', 'no colour, even on a terminal')
    .option('--no-input', 'never prompt; a missing value is an error')
    .option('--debug', 'show stack traces')
    .option('--config <path>', 'use this config file instead of searching (AIRTIME_CONFIG)')
    .option('--profile <name>', 'use a profile from the config file (AIRTIME_PROFILE)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  $ airtime send +254712345678 50
  $ airtime send --file payouts.csv --batch payroll-2026-11 --yes --json | jq '{sent, failed, unknown}'
  $ airtime status --state unknown
  30 8 1 * *  cd /srv/payouts && airtime send --file payouts.csv --batch "payroll-$(date +\\%Y-\\%m)" --yes --json >> payroll.jsonl

Run \`airtime\` alone at a terminal for a guided menu, and \`airtime <command> --help\` for each command.`,
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
      // Parser errors come back through exitOverride and are printed like every other error.
      outputError: (text) => {
        parserMessage = text;
      },
    });

  program
    .command('send')
    .description('send airtime to one phone number')
    .argument('[phone]', 'mobile number, e.g. +254712345678 (or 0712345678 with --country)')
    .argument('[amount]', 'amount in the currency, e.g. 50 or 50.25')
    .option('-c, --currency <code>', "ISO currency; default detected from the number's country")
    .option('--country <CC>', 'country for national numbers like 0712345678 (config defaultCountry)')
    .option('-k, --key <key>', 'idempotency key (1-255 visible ASCII characters); default a new UUID')
    .option('-n, --dry-run', 'validate and show what would be sent; send nothing')
    .option('-y, --yes', 'do not ask for confirmation at a terminal')
    .addOption(new Option('--retries <n>', 'retries after the first attempt for transient failures (default 3)').argParser(wholeNumber))
    .addOption(new Option('--timeout <seconds>', 'per-request timeout (default 30; fractions allowed)').argParser(positiveNumber))
    .addOption(new Option('--max-num-retry <n>', "passed to Africa's Talking as maxNumRetry (1 or more)").argParser(maxNumRetry))
    .option('--force', 'resend a key left unknown past the duplicate window (only after checking it did not arrive)')
    .option('--allow-repeat', 'send even though the same number, amount and currency was paid moments ago (repeatWindow)')
    .option('-f, --file <path|->', 'send to every row of a CSV, JSON or JSON-lines file (- reads stdin)')
    .option('--batch <name>', "name of the batch (default: derived from the file's content)")
    .option('--skip-invalid', 'send the valid rows of a file with invalid ones (exit 3)')
    .option('--allow-duplicates', 'pay rows that repeat a phone, amount and currency')
    .option('--new', 'pay rows matching payments of the last 24 hours again, on purpose')
    .option('--retry-failed', 'resend the failed rows of a batch, under new keys')
    .addOption(new Option('--concurrency <n>', 'requests in flight at once (default 4)').argParser(concurrency))
    .addOption(new Option('--rate <per-second>', 'at most this many requests per second').argParser(positiveNumber))
    .option('--report <file.csv|file.jsonl>', 'write one line per row')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime send 0712345678 50 --country KE --key order-1234 --yes
  $ airtime send "$PHONE" 50 --json | jq -r .requestId
  $ airtime send --file payouts.csv --batch payroll-2026-11 --yes
  0 9 * * 1  airtime send +254712345678 100 --key "weekly-$(date +\\%G-\\%V)" --json >> ~/airtime.log`,
    )
    .action(async (phone: string | undefined, amount: string | undefined, options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      if (typeof options.file === 'string') {
        if (phone !== undefined || amount !== undefined) await usage('give either <phone> <amount> or --file, not both');
        // Each row has its own key and currency (the file's key and currency columns).
        if (options.key !== undefined)
          await usage('--key does not go with --file: give each row its own key in a key column, or let airtime derive them');
        if (options.currency !== undefined) await usage('--currency does not go with --file: use a currency column');
        if (options.allowRepeat !== undefined)
          await usage('--allow-repeat is for single sends: a file paying people again on purpose takes --new');
        const [{ sendFile }, { printBulk }] = await Promise.all([import('./commands/bulk.js'), import('./ui/render.js')]);
        finish(printBulk(await sendFile(options as never, ctx), ctx.output));
        return;
      }
      const [{ send }, { printSend }] = await Promise.all([import('./commands/send.js'), import('./ui/render.js')]);
      const outcome = await send({ phone, amount, ...options }, ctx);
      finish(printSend(outcome, ctx.output));
    });

  program
    .command('validate')
    .description('check a number and amount offline: no credentials, no network')
    .argument('[phone]', 'mobile number')
    .argument('[amount]', 'amount in the currency')
    .option('-c, --currency <code>', 'expected currency')
    .option('--country <CC>', 'country for national numbers')
    .option('-f, --file <path|->', 'check every row of a CSV, JSON or JSON-lines file (- reads stdin)')
    .option('--allow-duplicates', 'do not count rows repeating a phone, amount and currency as problems')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime validate +254712345678 50
  $ airtime validate 0712345678 --country KE --json | jq .phoneNumber
  $ airtime validate --file payouts.csv --json | jq .totals`,
    )
    .action(async (phone: string | undefined, amount: string | undefined, options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      if (typeof options.file === 'string') {
        if (phone !== undefined) await usage('give either <phone> or --file, not both');
        const [{ validateFile }, { printValidateFile }] = await Promise.all([import('./commands/bulk.js'), import('./ui/render.js')]);
        const result = await validateFile(
          { file: options.file, country: options.country as string | undefined, allowDuplicates: Boolean(options.allowDuplicates) },
          ctx,
        );
        finish(printValidateFile(result, ctx.output));
        return;
      }
      const [{ validate }, { printValidate }] = await Promise.all([import('./commands/validate.js'), import('./ui/render.js')]);
      finish(printValidate(await validate({ phone, amount, ...options }, ctx), ctx.output));
    });

  program
    .command('balance')
    .description("the Africa's Talking account balance")
    .addHelpText(
      'after',
      `
Examples:
  $ airtime balance
  $ airtime balance --json | jq -r .amount`,
    )
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ balance }, { printBalance }] = await Promise.all([import('./commands/balance.js'), import('./ui/render.js')]);
      finish(printBalance(await balance(ctx), ctx.output));
    });

  program
    .command('status')
    .description('transactions from the ledger: one by requestId, key or batch id, or the most recent')
    .argument('[id]', 'a requestId, an idempotency key or a batch id')
    .addOption(new Option('--limit <n>', 'how many recent transactions (default 20)').argParser(wholeNumber))
    .option('--since <when>', 'only since then: 7d, 24h, 2026-11-01')
    .addOption(new Option('--state <state>', 'only in this state').choices(['pending', 'sent', 'delivered', 'failed', 'unknown']))
    .option('--reference <ref>', 'only with this reference')
    .option('--refresh', "ask Africa's Talking about transactions that are not final, and record the answer")
    .option('--wait', 'poll until every transaction is delivered or failed (exit 0, 1, or 5 if still not final)')
    .addOption(new Option('--wait-timeout <seconds>', 'how long --wait waits (default 300)').argParser(positiveNumber))
    .option('--all-environments', 'sandbox and live, not just the current one')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime status
  $ airtime status order-1234 --refresh
  $ airtime status payroll-2026-11 --json | jq -r '.transactions[] | select(.state != "sent") | .phoneNumber'
  $ airtime status ATQid_1be914ac47845eef1a1dab5d89ec50ff --wait --wait-timeout 120`,
    )
    .action(async (id: string | undefined, options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ status }, { printStatus }] = await Promise.all([import('./commands/status.js'), import('./ui/render.js')]);
      finish(printStatus(await status({ id, ...options }, ctx), ctx.output));
    });

  program
    .command('reconcile')
    .description("settle an unknown transaction by hand, after checking Africa's Talking's dashboard")
    .argument('<key>', 'the idempotency key')
    .requiredOption('--as <state>', 'what happened: sent or failed')
    .option('--request-id <id>', "Africa's Talking's requestId, when it was sent")
    .option('--note <text>', 'why, for the record')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime reconcile order-1234 --as sent --request-id ATQid_1be914ac47845eef1a1dab5d89ec50ff
  $ airtime reconcile order-1234 --as failed --note "not in the AT dashboard on 2026-11-27"`,
    )
    .action(async (key: string, options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ reconcile }, { printReconcile }] = await Promise.all([import('./commands/reconcile.js'), import('./ui/render.js')]);
      finish(printReconcile(await reconcile({ key, ...(options as { as: string }) }, ctx), ctx.output));
    });

  program
    .command('stats')
    .description('what was sent, delivered and failed, per currency and per day')
    .option('--since <when>', 'from: 7d, 24h, 2026-11-01')
    .option('--until <when>', 'until (exclusive): 2026-11-30')
    .option('--currency <code>', 'one currency only')
    .option('--all-environments', 'sandbox and live, not just the current one')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime stats --since 7d
  $ airtime stats --since 2026-11-01 --until 2026-12-01 --json | jq .byCurrency`,
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ stats }, { printStats }] = await Promise.all([import('./commands/stats.js'), import('./ui/render.js')]);
      finish(printStats(await stats(options, ctx), ctx.output));
    });

  program
    .command('export')
    .description('every transaction of a period with its final state, for accounting')
    .option('--since <when>', 'from: 30d, 2026-11-01')
    .option('--until <when>', 'until (exclusive)')
    .addOption(new Option('--format <format>', 'csv or jsonl (default csv, or jsonl for a .jsonl --output)').choices(['csv', 'jsonl']))
    .option('--output <file>', 'write to a file (mode 0600) instead of stdout')
    .option('--all-environments', 'sandbox and live, not just the current one')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime export --since 2026-11-01 --until 2026-12-01 --output november.csv
  $ airtime export --format jsonl | jq -r 'select(.state == "failed") | .phoneNumber'`,
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ exportTransactions }, { printExport }] = await Promise.all([import('./commands/export.js'), import('./ui/render.js')]);
      finish(printExport(await exportTransactions(options, ctx), ctx.output));
    });

  // serve: owned by src/commands/serve.ts (issue 7).
  program
    .command('serve')
    .description("receive Africa's Talking's status and validation callbacks (and, with --enable-send, POST /send)")
    .addOption(new Option('--port <port>', 'port to listen on').default(8787).argParser(port))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token <token>', 'shared secret callbacks carry as ?token= (AIRTIME_WEBHOOK_TOKEN)')
    .option('--insecure-no-token', 'accept callbacks without a token (never with --enable-send)')
    .option('--enable-send', 'also serve POST /send, behind Authorization: Bearer <token>')
    .addHelpText(
      'after',
      `
Examples:
  $ export AIRTIME_WEBHOOK_TOKEN="$(openssl rand -hex 32)"
  $ airtime serve --port 8787          # callbacks at /callbacks/status?token=… and /callbacks/validation?token=…
  $ airtime serve --host 0.0.0.0 --enable-send --json 2>>serve.jsonl   # behind a TLS proxy; JSON log lines
  $ curl -X POST http://127.0.0.1:8787/send -H "Authorization: Bearer $AIRTIME_WEBHOOK_TOKEN" \\
      -H 'Content-Type: application/json' -H 'Idempotency-Key: order-1234' -d '{"phone":"+254712345678","amount":"50"}'`,
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const { serve } = await import('./commands/serve.js');
      finish(await serve(options as never, ctx));
    });

  // config and completion: owned by src/commands/config.ts and src/commands/completion.ts (issue 5).
  const config = program
    .command('config')
    .description('set up, show and locate the configuration, and store the API key')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime config init
  $ airtime config show
  $ airtime config path`,
    );

  config
    .command('init')
    .description('write .airtimerc here (or the user config with --global), asking at a terminal for what no flag gives')
    .option('--global', 'write the user config ($XDG_CONFIG_HOME/airtime/config.json) instead of .airtimerc here')
    .option('--username <name>', 'the Africa\'s Talking username ("sandbox" for the sandbox)')
    // The choices are for --help and completion; the command itself explains a refusal best.
    .addOption(
      new Option(
        '--key-source <where>',
        'where the API key lives: env (AT_API_KEY), file (--key-file) or user (the user config; key from stdin)',
      )
        .choices(['env', 'file', 'user'])
        .argParser(String),
    )
    .option('--key-file <path>', 'the file holding the key (written 0600 from stdin when missing); implies --key-source file')
    .option('--default-country <CC>', 'country for national numbers like 0712345678')
    .option('--per-recipient <limits>', 'most one recipient may get, e.g. KES=5000,UGX=100000 (repeatable)', collect)
    .option('--daily <limits>', 'most sent in any 24 hours, e.g. KES=50000 (repeatable)', collect)
    .option('--force', 'overwrite an existing file without asking')
    .addHelpText(
      'after',
      `
The API key is never a flag (flags leak into shell history and ps) and never goes in a project file
(it ends up in git): it stays in AT_API_KEY, in a key file, or in the user config, mode 0600.

Examples:
  $ airtime config init
  $ airtime config init --username sandbox --key-source env --default-country KE
  $ printf '%s' "$AT_API_KEY" | airtime config init --global --username my-app --key-source user --force
  $ airtime config init --username my-app --key-file ~/.config/airtime/live-key --daily KES=50000`,
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ configInit }, { printConfigInit }] = await Promise.all([import('./commands/config.js'), import('./ui/render.js')]);
      finish(printConfigInit(await configInit(options, ctx), ctx.output));
    });

  config
    .command('set-key')
    .description(
      "store or replace the API key in the user config (mode 0600), from a hidden prompt or stdin; with --profile, that profile's key",
    )
    .addHelpText(
      'after',
      `
Examples:
  $ airtime config set-key
  $ printf '%s' "$AT_API_KEY" | airtime config set-key
  $ pass show airtime/live | airtime --profile live config set-key`,
    )
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ configSetKey }, { printConfigSetKey }] = await Promise.all([import('./commands/config.js'), import('./ui/render.js')]);
      finish(printConfigSetKey(await configSetKey(ctx), ctx.output));
    });

  config
    .command('show')
    .description('the resolved configuration, with where each value came from (the API key redacted)')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime config show
  $ airtime --profile live config show
  $ airtime config show --json | jq -r .values.apiKey.source`,
    )
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ configShow }, { printConfigShow }] = await Promise.all([import('./commands/config.js'), import('./ui/render.js')]);
      finish(printConfigShow(await configShow(ctx), ctx.output));
    });

  config
    .command('path')
    .description('the config files searched, in order, which exist and which are read; and the ledger')
    .addHelpText(
      'after',
      `
Examples:
  $ airtime config path
  $ airtime config path --json | jq -r '.files[] | select(.loaded) | .path'`,
    )
    .action(async (_options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ configPath }, { printConfigPath }] = await Promise.all([import('./commands/config.js'), import('./ui/render.js')]);
      finish(printConfigPath(await configPath(ctx), ctx.output));
    });

  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      `
Examples:
  $ airtime completion bash > ~/.local/share/bash-completion/completions/airtime
  $ airtime completion zsh > ~/.zfunc/_airtime
  $ airtime completion fish > ~/.config/fish/completions/airtime.fish`,
    )
    .action(async (shell: string, _options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const [{ completion }, { printCompletion }] = await Promise.all([import('./commands/completion.js'), import('./ui/render.js')]);
      finish(printCompletion(completion(shell, program), ctx.output));
    });

  program
    .command('emulator')
    .description("run a local Africa's Talking for trying the tool and for tests")
    .addOption(new Option('--port <port>', 'port to listen on; 0 picks a free one').default(8788).argParser(port))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(new Option('--duplicate-window <seconds>', 'duplicate window (default 300)').argParser(positiveNumber))
    .addOption(new Option('--latency <ms>', 'delay before every answer').argParser(wholeNumber))
    .option('--balance <money>', 'opening balance, e.g. "KES 100000"')
    .addOption(
      new Option(
        '--balance-format <format>',
        'how the balance is written: plain (KES 1234.5000, as the live API) or separators (KES 1,234.5000)',
      )
        .choices(['plain', 'separators'])
        .default('plain'),
    )
    .addOption(new Option('--fault-rate <0..1>', 'share of send requests given a random fault').argParser(fraction))
    .option('--faults <list>', 'faults to draw from: 500,429,reset,stall,hang,malformed,drop')
    .option('--fault-script <list>', 'faults for the next send requests, in order (ok for a normal answer)')
    .addOption(new Option('--seed <n>', 'seed of the fault dice').argParser(wholeNumber))
    .addOption(new Option('--retry-after <seconds>', 'Retry-After of a 429 (default 1)').argParser(wholeNumber))
    .addOption(new Option('--duplicate-status <code>', 'HTTP status of the duplicate answer (default 409)').argParser(wholeNumber))
    .option('--airtime-disabled', 'answer every send with "Airtime is not enabled for this account"')
    .option('--callback-url <url>', 'POST status callbacks here after each accepted send')
    .addOption(new Option('--callback-format <format>', 'callback body encoding').choices(['form', 'json']).default('form'))
    .addOption(new Option('--delivery-delay <seconds>', 'time from acceptance to delivery (default 1)').argParser(nonNegativeNumber))
    .addOption(new Option('--delivery-failure-rate <0..1>', 'share of deliveries that fail').argParser(fraction))
    .option('--validation-url <url>', 'ask this URL about each recipient before accepting it (the validation callback)')
    .addOption(
      new Option('--validation-timeout <seconds>', 'how long the validation callback may take (default 5)').argParser(positiveNumber),
    )
    .addHelpText(
      'after',
      `
Examples:
  $ airtime emulator --port 0
  $ eval "$(airtime emulator | head -n 1)"   # in one shell; then, in another:
  $ AIRTIME_API_URL=http://127.0.0.1:8788 AT_USERNAME=sandbox AT_API_KEY=test airtime send +254712345678 50`,
    )
    .action(async (options: Record<string, unknown>, command: Command) => {
      const ctx = await contextFor(command);
      const { emulator } = await import('./commands/emulator.js');
      await emulator(options as never, ctx);
      finish(0);
    });

  try {
    if (argv.length === 0) {
      // A person at a terminal gets the guided menu; a script gets the help and a usage error.
      const ctx = await contextFor(program);
      if (!ctx.output.interactive) {
        streams.stderr.write(program.helpInformation());
        return 2;
      }
      const { menu } = await import('./commands/menu.js');
      return await menu(ctx);
    }
    await parse(program, argv, () => parserMessage);
    return exitCode;
  } finally {
    context?.close();
  }
}

/** Runs the parser; its own errors (unknown option, bad value) become usage errors, exit 2. */
async function parse(program: Command, argv: string[], parserMessage: () => string): Promise<void> {
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    // A command of subcommands given none (`airtime config`) prints its help as an error: exit 2.
    if (error.code === 'commander.help' && error.exitCode !== 0) await usage('a subcommand is needed (listed above)');
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return;
    const { AirtimeError } = await import('./core/errors.js');
    const message = parserMessage() || error.message;
    throw new AirtimeError('USAGE', usageMessage(message), { hint: usageHint(message) });
  }
}

async function usage(message: string): Promise<never> {
  const { AirtimeError } = await import('./core/errors.js');
  throw new AirtimeError('USAGE', message);
}

function globalFlags(command: Command): GlobalFlags {
  const all = command.optsWithGlobals<Record<string, unknown>>();
  return {
    json: Boolean(all.json),
    quiet: Boolean(all.quiet),
    verbose: Boolean(all.verbose),
    color: all.color !== false,
    input: all.input !== false,
    debug: Boolean(all.debug),
    config: all.config as string | undefined,
    profile: all.profile as string | undefined,
  };
}

function usageMessage(text: string): string {
  return text.trim().replace(/^error:\s*/, '');
}

function usageHint(text: string): string {
  // commander reads "-5" as an option: say what the person most likely meant.
  if (/unknown option '-\d/.test(text)) return 'amounts must be positive; run `airtime send --help` for usage';
  return 'run `airtime --help` for usage';
}

function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number, 0 or more.');
  return Number(value);
}

/**
 * Africa's Talking's own delivery retries. 0 is refused: the official SDK drops it (it sends only a
 * positive value), and whether Africa's Talking reads it as "none" or as its default is not
 * documented, so a failed delivery could be retried for hours by a send this tool thought final.
 */
function maxNumRetry(value: string): number {
  const number = wholeNumber(value);
  if (number === 0) throw new InvalidArgumentError("0 is refused: omit the flag for Africa's Talking's default.");
  return number;
}

function positiveNumber(value: string): number {
  const number = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || !(number > 0)) throw new InvalidArgumentError('expected a number above 0.');
  return number;
}

function nonNegativeNumber(value: string): number {
  if (!/^\d*\.?\d+$/.test(value)) throw new InvalidArgumentError('expected a number, 0 or more.');
  return Number(value);
}

function concurrency(value: string): number {
  const number = wholeNumber(value);
  if (number < 1 || number > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return number;
}

function fraction(value: string): number {
  const number = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || number > 1) throw new InvalidArgumentError('expected a number from 0 to 1.');
  return number;
}

/** For repeatable options: every value given, in order. */
function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function port(value: string): number {
  const number = wholeNumber(value);
  if (number > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535.');
  return number;
}
