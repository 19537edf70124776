// The single-send repeat guard (the contract's `send`, "Repeat guard"): `airtime send` without
// --key that repeats the number, amount and currency of a recent payment sends nothing, says which
// payment it repeats and how to finish it, and two processes racing cannot both pass it.
import { describe, expect, it } from 'vitest';
import {
  collect,
  FAST,
  interact,
  ledgerPath,
  makeSandbox,
  parseJson,
  plain,
  runCli,
  type Sandbox,
  spawnCli,
  writeUserConfig,
} from '../helpers/cli.js';
import { emulator, emulatorEnv } from '../helpers/emulator.js';
import { rawDatabase } from '../helpers/ledger.js';

const PHONE = '+254712399999';
const ENTER = '\r';

function fastSandbox(config: Record<string, unknown> = {}): Sandbox {
  const sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, ...config });
  return sandbox;
}

describe('finding 4: a single send repeated by accident', () => {
  it('pays once: the repeat is REPEAT_PAYMENT naming the earlier send and the command that finishes it', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const first = parseJson(await runCli(['send', PHONE, '75', '--json'], { sandbox, env }));
    const again = await runCli(['send', PHONE, '75', '--json'], { sandbox, env });
    expect(again.code).toBe(2);
    const key = String(first.idempotencyKey);
    expect(parseJson(again)).toMatchObject({
      ok: false,
      error: { code: 'REPEAT_PAYMENT', message: expect.stringContaining(`this repeats KES 75.00 sent to ${PHONE} under a minute ago`) },
      repeats: { idempotencyKey: key, state: 'sent', requestId: first.requestId },
    });
    expect(again.stderr).toContain(`airtime send ${PHONE} 75.00 --key ${key}`);
    expect(emu.state().accepted).toHaveLength(1);

    // The safe command replays it; --allow-repeat and an explicit new key send on purpose.
    const replay = parseJson(await runCli(['send', PHONE, '75', '--key', key, '--json'], { sandbox, env }));
    expect(replay).toMatchObject({ ok: true, replayed: true, requestId: first.requestId });
    expect((await runCli(['send', PHONE, '75', '--allow-repeat'], { sandbox, env })).code).toBe(0);
    expect((await runCli(['send', PHONE, '75', '--key', 'topup-202611301200'], { sandbox, env })).code).toBe(0);
    expect(emu.state().accepted).toHaveLength(3);
    // Another amount, another number: no repeat.
    expect((await runCli(['send', PHONE, '76'], { sandbox, env })).code).toBe(0);
  });

  it('guards a send whose outcome is unknown for 24 hours, and an accepted one for repeatWindow', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox({ repeatWindow: 60 });
    const env = emulatorEnv(emu);
    emu.script(['hang']);
    const lost = await runCli(['send', PHONE, '80', '--timeout', '0.3', '--retries', '0', '--json'], { sandbox, env });
    expect(lost.code).toBe(5);
    const key = String(parseJson(lost).idempotencyKey);
    const again = await runCli(['send', PHONE, '80'], { sandbox, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`whose outcome is not known yet (unknown)`);
    expect(again.stderr).toContain(`to finish that one: airtime send ${PHONE} 80.00 --key ${key}`);
    // Aged: 23 hours still guarded; 25 hours not. An accepted send past repeatWindow (60 s) not.
    const db = rawDatabase(ledgerPath(sandbox));
    db.run('UPDATE transactions SET created_at = created_at - ?', 23 * 3_600_000);
    db.close();
    expect((await runCli(['send', PHONE, '80'], { sandbox, env })).code).toBe(2);
    const older = rawDatabase(ledgerPath(sandbox));
    older.run('UPDATE transactions SET created_at = created_at - ?', 2 * 3_600_000);
    older.close();
    expect((await runCli(['send', PHONE, '80'], { sandbox, env })).code).toBe(0);
    const aged = rawDatabase(ledgerPath(sandbox));
    aged.run("UPDATE transactions SET created_at = created_at - 61000 WHERE state = 'sent'");
    aged.close();
    expect((await runCli(['send', PHONE, '80'], { sandbox, env })).code).toBe(0);
  });

  it('--dry-run reports it: the send would not go', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    expect((await runCli(['send', PHONE, '75'], { sandbox, env })).code).toBe(0);
    const dry = await runCli(['send', PHONE, '75', '--dry-run', '--json'], { sandbox, env });
    expect(dry.code).toBe(2);
    expect(parseJson(dry).error).toMatchObject({ code: 'REPEAT_PAYMENT' });
    expect((await runCli(['send', PHONE, '75', '--dry-run', '--allow-repeat'], { sandbox, env })).code).toBe(0);
    expect(emu.state().sends).toHaveLength(1);
  });

  it('two processes racing the same key-less send: one request, one REPEAT_PAYMENT', async () => {
    const emu = await emulator({ latencyMs: 400 });
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    const results = await Promise.all([0, 1].map(() => collect(spawnCli(['send', PHONE, '75', '--json'], { sandbox, env }))));
    expect(results.map((r) => r.code).sort()).toEqual([0, 2]);
    const refused = results.find((r) => r.code === 2);
    expect(parseJson(refused ?? results[0]!).error).toMatchObject({ code: 'REPEAT_PAYMENT' });
    expect(emu.state().sends).toHaveLength(1);
  });

  it('at a terminal the person is asked, and --yes does not answer for them', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const env = emulatorEnv(emu);
    expect((await runCli(['send', PHONE, '75'], { sandbox, env })).code).toBe(0);
    const declined = await interact(['send', PHONE, '75', '--yes'], { sandbox, env }, [
      { expect: 'Send it again anyway?', send: `n${ENTER}` },
    ]);
    expect(declined.code).toBe(130);
    expect(plain(declined.stdout)).toContain('this repeats KES 75.00 sent to');
    expect(emu.state().accepted).toHaveLength(1);
    const accepted = await interact(['send', PHONE, '75', '--yes'], { sandbox, env }, [
      { expect: 'Send it again anyway?', send: `y${ENTER}` },
    ]);
    expect(accepted.code).toBe(0);
    expect(emu.state().accepted).toHaveLength(2);
  });
});

describe('POST /send without an Idempotency-Key', () => {
  it('is guarded the same way: the repeat is 409 REPEAT_PAYMENT, and a request with a key is not guarded', async () => {
    const emu = await emulator();
    const sandbox = fastSandbox();
    const token = 'whk_repeat_test_0123456789abcdef';
    const child = spawnCli(['serve', '--port', '0', '--enable-send'], { sandbox, env: emulatorEnv(emu, { AIRTIME_WEBHOOK_TOKEN: token }) });
    const done = collect(child, { keepStdinOpen: true, timeoutMs: 20_000 });
    const url = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /AIRTIME_SERVE_URL=(\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
    });
    const post = (headers: Record<string, string> = {}) =>
      fetch(`${url}/send`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
        body: JSON.stringify({ phone: PHONE, amount: '75' }),
      });
    const first = await post();
    expect(first.status).toBe(200);
    const key = first.headers.get('idempotency-key');
    const repeat = await post();
    expect(repeat.status).toBe(409);
    expect(await repeat.json()).toMatchObject({ ok: false, error: { code: 'REPEAT_PAYMENT' }, repeats: { idempotencyKey: key } });
    expect((await post({ 'Idempotency-Key': 'order-77' })).status).toBe(200);
    expect(emu.state().accepted).toHaveLength(2);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });
});
