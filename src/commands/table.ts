// The command table: every command's name, arguments, options, help examples, how its typed
// options are read, which module runs it and which printer prints it. src/cli.ts builds the parser
// from it and the guided menu runs commands through it; each module is loaded only when its command
// runs, so `airtime validate` loads nothing of `send --file`, `serve` or the emulator.
import { HELP_TOPICS } from '../results/help.js';
import type { Output } from '../ui/output.js';
import type { Context } from './context.js';

/** How a flag's value is read and checked (src/cli.ts holds the parsers). */
export type ValueKind = 'text' | 'whole' | 'positive' | 'nonNegative' | 'fraction' | 'concurrency' | 'port' | 'maxNumRetry' | 'list';

export interface OptionSpec {
  /** commander's form: '-c, --currency <code>', '--yes', '--no-input'. */
  flags: string;
  description: string;
  value?: ValueKind;
  choices?: readonly string[];
  default?: string | number;
  required?: boolean;
}

export interface ArgumentSpec {
  /** '<key>' (required), '[phone]' (optional) or '[words...]' (any number). */
  name: string;
  description: string;
  choices?: readonly string[];
  /** How its values are read: after the choices, so 'list' keeps them for --help and completion only. */
  value?: ValueKind;
}

/** What the parser read for one run of a command: its arguments and its options, untyped. */
export class Input {
  constructor(
    /** Each argument's value; a variadic one's ('[topic...]') is a list. */
    readonly args: readonly (string | readonly string[] | undefined)[],
    private readonly opts: Readonly<Record<string, unknown>>,
  ) {}

  arg(index: number): string | undefined {
    const value = this.args[index];
    return typeof value === 'string' ? value : undefined;
  }

  /** The values of a variadic argument: none when none was given. */
  words(index: number): string[] {
    const value = this.args[index];
    return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
  }

  string(name: string): string | undefined {
    const value = this.opts[name];
    return typeof value === 'string' ? value : undefined;
  }

  number(name: string): number | undefined {
    const value = this.opts[name];
    return typeof value === 'number' ? value : undefined;
  }

  flag(name: string): boolean | undefined {
    const value = this.opts[name];
    return value === undefined ? undefined : Boolean(value);
  }

  list(name: string): string[] | undefined {
    const value = this.opts[name];
    return Array.isArray(value) ? value.map(String) : undefined;
  }

  has(name: string): boolean {
    return this.opts[name] !== undefined;
  }
}

/** What runs a command: its context, and the parser's program (for `completion`). */
export interface RunEnvironment {
  ctx: Context;
  program: unknown;
}

export interface CommandSpec {
  /** 'send', or 'config init' for a subcommand. */
  name: string;
  summary: string;
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  /** Text before the examples in --help. */
  help?: string;
  /** Each example as --help shows it after "$ " (a crontab line is shown without it). */
  examples?: readonly string[];
  /** Parses, runs and prints; returns the exit code for src/main.ts. */
  execute(input: Input, env: RunEnvironment): Promise<number>;
}

/**
 * A command from its typed parts: `options` reads the parser's input into the command's own
 * options type, `load` imports the module that runs it, `printer` the one that prints its result.
 */
function command<O, R extends { exitCode: number }>(spec: {
  name: string;
  summary: string;
  arguments?: readonly ArgumentSpec[];
  options?: readonly OptionSpec[];
  help?: string;
  examples?: readonly string[];
  read: (input: Input) => O;
  load: () => Promise<(options: O, env: RunEnvironment) => Promise<R>>;
  printer: () => Promise<(result: R, output: Output) => void | Promise<void>>;
}): CommandSpec {
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.arguments ? { arguments: spec.arguments } : {}),
    ...(spec.options ? { options: spec.options } : {}),
    ...(spec.help ? { help: spec.help } : {}),
    ...(spec.examples ? { examples: spec.examples } : {}),
    async execute(input, env) {
      const options = spec.read(input);
      const [run, print] = await Promise.all([spec.load(), spec.printer()]);
      const result = await run(options, env);
      await print(result, env.ctx.output);
      return result.exitCode;
    },
  };
}

const sendPrinter = () => import('../ui/print/send.js');
const ledgerPrinter = () => import('../ui/print/ledger.js');
const configPrinter = () => import('../ui/print/config.js');
const bulkPrinter = () => import('../ui/print/bulk.js');

const ALL_ENVIRONMENTS: OptionSpec = { flags: '--all-environments', description: 'sandbox and live, not just the current one' };

