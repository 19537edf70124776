// The command table in-process: each entry reads the parser's input into its command's typed
// options, runs the command, prints the result and returns its exit code. (test/cli.test.ts parses
// real argv into this table.)
import { describe, expect, it } from 'vitest';
import { COMMANDS, findCommand, Input } from '../../src/commands/table.js';
import { EXIT } from '../../src/core/errors.js';
import { failure, testContext } from '../helpers/context.js';

const PHONE = '+254712345678';

describe('the command table', () => {
  it('names every command once, each group before its subcommands', () => {
    const names = COMMANDS.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([
      'send',
      'validate',
      'balance',
      'status',
      'reconcile',
      'stats',
      'export',
      'doctor',
      'serve',
      'ledger',
      'ledger migrate',
      'ledger backup',
      'config',
      'config init',
      'config set-key',
      'config get',
      'config set',
      'config unset',
      'config show',
      'config path',
      'completion',
      'emulator',
      'help',
    ]);
    expect(() => findCommand('deploy')).toThrowError('no command deploy in the table');
  });

  it('send: reads its arguments and flags, sends, prints the JSON document, and returns the exit code', async () => {
    const t = testContext({ flags: { json: true } });
    const code = await findCommand('send').execute(new Input([PHONE, '50'], { key: 'order-7', maxNumRetry: 2 }), {
      ctx: t.ctx,
      program: null,
    });

    expect(code).toBe(EXIT.OK);
    expect(t.at.sends).toEqual([{ phoneNumber: PHONE, amount: 'KES 50.00', idempotencyKey: 'order-7', maxNumRetry: 2 }]);
    expect(JSON.parse(t.stdout())).toMatchObject({ ok: true, state: 'sent', idempotencyKey: 'order-7', requestId: 'ATQid_fake_1' });
  });

  it("send with --file runs the bulk send, and its exit code is the run's", async () => {
    const t = testContext({ stdin: `phone,amount\n${PHONE},50\n+2547,50\n` });
    const code = await findCommand('send').execute(new Input([], { file: '-', yes: true, skipInvalid: true }), {
      ctx: t.ctx,
      program: null,
    });
    expect(code).toBe(EXIT.PARTIAL);
    expect(t.at.sends).toHaveLength(1);
  });

  it.each([
    [[PHONE, '50'], { file: 'rows.csv' }, 'give either <phone> <amount> or --file, not both'],
    [
      [],
      { file: 'rows.csv', key: 'k' },
      '--key does not go with --file: give each row its own key in a key column, or let airtime derive them',
    ],
    [[], { file: 'rows.csv', currency: 'KES' }, '--currency does not go with --file: use a currency column'],
    [[], { file: 'rows.csv', allowRepeat: true }, '--allow-repeat is for single sends: a file paying people again on purpose takes --new'],
  ])('send %j %j is a usage error before anything runs', async (args, opts, message) => {
    const t = testContext();
    const error = await failure(findCommand('send').execute(new Input(args, opts), { ctx: t.ctx, program: null }));
    expect(error.exitCode).toBe(EXIT.USAGE);
    expect(error.message).toBe(message);
    expect(t.calls.settings).toEqual([]);
  });

  it('validate with --file checks the file; without, the number', async () => {
    const t = testContext({ flags: { json: true }, stdin: `phone,amount\n${PHONE},50\n` });
    expect(await findCommand('validate').execute(new Input([], { file: '-' }), { ctx: t.ctx, program: null })).toBe(EXIT.OK);
    expect(JSON.parse(t.stdout())).toMatchObject({ ok: true, total: 1, validRows: 1 });

    const u = testContext({ flags: { json: true } });
    expect(await findCommand('validate').execute(new Input(['0712'], {}), { ctx: u.ctx, program: null })).toBe(EXIT.USAGE);
    expect(JSON.parse(u.stdout())).toMatchObject({ ok: false, valid: false, errors: [expect.objectContaining({ code: 'INVALID_PHONE' })] });
  });

  it('status reads its id, limit and flags; a missing id exits 1', async () => {
    const t = testContext({ flags: { json: true } });
    expect(await findCommand('status').execute(new Input(['nope'], { limit: 5 }), { ctx: t.ctx, program: null })).toBe(EXIT.FAILED);
    expect(JSON.parse(t.stdout())).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('reconcile reads the key and --as', async () => {
    const t = testContext();
    const error = await failure(findCommand('reconcile').execute(new Input(['k-1'], { as: 'maybe' }), { ctx: t.ctx, program: null }));
    expect(error.message).toBe('--as maybe: use --as sent or --as failed');
  });

  it('config init reads its repeatable limits as lists', async () => {
    const t = testContext();
    const code = await findCommand('config init').execute(
      new Input([], { username: 'acme', keySource: 'env', perRecipient: ['KES=100', 'UGX=5000'], daily: ['KES=500'] }),
      { ctx: t.ctx, program: null },
    );
    expect(code).toBe(EXIT.OK);
    expect(t.stdout()).toContain('Next: export AT_API_KEY in your shell');
  });

  it('help reads its words, and answers a topic without the parser', async () => {
    const t = testContext({ flags: { json: true } });
    const code = await findCommand('help').execute(new Input([['exit-codes']], {}), { ctx: t.ctx, program: null });
    expect(code).toBe(EXIT.OK);
    expect(JSON.parse(t.stdout())).toMatchObject({
      ok: true,
      topic: 'exit-codes',
      codes: expect.arrayContaining([
        { exitCode: 4, meaning: expect.any(String), errorCodes: ['MISSING_CREDENTIALS', 'CONFIG_ERROR', 'LEDGER_ERROR', 'AUTH_FAILED'] },
      ]),
    });
  });

  it("completion hands the parser's program to the command", async () => {
    const t = testContext();
    await expect(findCommand('completion').execute(new Input(['ksh'], {}), { ctx: t.ctx, program: null })).rejects.toMatchObject({
      message: 'no completion for ksh: use one of bash, zsh, fish',
    });
  });
});

describe('Input', () => {
  it('reads each kind of value, and nothing of another kind', () => {
    const input = new Input(['a', undefined], { text: 'x', count: 3, on: true, off: false, many: ['1', '2'] });
    expect([input.arg(0), input.arg(1), input.arg(2)]).toEqual(['a', undefined, undefined]);
    expect([input.string('text'), input.string('count')]).toEqual(['x', undefined]);
    expect([input.number('count'), input.number('text')]).toEqual([3, undefined]);
    expect([input.flag('on'), input.flag('off'), input.flag('missing')]).toEqual([true, false, undefined]);
    expect([input.list('many'), input.list('text')]).toEqual([['1', '2'], undefined]);
    expect([input.has('off'), input.has('missing')]).toEqual([true, false]);
  });

  it("reads a variadic argument's values as words", () => {
    const input = new Input([['config', 'init'], 'a'], {});
    expect([input.words(0), input.words(1), input.words(2)]).toEqual([['config', 'init'], ['a'], []]);
    expect(input.arg(0)).toBeUndefined();
  });
});
