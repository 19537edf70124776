// People at a terminal: the guided menu and the prompts, driven through a real pseudo-terminal.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST, interact, makeSandbox, plain, runCli, writeUserConfig } from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';

const ENTER = '\r';
const DOWN = '\u001b[B';
const CTRL_C = '\u0003';
const BACKSPACE = '\u007f';

describe('interactive mode', () => {
  it('sends through the guided menu, catching a bad number at the prompt', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await interact([], { sandbox, env: emulatorEnv(emu) }, [
      { expect: 'What would you like to do?', send: ENTER }, // Send airtime
      { expect: 'Phone number', send: `+254202345678${ENTER}` }, // a Nairobi landline
      { expect: 'fixed-line', send: `${BACKSPACE.repeat(13)}+254712345678${ENTER}` },
      { expect: 'Amount in KES', send: `4${ENTER}` }, // below the floor
      { expect: 'below the KES minimum', send: `${BACKSPACE}50${ENTER}` },
      { expect: 'Send it?', send: `y${ENTER}` },
      { expect: 'Sent KES 50.00 to +254712345678', send: '' },
      { expect: 'What would you like to do?', send: `${DOWN.repeat(6)}${ENTER}` }, // Quit
    ]);
    expect(result.code).toBe(0);
    const screen = plain(result.stdout);
    expect(screen).toContain('Number       +254712345678 (Kenya)');
    expect(screen).toContain('Environment  sandbox');
    expect(emu.state().accepted).toHaveLength(1);
    expect(emu.state().accepted[0]).toMatchObject({ phoneNumber: '+254712345678', value: 'KES 50.0000' });
  });

  it('asks the phone, then the amount in the currency the number decides; its errors fit a prompt', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await interact(['send'], { sandbox, env: emulatorEnv(emu) }, [
      { expect: 'Phone number', send: `0712345678${ENTER}` }, // national, and no defaultCountry
      { expect: 'has no country code', send: `${BACKSPACE.repeat(10)}+256701234567${ENTER}` },
      // Straight to the amount, in Uganda's currency: no question about the currency.
      { expect: 'Amount in UGX (UGX 50 to UGX 280000)', send: `500${ENTER}` },
      { expect: 'Send it?', send: `y${ENTER}` },
      { expect: 'Sent UGX 500 to +256701234567', send: '' },
    ]);
    expect(result.code).toBe(0);
    const screen = plain(result.stdout);
    expect(screen).toContain('0712345678 has no country code: type it with one, e.g. +254712345678');
    expect(screen).not.toContain('--country');
    expect(screen).not.toMatch(/Currency/);
    expect(screen.indexOf('Phone number')).toBeLessThan(screen.indexOf('Amount in UGX'));
    expect(emu.state().accepted).toEqual([expect.objectContaining({ phoneNumber: '+256701234567', value: 'UGX 500.0000' })]);
  });

  it('says LIVE in the summary before a live send', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await interact(['send', '+254712345678', '50'], { sandbox, env: emulatorEnv(emu, { AT_USERNAME: 'acme' }) }, [
      { expect: 'Send it?', send: `n${ENTER}` },
    ]);
    expect(result.code).toBe(130);
    expect(plain(result.stdout)).toContain('LIVE: real airtime, real money');
    expect(plain(result.stdout)).toContain('cancelled: nothing was sent');
    expect(emu.state().sends).toHaveLength(0);
  });

  it("shows a bulk send's count, totals and the account balance, and sends nothing when declined", async () => {
    const emu = await emulator({ balance: 'KES 777' });
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    writeFileSync(join(sandbox.cwd, 'pay.csv'), 'phone,amount\n+254712345678,50\n+256701234567,500\n');
    const declined = await interact(['send', '--file', 'pay.csv', '--batch', 'b1'], { sandbox, env: emulatorEnv(emu) }, [
      { expect: 'Send now?', send: `n${ENTER}` },
    ]);
    expect(declined.code).toBe(130);
    const screen = plain(declined.stdout);
    expect(screen).toContain('Sending batch b1: 2 row(s), KES 50.00, UGX 500, on sandbox. Account balance: KES 777');
    expect(emu.state().sends).toHaveLength(0);
    const accepted = await interact(['send', '--file', 'pay.csv', '--batch', 'b1'], { sandbox, env: emulatorEnv(emu) }, [
      { expect: 'Send now?', send: `y${ENTER}` },
    ]);
    expect(accepted.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(2);
  });

  it('sends what was confirmed, even if the file changes while the confirmation waits', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const file = join(sandbox.cwd, 'pay.csv');
    writeFileSync(file, 'phone,amount,reference\n+254712345678,10,a\n');
    const result = await interact(['send', '--file', 'pay.csv', '--batch', 'b2'], { sandbox, env: emulatorEnv(emu) }, [
      {
        expect: 'Send now?',
        // An exporter rewrites the file: a repeated row, a large new one and an invalid one.
        meanwhile: () =>
          writeFileSync(file, 'phone,amount,reference\n+254712345678,10,a\n+254712345678,10,a\n+254712345679,5000,x\nnot-a-phone,10,y\n'),
        send: `y${ENTER}`,
      },
    ]);
    expect(result.code, plain(result.stdout)).toBe(0);
    expect(emu.state().accepted.map((s) => `${s.phoneNumber} ${s.value}`)).toEqual(['+254712345678 KES 10.0000']);
  });

  it('Ctrl-C at a prompt exits 130 with "cancelled", nothing sent', async () => {
    const emu = await emulator();
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await interact(['send'], { sandbox, env: emulatorEnv(emu) }, [{ expect: 'Phone number', send: CTRL_C }]);
    expect(result.code).toBe(130);
    expect(plain(result.stdout)).toContain('cancelled');
    expect(emu.state().sends).toHaveLength(0);
  });

  it('validates, shows the balance and looks up a transaction from the menu, and keeps going after an error', async () => {
    const emu = await emulator({ balance: 'KES 777' });
    const sandbox = makeSandbox();
    writeUserConfig(sandbox, FAST);
    const result = await interact([], { sandbox, env: emulatorEnv(emu) }, [
      { expect: 'What would you like to do?', send: `${DOWN.repeat(2)}${ENTER}` }, // Validate
      { expect: 'Phone number', send: `+256701234567${ENTER}` },
      { expect: 'Amount', send: `500${ENTER}` },
      { expect: 'UGX 500 allowed', send: '' },
      { expect: 'What would you like to do?', send: `${DOWN.repeat(4)}${ENTER}` }, // Balance
      { expect: 'KES 777.00', send: '' },
      { expect: 'What would you like to do?', send: `${DOWN}${ENTER}` }, // Check a transaction
      { expect: 'Key, requestId or batch id', send: `no-such-key${ENTER}` },
      { expect: 'no transaction has', send: '' },
      { expect: 'What would you like to do?', send: `${DOWN.repeat(6)}${ENTER}` },
    ]);
    expect(result.code).toBe(1); // the last command's exit code: not found
  });

  it('sets up the configuration from the menu', async () => {
    const sandbox = makeSandbox();
    const result = await interact([], { sandbox }, [
      { expect: 'What would you like to do?', send: `${DOWN.repeat(5)}${ENTER}` }, // Set up the configuration
      { expect: "Africa's Talking username", send: `sandbox${ENTER}` },
      { expect: /key/i, send: CTRL_C },
    ]);
    // Ctrl-C mid-way cancels the whole session; nothing half-written is left.
    expect(result.code).toBe(130);
    expect(plain(result.stdout)).toContain('cancelled');
  });

  it('off a terminal, `airtime` alone prints the help and exits 2 instead of prompting', async () => {
    const result = await runCli([], { sandbox: makeSandbox(), keepStdinOpen: true, timeoutMs: 5000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: airtime');
  });

  it('--no-input and CI turn prompts off even at a terminal', async () => {
    const sandbox = makeSandbox();
    const noInput = await interact(['send', '--no-input'], { sandbox }, []);
    expect(noInput.code).toBe(2);
    expect(plain(noInput.stdout)).toContain('missing argument <phone>');
    const ci = await interact(['send'], { sandbox, env: { CI: 'true' } }, []);
    expect(ci.code).toBe(2);
  });
});