type SendRun =
  | { file: true; outcome: import('../results/bulk.js').BulkOutcome; exitCode: number }
  | { file: false; outcome: import('../results/send.js').SendOutcome; exitCode: number };

export const COMMANDS: readonly CommandSpec[] = [
  command({
    name: 'send',
    summary: 'send airtime to one phone number',
    arguments: [
      { name: '[phone]', description: 'mobile number, e.g. +254712345678 (or 0712345678 with --country)' },
      { name: '[amount]', description: 'amount in the currency, e.g. 50 or 50.25' },
    ],
    options: [
      { flags: '-c, --currency <code>', description: "ISO currency; default detected from the number's country" },
      { flags: '--country <CC>', description: 'country for national numbers like 0712345678 (config defaultCountry)' },
      { flags: '-k, --key <key>', description: 'idempotency key (1-255 visible ASCII characters); default a new UUID' },
      { flags: '-n, --dry-run', description: 'validate and show what would be sent; send nothing' },
      { flags: '-y, --yes', description: 'do not ask for confirmation at a terminal' },
      { flags: '--retries <n>', description: 'retries after the first attempt for transient failures (default 3)', value: 'whole' },
      { flags: '--timeout <seconds>', description: 'per-request timeout (default 30; fractions allowed)', value: 'positive' },
      { flags: '--max-num-retry <n>', description: "passed to Africa's Talking as maxNumRetry (1 or more)", value: 'maxNumRetry' },
      { flags: '--force', description: 'resend a key left unknown past the duplicate window (only after checking it did not arrive)' },
      { flags: '--allow-repeat', description: 'send even though the same number, amount and currency was paid moments ago (repeatWindow)' },
      { flags: '-f, --file <path|->', description: 'send to every row of a CSV, JSON or JSON-lines file (- reads stdin)' },
      { flags: '--batch <name>', description: "name of the batch (default: derived from the file's content)" },
      { flags: '--skip-invalid', description: 'send the valid rows of a file with invalid ones (exit 3)' },
      { flags: '--allow-duplicates', description: 'pay rows that repeat a phone, amount and currency' },
      { flags: '--new', description: 'pay rows matching payments of the last 24 hours again, on purpose' },
      { flags: '--retry-failed', description: 'resend the failed rows of a batch, under new keys' },
      { flags: '--concurrency <n>', description: 'requests in flight at once (default 4)', value: 'concurrency' },
      { flags: '--rate <per-second>', description: 'at most this many requests per second', value: 'positive' },
      { flags: '--report <file.csv|file.jsonl>', description: 'write one line per row' },
    ],
    examples: [
      '$ airtime send 0712345678 50 --country KE --key order-1234 --yes',
      '$ airtime send "$PHONE" 50 --json | jq -r .requestId',
      '$ airtime send --file payouts.csv --batch payroll-2026-11 --yes',
      '0 9 * * 1  airtime send +254712345678 100 --key "weekly-$(date +\\%G-\\%V)" --json >> ~/airtime.log',
    ],
    read: (input) => ({
      phone: input.arg(0),
      amount: input.arg(1),
      currency: input.string('currency'),
      country: input.string('country'),
      key: input.string('key'),
      dryRun: input.flag('dryRun'),
      yes: input.flag('yes'),
      retries: input.number('retries'),
      timeout: input.number('timeout'),
      maxNumRetry: input.number('maxNumRetry'),
      force: input.flag('force'),
      allowRepeat: input.flag('allowRepeat'),
      file: input.string('file'),
      batch: input.string('batch'),
      skipInvalid: input.flag('skipInvalid'),
      allowDuplicates: input.flag('allowDuplicates'),
      new: input.flag('new'),
      retryFailed: input.flag('retryFailed'),
      concurrency: input.number('concurrency'),
      rate: input.number('rate'),
      report: input.string('report'),
    }),
    load: async () => {
      const [{ send }, { usage }] = await Promise.all([import('./send.js'), import('./usage.js')]);
      return async ({ file, ...options }, { ctx }): Promise<SendRun> => {
        if (file === undefined) {
          const outcome = await send(options, ctx);
          return { file: false, outcome, exitCode: outcome.exitCode };
        }
        // The bulk engine is loaded only for a file: a single send does not pay for it.
        const { sendFile } = await import('./bulk.js');
        if (options.phone !== undefined || options.amount !== undefined) usage('give either <phone> <amount> or --file, not both');
        // Each row has its own key and currency (the file's key and currency columns).
        if (options.key !== undefined) {
          usage('--key does not go with --file: give each row its own key in a key column, or let airtime derive them');
        }
        if (options.currency !== undefined) usage('--currency does not go with --file: use a currency column');
        if (options.allowRepeat !== undefined)
          usage('--allow-repeat is for single sends: a file paying people again on purpose takes --new');
        const outcome = await sendFile({ ...options, file }, ctx);
        return { file: true, outcome, exitCode: outcome.exitCode };
      };
    },
    printer: async () => {
      const { printSend } = await sendPrinter();
      return async (run, output) => (run.file ? (await bulkPrinter()).printBulk(run.outcome, output) : printSend(run.outcome, output));
    },
  }),
  command({
    name: 'validate',
    summary: 'check a number and amount offline: no credentials, no network',
    arguments: [
      { name: '[phone]', description: 'mobile number' },
      { name: '[amount]', description: 'amount in the currency' },
    ],
    options: [
      { flags: '-c, --currency <code>', description: 'expected currency' },
      { flags: '--country <CC>', description: 'country for national numbers' },
      { flags: '-f, --file <path|->', description: 'check every row of a CSV, JSON or JSON-lines file (- reads stdin)' },
      { flags: '--allow-duplicates', description: 'do not count rows repeating a phone, amount and currency as problems' },
    ],
    examples: [
      '$ airtime validate +254712345678 50',
      '$ airtime validate 0712345678 --country KE --json | jq .phoneNumber',
      '$ airtime validate --file payouts.csv --json | jq .totals',
    ],
    read: (input) => ({
      phone: input.arg(0),
      amount: input.arg(1),
      currency: input.string('currency'),
      country: input.string('country'),
      file: input.string('file'),
      allowDuplicates: input.flag('allowDuplicates'),
    }),
    load: async () => {
      const [{ validate }, { usage }] = await Promise.all([import('./validate.js'), import('./usage.js')]);
      type Run =
        | { file: true; result: import('../results/bulk.js').ValidateFileResult; exitCode: number }
        | { file: false; result: import('../results/send.js').ValidateResult; exitCode: number };
      return async ({ file, allowDuplicates, ...options }, { ctx }): Promise<Run> => {
        if (file === undefined) {
          const result = await validate(options, ctx);
          return { file: false, result, exitCode: result.exitCode };
        }
        if (options.phone !== undefined) usage('give either <phone> or --file, not both');
        const { validateFile } = await import('./bulk.js');
        const result = await validateFile({ file, country: options.country, allowDuplicates }, ctx);
        return { file: true, result, exitCode: result.exitCode };
      };
    },
    printer: async () => {
      const { printValidate } = await sendPrinter();
      return async (run, output) =>
        run.file ? (await bulkPrinter()).printValidateFile(run.result, output) : printValidate(run.result, output);
    },
  }),
  command({
    name: 'balance',
    summary: "the Africa's Talking account balance",
    examples: ['$ airtime balance', '$ airtime balance --json | jq -r .amount'],
    read: () => ({}),
    load: async () => {
      const { balance } = await import('./balance.js');
      return (_options, { ctx }) => balance(ctx);
    },
    printer: async () => (await sendPrinter()).printBalance,
  }),
  command({
    name: 'status',
    summary: 'transactions from the ledger: one by requestId, key or batch id, or the most recent',
    arguments: [{ name: '[id]', description: 'a requestId, an idempotency key or a batch id' }],
    options: [
      { flags: '--limit <n>', description: 'how many recent transactions (default 20)', value: 'whole' },
      { flags: '--since <when>', description: 'only since then: today, yesterday, 2026-11-01 (local days) or 7d, 24h' },
      { flags: '--state <state>', description: 'only in this state', choices: ['pending', 'sent', 'delivered', 'failed', 'unknown'] },
      { flags: '--reference <ref>', description: 'only with this reference' },
      { flags: '--refresh', description: "ask Africa's Talking about transactions that are not final, and record the answer" },
      { flags: '--wait', description: 'poll until every transaction is delivered or failed (exit 0, 1, or 5 if still not final)' },
      { flags: '--wait-timeout <seconds>', description: 'how long --wait waits (default 300)', value: 'positive' },
      { flags: '--wide', description: 'at a terminal, every column in full instead of fitting its width' },
      ALL_ENVIRONMENTS,
    ],
    examples: [
      '$ airtime status',
      '$ airtime status order-1234 --refresh',
      `$ airtime status payroll-2026-11 --json | jq -r '.transactions[] | select(.state != "sent") | .phoneNumber'`,
      '$ airtime status ATQid_1be914ac47845eef1a1dab5d89ec50ff --wait --wait-timeout 120',
    ],
    read: (input) => ({
      id: input.arg(0),
      limit: input.number('limit'),
      since: input.string('since'),
      state: input.string('state'),
      reference: input.string('reference'),
      refresh: input.flag('refresh'),
      wait: input.flag('wait'),
      waitTimeout: input.number('waitTimeout'),
      allEnvironments: input.flag('allEnvironments'),
      wide: input.flag('wide'),
    }),
    load: async () => {
      const { status } = await import('./status.js');
      return (options, { ctx }) => status(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printStatus,
  }),
  command({
    name: 'reconcile',
    summary: "settle an unknown transaction by hand, after checking Africa's Talking's dashboard",
    arguments: [{ name: '<key>', description: 'the idempotency key' }],
    options: [
      { flags: '--as <state>', description: 'what happened: sent or failed', required: true },
      { flags: '--request-id <id>', description: "Africa's Talking's requestId, when it was sent" },
      { flags: '--note <text>', description: 'why, for the record' },
    ],
    examples: [
      '$ airtime reconcile order-1234 --as sent --request-id ATQid_1be914ac47845eef1a1dab5d89ec50ff',
      '$ airtime reconcile order-1234 --as failed --note "not in the AT dashboard on 2026-11-27"',
    ],
    read: (input) => ({
      key: input.arg(0) ?? '',
      as: input.string('as') ?? '',
      requestId: input.string('requestId'),
      note: input.string('note'),
    }),
    load: async () => {
      const { reconcile } = await import('./reconcile.js');
      return (options, { ctx }) => reconcile(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printReconcile,
  }),
  command({
    name: 'stats',
    summary: 'what was sent, delivered and failed, per currency and per day',
    options: [
      { flags: '--since <when>', description: 'from: today, yesterday, 2026-11-01 (local days) or 7d, 24h' },
      { flags: '--until <when>', description: 'until (exclusive): today, 2026-11-30' },
      { flags: '--currency <code>', description: 'one currency only' },
      ALL_ENVIRONMENTS,
    ],
    examples: ['$ airtime stats --since 7d', '$ airtime stats --since 2026-11-01 --until 2026-12-01 --json | jq .byCurrency'],
    read: (input) => ({
      since: input.string('since'),
      until: input.string('until'),
      currency: input.string('currency'),
      allEnvironments: input.flag('allEnvironments'),
    }),
    load: async () => {
      const { stats } = await import('./stats.js');
      return (options, { ctx }) => stats(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printStats,
  }),
  command({
    name: 'export',
    summary: 'every transaction of a period with its final state, for accounting',
    options: [
      { flags: '--since <when>', description: 'from: yesterday, 2026-11-01 (local days) or 30d' },
      { flags: '--until <when>', description: 'until (exclusive): today, 2026-12-01' },
      { flags: '--format <format>', description: 'csv or jsonl (default csv, or jsonl for a .jsonl --output)', choices: ['csv', 'jsonl'] },
      { flags: '--output <file>', description: 'write to a file (mode 0600) instead of stdout' },
      ALL_ENVIRONMENTS,
    ],
    examples: [
      '$ airtime export --since 2026-11-01 --until 2026-12-01 --output november.csv',
      `$ airtime export --format jsonl | jq -r 'select(.state == "failed") | .phoneNumber'`,
    ],
    read: (input) => ({
      since: input.string('since'),
      until: input.string('until'),
      format: input.string('format'),
      output: input.string('output'),
      allEnvironments: input.flag('allEnvironments'),
    }),
    load: async () => {
      const { exportTransactions } = await import('./export.js');
      return (options, { ctx }) => exportTransactions(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printExport,
  }),
  command({
    name: 'doctor',
    summary: 'check the setup as a send would meet it: config files, credentials, the API, the clock, proxies, the ledger',
    help: 'Sends nothing and writes nothing. Exit 0 when nothing would stop a send (warnings aside), 4 when something would.',
    examples: ['$ airtime doctor', `$ airtime doctor --json | jq -r '.checks[] | select(.status == "fail") | .message'`],
    read: () => ({}),
    load: async () => {
      const { doctor } = await import('./doctor.js');
      return (_options, { ctx }) => doctor(ctx);
    },
    printer: async () => (await import('../ui/print/doctor.js')).printDoctor,
  }),
  command({
    name: 'serve',
    summary: "receive Africa's Talking's status and validation callbacks (and, with --enable-send, POST /send)",
    options: [
      { flags: '--port <port>', description: 'port to listen on', value: 'port', default: 8787 },
      { flags: '--host <host>', description: 'address to listen on', default: '127.0.0.1' },
      { flags: '--token <token>', description: 'shared secret callbacks carry as ?token= (AIRTIME_WEBHOOK_TOKEN)' },
      { flags: '--insecure-no-token', description: 'accept callbacks without a token (never with --enable-send)' },
      { flags: '--enable-send', description: 'also serve POST /send, behind Authorization: Bearer <token>' },
    ],
    examples: [
      '$ export AIRTIME_WEBHOOK_TOKEN="$(openssl rand -hex 32)"',
      '$ airtime serve --port 8787          # callbacks at /callbacks/status?token=… and /callbacks/validation?token=…',
      '$ airtime serve --host 0.0.0.0 --enable-send --json 2>>serve.jsonl   # behind a TLS proxy; JSON log lines',
      `$ curl -X POST http://127.0.0.1:8787/send -H "Authorization: Bearer $AIRTIME_WEBHOOK_TOKEN" \\\n      -H 'Content-Type: application/json' -H 'Idempotency-Key: order-1234' -d '{"phone":"+254712345678","amount":"50"}'`,
    ],
    read: (input) => ({
      port: input.number('port') ?? 8787,
      host: input.string('host') ?? '127.0.0.1',
      token: input.string('token'),
      insecureNoToken: input.flag('insecureNoToken'),
      enableSend: input.flag('enableSend'),
    }),
    load: async () => {
      const { serve } = await import('./serve.js');
      return (options, { ctx }) => serve(options, ctx);
    },
    printer: async () => () => {},
  }),
  {
    name: 'ledger',
    summary: 'move a SQLite ledger into a shared PostgreSQL one, or back it up',
    examples: [
      "$ airtime ledger migrate --to 'postgres://airtime@db.internal:5432/payouts?sslmode=verify-full'",
      '$ airtime ledger backup ~/ledger-$(date +%F).db',
    ],
    execute: async () => {
      throw new Error('ledger runs through its subcommands');
    },
  },
  command({
    name: 'ledger migrate',
    summary: "copy this host's SQLite ledger into the shared PostgreSQL ledger, check it, and retire the file",
    options: [
      { flags: '--to <url>', description: 'the shared ledger: postgres://user@host:5432/db', required: true },
      { flags: '--from <file>', description: "another host's SQLite ledger file to merge in (default this host's)" },
    ],
    help: `Holds this ledger's write lock while it copies, refuses while a send of this host is in flight,
copies in one transaction (a re-run after a kill starts over; one after success copies nothing twice),
compares counts and amounts per state and currency, and then marks the file as moved: a send through it
exits 4 naming the shared ledger. Keys the shared ledger already has, and payments of one number and
amount on one day from two hosts, are reported, not copied twice.`,
    examples: [
      "$ airtime ledger migrate --to 'postgres://airtime@db.internal:5432/payouts'",
      "$ airtime ledger migrate --from ./host-b-ledger.db --to 'postgres://airtime@db.internal:5432/payouts'",
    ],
    read: (input) => ({ to: input.string('to') ?? '', from: input.string('from') }),
    load: async () => {
      const { migrateCommand } = await import('./ledger.js');
      return (options, { ctx }) => migrateCommand(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printMigrate,
  }),
  command({
    name: 'ledger backup',
    summary: 'an online copy of the SQLite ledger, safe while sends are running (PostgreSQL: pg_dump)',
    arguments: [{ name: '<file>', description: 'where to write the copy (mode 0600)' }],
    options: [{ flags: '--force', description: 'replace the file if it exists' }],
    examples: ['$ airtime ledger backup ~/ledger-$(date +%F).db'],
    read: (input) => ({ file: input.arg(0) ?? '', force: input.flag('force') }),
    load: async () => {
      const { backupCommand } = await import('./ledger.js');
      return (options, { ctx }) => backupCommand(options, ctx);
    },
    printer: async () => (await ledgerPrinter()).printBackup,
  }),
  {
    name: 'config',
    summary: 'set up, change, show and locate the configuration, and store the API key',
    examples: ['$ airtime config init', '$ airtime config set limits.daily.KES 50000', '$ airtime config show', '$ airtime config path'],
    execute: async () => {
      throw new Error('config runs through its subcommands');
    },
  },
  command({
    name: 'config init',
    summary: 'write .airtimerc here (or the user config with --global), asking at a terminal for what no flag gives',
    options: [
      { flags: '--global', description: 'write the user config ($XDG_CONFIG_HOME/airtime/config.json) instead of .airtimerc here' },
      { flags: '--username <name>', description: 'the Africa\'s Talking username ("sandbox" for the sandbox)' },
      {
        flags: '--key-source <where>',
        description: 'where the API key lives: env (AT_API_KEY), file (--key-file) or user (the user config; key from stdin)',
        // For --help and completion; the command itself explains a refusal best.
        choices: ['env', 'file', 'user'],
        value: 'text',
      },
      {
        flags: '--key-file <path>',
        description: 'the file holding the key (written 0600 from stdin when missing); implies --key-source file',
      },
      { flags: '--default-country <CC>', description: 'country for national numbers like 0712345678' },
      {
        flags: '--per-recipient <limits>',
        description: 'most one recipient may get, e.g. KES=5000,UGX=100000 (repeatable)',
        value: 'list',
      },
      { flags: '--daily <limits>', description: 'most sent in any 24 hours, e.g. KES=50000 (repeatable)', value: 'list' },
      { flags: '--force', description: 'overwrite an existing file without asking' },
    ],
    help: `The API key is never a flag (flags leak into shell history and ps) and never goes in a project file
(it ends up in git): it stays in AT_API_KEY, in a key file, or in the user config, mode 0600.`,
    examples: [
      '$ airtime config init',
      '$ airtime config init --username sandbox --key-source env --default-country KE',
      `$ printf '%s' "$AT_API_KEY" | airtime config init --global --username my-app --key-source user --force`,
      '$ airtime config init --username my-app --key-file ~/.config/airtime/live-key --daily KES=50000',
    ],
    read: (input) => ({
      global: input.flag('global'),
      username: input.string('username'),
      keySource: input.string('keySource'),
      keyFile: input.string('keyFile'),
      defaultCountry: input.string('defaultCountry'),
      perRecipient: input.list('perRecipient'),
      daily: input.list('daily'),
      force: input.flag('force'),
    }),
    load: async () => {
      const { configInit } = await import('./config.js');
      return (options, { ctx }) => configInit(options, ctx);
    },
    printer: async () => (await configPrinter()).printConfigInit,
  }),
  command({
    name: 'config set-key',
    summary:
      "store or replace the API key in the user config (mode 0600), from a hidden prompt or stdin; with --profile, that profile's key",
    examples: [
      '$ airtime config set-key',
      `$ printf '%s' "$AT_API_KEY" | airtime config set-key`,
      '$ pass show airtime/live | airtime --profile live config set-key',
    ],
    read: () => ({}),
    load: async () => {
      const { configSetKey } = await import('./config.js');
      return (_options, { ctx }) => configSetKey(ctx);
    },
    printer: async () => (await configPrinter()).printConfigSetKey,
  }),
  command({
    name: 'config get',
    summary: 'one setting as airtime uses it here (the API key redacted); --project: what the project file says',
    arguments: [{ name: '<key>', description: 'e.g. timeout, defaultCountry, limits.daily.KES, serve.validationMaxAge' }],
    options: [{ flags: '--project', description: "the project file's own value, not the one in use" }],
    examples: ['$ airtime config get timeout', '$ airtime config get limits.daily.KES --json | jq -r .source'],
    read: (input) => ({ key: input.arg(0) ?? '', project: input.flag('project') }),
    load: async () => {
      const { configGet } = await import('./config.js');
      return (options, { ctx }) => configGet(options, ctx);
    },
    printer: async () => (await configPrinter()).printConfigGet,
  }),
  command({
    name: 'config set',
    summary: 'change one setting in the user config (or --project: the project file), checked as loading checks it',
    arguments: [
      { name: '<key>', description: "e.g. timeout, defaultCountry, limits.daily.KES (with --profile NAME: that profile's)" },
      { name: '<value>', description: 'the new value: a number, an amount, a country, a path or URL; a list with commas' },
    ],
    options: [
      {
        flags: '--project',
        description: 'the project file found from here (or .airtimerc here), never for keys a project file may not set',
      },
    ],
    help: 'The API key is never a value here (it would land in shell history and ps): `airtime config set-key` stores it.',
    examples: [
      '$ airtime config set limits.daily.KES 50000',
      '$ airtime config set defaultCountry KE --project',
      '$ airtime --profile live config set timeout 10',
    ],
    read: (input) => ({ key: input.arg(0) ?? '', value: input.arg(1) ?? '', project: input.flag('project') }),
    load: async () => {
      const { configSet } = await import('./config.js');
      return (options, { ctx }) => configSet(options, ctx);
    },
    printer: async () => (await configPrinter()).printConfigEdit,
  }),
  command({
    name: 'config unset',
    summary: 'remove one setting (or a group, limits.daily) from the user config (or --project: the project file)',
    arguments: [{ name: '<key>', description: 'e.g. timeout, limits.daily.KES, limits.daily, serve' }],
    options: [{ flags: '--project', description: 'the project file found from here' }],
    examples: ['$ airtime config unset limits.daily.KES', '$ airtime config unset defaultCountry --project'],
    read: (input) => ({ key: input.arg(0) ?? '', project: input.flag('project') }),
    load: async () => {
      const { configUnset } = await import('./config.js');
      return (options, { ctx }) => configUnset(options, ctx);
    },
    printer: async () => (await configPrinter()).printConfigEdit,
  }),
  command({
    name: 'config show',
    summary: 'the resolved configuration, with where each value came from (the API key redacted)',
    examples: [
      '$ airtime config show',
      '$ airtime --profile live config show',
      '$ airtime config show --json | jq -r .values.apiKey.source',
    ],
    read: () => ({}),
    load: async () => {
      const { configShow } = await import('./config.js');
      return (_options, { ctx }) => configShow(ctx);
    },
    printer: async () => (await configPrinter()).printConfigShow,
  }),
  command({
    name: 'config path',
    summary: 'the config files found, which are read and which are not and why, and the ledger; --all: every place searched',
    options: [{ flags: '--all', description: 'every place searched, in order, also where no file is' }],
    examples: [
      '$ airtime config path',
      '$ airtime config path --all',
      `$ airtime config path --json | jq -r '.files[] | select(.loaded) | .path'`,
    ],
    read: (input) => ({ all: input.flag('all') }),
    load: async () => {
      const { configPath } = await import('./config.js');
      return (options, { ctx }) => configPath(options, ctx);
    },
    printer: async () => (await configPrinter()).printConfigPath,
  }),
  command({
    name: 'completion',
    summary: 'print a shell completion script for bash, zsh or fish',
    arguments: [{ name: '<shell>', description: 'bash, zsh or fish', choices: ['bash', 'zsh', 'fish'] }],
    examples: [
      '$ airtime completion bash > ~/.local/share/bash-completion/completions/airtime',
      '$ airtime completion zsh > ~/.zfunc/_airtime',
      '$ airtime completion fish > ~/.config/fish/completions/airtime.fish',
    ],
    read: (input) => ({ shell: input.arg(0) ?? '' }),
    load: async () => {
      const { completion } = await import('./completion.js');
      return async ({ shell }, { program }) => completion(shell, program as import('commander').Command);
    },
    printer: async () => (await configPrinter()).printCompletion,
  }),
  command({
    name: 'emulator',
    summary: "run a local Africa's Talking for trying the tool and for tests",
    options: [
      { flags: '--port <port>', description: 'port to listen on; 0 picks a free one', value: 'port', default: 8788 },
      { flags: '--host <host>', description: 'address to listen on', default: '127.0.0.1' },
      { flags: '--duplicate-window <seconds>', description: 'duplicate window (default 300)', value: 'positive' },
      { flags: '--latency <ms>', description: 'delay before every answer', value: 'whole' },
      { flags: '--balance <money>', description: 'opening balance, e.g. "KES 100000"' },
      {
        flags: '--balance-format <format>',
        description: 'how the balance is written: plain (KES 1234.5000, as the live API) or separators (KES 1,234.5000)',
        choices: ['plain', 'separators'],
        default: 'plain',
      },
      { flags: '--fault-rate <0..1>', description: 'share of send requests given a random fault', value: 'fraction' },
      { flags: '--faults <list>', description: 'faults to draw from: 500,429,reset,stall,hang,malformed,drop' },
      { flags: '--fault-script <list>', description: 'faults for the next send requests, in order (ok for a normal answer)' },
      { flags: '--seed <n>', description: 'seed of the fault dice', value: 'whole' },
      { flags: '--retry-after <seconds>', description: 'Retry-After of a 429 (default 1)', value: 'whole' },
      { flags: '--duplicate-status <code>', description: 'HTTP status of the duplicate answer (default 409)', value: 'whole' },
      { flags: '--airtime-disabled', description: 'answer every send with "Airtime is not enabled for this account"' },
      { flags: '--callback-url <url>', description: 'POST status callbacks here after each accepted send' },
      { flags: '--callback-format <format>', description: 'callback body encoding', choices: ['form', 'json'], default: 'form' },
      { flags: '--delivery-delay <seconds>', description: 'time from acceptance to delivery (default 1)', value: 'nonNegative' },
      { flags: '--delivery-failure-rate <0..1>', description: 'share of deliveries that fail', value: 'fraction' },
      { flags: '--validation-url <url>', description: 'ask this URL about each recipient before accepting it (the validation callback)' },
      { flags: '--validation-timeout <seconds>', description: 'how long the validation callback may take (default 5)', value: 'positive' },
    ],
    // Each runs on its own (the examples test runs every one): the last starts the emulator in the
    // background and reads its first line without waiting for it to exit, as a script would.
    examples: [
      '$ airtime emulator                    # in a terminal of its own; first line: AIRTIME_API_URL=http://127.0.0.1:8788',
      '$ AIRTIME_API_URL=http://127.0.0.1:8788 AT_USERNAME=sandbox AT_API_KEY=test airtime send +254712345678 50',
      `$ airtime emulator --port 0 > emulator.log 2>&1 & \\
      until [ -s emulator.log ]; do sleep 0.1; done; export "$(head -n 1 emulator.log)"   # from a script, on a free port`,
    ],
    read: (input) => ({
      port: input.number('port') ?? 8788,
      host: input.string('host') ?? '127.0.0.1',
      duplicateWindow: input.number('duplicateWindow'),
      latency: input.number('latency'),
      balance: input.string('balance'),
      balanceFormat: input.string('balanceFormat'),
      faultRate: input.number('faultRate'),
      faults: input.string('faults'),
      faultScript: input.string('faultScript'),
      seed: input.number('seed'),
      retryAfter: input.number('retryAfter'),
      duplicateStatus: input.number('duplicateStatus'),
      airtimeDisabled: input.flag('airtimeDisabled'),
      callbackUrl: input.string('callbackUrl'),
      callbackFormat: input.string('callbackFormat'),
      deliveryDelay: input.number('deliveryDelay'),
      deliveryFailureRate: input.number('deliveryFailureRate'),
      validationUrl: input.string('validationUrl'),
      validationTimeout: input.number('validationTimeout'),
    }),
    load: async () => {
      const { emulator } = await import('./emulator.js');
      return (options, { ctx }) => emulator(options, ctx);
    },
    printer: async () => () => {},
  }),
  command({
    name: 'help',
    summary: `a command's help (airtime help config init), or a topic: ${HELP_TOPICS.map((topic) => topic.name).join(', ')}`,
    arguments: [
      {
        name: '[topic...]',
        description: 'a topic, or a command and its subcommand',
        // For --help and completion: the topics, then the commands (a getter: the table is not there yet).
        get choices() {
          const commands = COMMANDS.filter((spec) => !spec.name.includes(' ')).map((spec) => spec.name);
          return [...new Set([...HELP_TOPICS.map((topic) => topic.name), ...commands])];
        },
        value: 'list',
      },
    ],
    examples: [
      '$ airtime help exit-codes',
      '$ airtime help config init',
      `$ airtime help config --json | jq -r '.keys[] | select(.environment) | .environment'`,
    ],
    read: (input) => ({ words: input.words(0) }),
    load: async () => {
      const { help } = await import('./help/help.js');
      return ({ words }, { ctx, program }) => Promise.resolve(help(words, ctx, program as import('commander').Command));
    },
    printer: async () => (await import('./help/help.js')).printHelp,
  }),
];

export function findCommand(name: string): CommandSpec {
  const found = COMMANDS.find((spec) => spec.name === name);
  if (!found) throw new Error(`no command ${name} in the table`);
  return found;
}

/** The program's own options, before or after the command's: src/cli.ts gives them to commander. */
export const PROGRAM_OPTIONS: readonly OptionSpec[] = [
  { flags: '--json', description: 'print exactly one JSON document on stdout' },
  { flags: '-q, --quiet', description: 'print nothing but errors' },
  { flags: '-v, --verbose', description: "show the HTTP exchange with Africa's Talking (secrets redacted)" },
  { flags: '--no-color', description: 'no colour, even on a terminal' },
  { flags: '--no-input', description: 'never prompt; a missing value is an error' },
  { flags: '--debug', description: 'show stack traces' },
  { flags: '--config <path>', description: 'use this config file instead of searching (AIRTIME_CONFIG)' },
  { flags: '--profile <name>', description: 'use a profile from the config file (AIRTIME_PROFILE)' },
];
