// `menu(ctx, program)` in-process: `airtime` alone at a terminal. Each choice runs its command
// through the command table with the same prompter, clock and Africa's Talking the test scripts.
import { describe, expect, it } from 'vitest';
import { menu } from '../../src/commands/menu.js';
import { EXIT } from '../../src/core/errors.js';
import { START, testContext } from '../helpers/context.js';
import { seedTransaction } from '../helpers/ledger.js';

const MENU = ['send', 'status', 'validate', 'stats', 'balance', 'config', 'quit'];

describe('menu', () => {
  it('offers the everyday commands, and quit ends it with exit 0', async () => {
    const t = testContext({ terminal: true, answers: [{ select: 'quit' }] });
    expect(await menu(t.ctx, undefined)).toBe(EXIT.OK);
    expect(t.asked).toEqual([{ kind: 'select', message: 'What would you like to do?', choices: MENU, rejected: [] }]);
  });

  it('send asks for everything through the same prompter, sends once, prints, and comes back', async () => {
    const t = testContext({
      terminal: true,
      answers: [{ select: 'send' }, { text: '+254712345678' }, { text: '50' }, { confirmSend: true }, { select: 'quit' }],
    });
    expect(await menu(t.ctx, undefined)).toBe(EXIT.OK);

    expect(t.asked.map((q) => q.kind)).toEqual(['select', 'text', 'text', 'confirmSend', 'select']);
    expect(t.at.sends).toEqual([expect.objectContaining({ phoneNumber: '+254712345678', amount: 'KES 50.00' })]);
    expect(t.stdout()).toContain('✔ Sent KES 50.00 to +254712345678\n  requestId ATQid_fake_1');
    expect(await t.ledger.recent({})).toHaveLength(1);
  });

  it('validate asks for a number (checked as typed) and an optional amount', async () => {
    const t = testContext({
      terminal: true,
      answers: [{ select: 'validate' }, { text: '0712' }, { text: '+254712345678' }, { text: ' ' }, { select: 'quit' }],
    });
    expect(await menu(t.ctx, undefined)).toBe(EXIT.OK);
    expect(t.asked[1]).toMatchObject({ message: 'Phone number', rejected: [expect.any(String)] });
    expect(t.stdout()).toBe('✔ +254712345678  KE  KES\n\n');
    expect(t.calls.client).toBe(0);
  });

  it('status with an empty answer lists the most recent', async () => {
    const t = testContext({ terminal: true, answers: [{ select: 'status' }, { text: '' }, { select: 'quit' }] });
    await seedTransaction(t.ledger, { key: 'order-9', state: 'sent', at: START });
    await menu(t.ctx, undefined);
    expect(t.stdout()).toMatch(/^CREATED +STATE +AMOUNT/);
    expect(t.stdout()).toContain('order-9');
  });

  it('an error is shown and the menu comes back; the session ends with its exit code', async () => {
    const t = testContext({ terminal: true, answers: [{ select: 'balance' }, { select: 'quit' }] });
    t.at.script.balance.push({ kind: 'auth-failed', errorMessage: 'The supplied authentication is invalid' });
    expect(await menu(t.ctx, undefined)).toBe(EXIT.CONFIG);
    expect(t.stderr()).toBe(
      "error: Africa's Talking refused the credentials: The supplied authentication is invalid\ncheck AT_USERNAME and AT_API_KEY (or `airtime config show`)\n",
    );
    expect(t.asked.map((q) => q.kind)).toEqual(['select', 'select']);
  });

  it('Ctrl-C at a question ends the whole session (exit 130), nothing sent', async () => {
    const t = testContext({ terminal: true, answers: [{ select: 'send' }, { text: '+254712345678' }, { cancel: true }] });
    await expect(menu(t.ctx, undefined)).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    expect(t.at.sends).toEqual([]);
  });

  it('a declined send is exit 130 for that choice, and the menu comes back', async () => {
    const t = testContext({
      terminal: true,
      answers: [{ select: 'send' }, { text: '+254712345678' }, { text: 'KES' }, { text: '50' }, { confirmSend: false }, { select: 'quit' }],
    });
    expect(await menu(t.ctx, undefined)).toBe(EXIT.SIGINT);
    expect(t.stderr()).toBe('error: cancelled: nothing was sent\n');
    expect(t.at.sends).toEqual([]);
  });
});
