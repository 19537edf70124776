// `doctor(ctx)` in-process: each check as a send would meet it, with a fake Africa's Talking and
// clock, real config files and a real ledger in the test's folder. (test/e2e/doctor.test.ts runs
// the binary against the emulator.)
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctor } from '../../src/commands/doctor.js';
import { EXIT } from '../../src/core/errors.js';
import type { CheckName, DoctorResult } from '../../src/results/doctor.js';
import { API_KEY, START, testContext, USERNAME } from '../helpers/context.js';

const CREDENTIALS = { AT_USERNAME: USERNAME, AT_API_KEY: API_KEY };

/** Each check's status, in the order printed. */
const statuses = (result: DoctorResult) => result.checks.map((check) => [check.check, check.status]);
const only = (result: DoctorResult, name: CheckName) => result.checks.filter((check) => check.check === name);

describe('doctor', () => {
  it('a good setup: every check passes, the balance and the key (redacted) are named, exit 0', async () => {
    const t = testContext({ env: CREDENTIALS });
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 1,234.5', date: START });
    const result = await doctor(t.ctx);

    expect(statuses(result)).toEqual([
      ['config', 'ok'],
      ['credentials', 'ok'],
      ['api', 'ok'],
      ['clock', 'ok'],
      ['proxy', 'ok'],
      ['ledger', 'ok'],
    ]);
    expect(result).toMatchObject({ ready: true, exitCode: EXIT.OK });
    expect(only(result, 'credentials')[0]?.message).toBe(
      `sandbox, API key …${API_KEY.slice(-4)} from environment AT_API_KEY: accepted; balance KES 1234.50`,
    );
    expect(JSON.stringify(result)).not.toContain(API_KEY);
    expect(only(result, 'ledger')[0]?.message).toMatch(/ledger\.db: not created yet; the first send creates it$/);
    expect(t.at.sends).toEqual([]);
  });

  it('no credentials: exit 4, and nothing asked of the API', async () => {
    const t = testContext();
    const result = await doctor(t.ctx);
    expect(only(result, 'credentials')[0]).toMatchObject({ status: 'fail', fix: expect.stringContaining('airtime config init') });
    expect(only(result, 'api')[0]?.status).toBe('skip');
    expect(result).toMatchObject({ ready: false, exitCode: EXIT.CONFIG });
    expect(t.at.balances).toBe(0);
  });

  it("a key Africa's Talking refuses: credentials fail with the fix, the API answered", async () => {
    const t = testContext({ env: CREDENTIALS });
    t.at.script.balance.push({ kind: 'auth-failed', errorMessage: 'The supplied authentication is invalid', date: START });
    const result = await doctor(t.ctx);
    expect(only(result, 'credentials')[0]).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('The supplied authentication is invalid'),
      fix: expect.stringContaining('airtime config set-key'),
    });
    expect(only(result, 'api')[0]?.status).toBe('ok');
    expect(result.exitCode).toBe(EXIT.CONFIG);
  });

  it('an API that cannot be reached: the address, where it was set, and what to start', async () => {
    const t = testContext({ env: { ...CREDENTIALS, AIRTIME_API_URL: 'http://127.0.0.1:1' } });
    t.at.baseUrl = 'http://127.0.0.1:1';
    t.at.script.balance.push({
      kind: 'transient',
      reached: false,
      reason: 'connection refused (ECONNREFUSED) at http://127.0.0.1:1 (x); y',
    });
    const result = await doctor(t.ctx);
    expect(only(result, 'api')[0]).toEqual({
      check: 'api',
      status: 'fail',
      message: 'http://127.0.0.1:1 (AIRTIME_API_URL in the environment) cannot be reached: connection refused (ECONNREFUSED)',
      fix: 'start `airtime emulator` there, or correct AIRTIME_API_URL / apiUrl',
    });
    expect(only(result, 'credentials')[0]?.status).toBe('skip');
    expect(result.exitCode).toBe(EXIT.CONFIG);
  });

  it("a clock minutes off Africa's Talking's is a warning, not a block", async () => {
    const t = testContext({ env: CREDENTIALS });
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 10', date: START - 7 * 60_000 });
    const result = await doctor(t.ctx);
    expect(only(result, 'clock')[0]).toMatchObject({
      status: 'warn',
      message: "this machine's clock is 7 min ahead of Africa's Talking's",
      fix: expect.stringContaining('NTP'),
    });
    expect(result).toMatchObject({ ready: true, exitCode: EXIT.OK });
  });

  it('a refused project file blocks a send; the credentials are still checked', async () => {
    const t = testContext({ env: CREDENTIALS });
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 10', date: START });
    writeFileSync(join(t.ctx.cwd, '.airtimerc'), '{"timeout": 5}');
    chmodSync(join(t.ctx.cwd, '.airtimerc'), 0o666);
    writeFileSync(join(t.ctx.cwd, 'airtime.config.js'), 'export default {}');
    const result = await doctor(t.ctx);
    expect(only(result, 'config')).toEqual([
      expect.objectContaining({
        status: 'fail',
        message: expect.stringMatching(/\.airtimerc is not read: it can be written by every user/),
      }),
      expect.objectContaining({ status: 'fail', message: expect.stringMatching(/airtime\.config\.js is code/) }),
    ]);
    expect(only(result, 'credentials')[0]?.status).toBe('ok');
    expect(result.exitCode).toBe(EXIT.CONFIG);
  });

  it('an existing ledger: its schema and that it can be written; one that cannot be created is a block', async () => {
    const t = testContext({ env: { ...CREDENTIALS } });
    await t.ledger.recent({});
    t.ctx.env.AIRTIME_LEDGER = t.settings.ledgerLocation;
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 10', date: START }, { kind: 'ok', balance: 'KES 10', date: START });
    expect(only(await doctor(t.ctx), 'ledger')[0]?.message).toMatch(/ledger\.db: can be written, schema \d+$/);
    writeFileSync(join(t.dir, 'in-the-way'), 'x');
    t.ctx.env.AIRTIME_LEDGER = join(t.dir, 'in-the-way', 'ledger.db');
    const blocked = await doctor(t.ctx);
    expect(only(blocked, 'ledger')[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('in-the-way is not a folder') });
    expect(blocked.exitCode).toBe(EXIT.CONFIG);
  });

  it('a configuration that does not load: said with its reason; the rest is not checked', async () => {
    const t = testContext({ env: CREDENTIALS });
    writeFileSync(join(t.ctx.cwd, '.airtimerc.json'), '{"timeout": "soon"}');
    const result = await doctor(t.ctx);
    expect(only(result, 'config')).toContainEqual(expect.objectContaining({ status: 'fail', message: expect.stringContaining('timeout') }));
    expect(only(result, 'ledger')[0]?.status).toBe('skip');
    expect(result.exitCode).toBe(EXIT.CONFIG);
  });

  it('a proxy variable that is no proxy URL blocks; one that is, is shown without its password', async () => {
    const t = testContext({ env: { ...CREDENTIALS, HTTPS_PROXY: 'garbage' } });
    t.at.script.balance.push({ kind: 'ok', balance: 'KES 10', date: START });
    const bad = await doctor(t.ctx);
    expect(only(bad, 'proxy')[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('HTTPS_PROXY is not a proxy URL') });
    expect(bad.exitCode).toBe(EXIT.CONFIG);
    const good = testContext({ env: { ...CREDENTIALS, HTTPS_PROXY: 'http://me:s3cret@proxy.internal:3128', NO_PROXY: 'localhost' } });
    good.at.script.balance.push({ kind: 'ok', balance: 'KES 10', date: START });
    expect(only(await doctor(good.ctx), 'proxy')[0]?.message).toBe('HTTPS_PROXY=http://me:***@proxy.internal:3128, NO_PROXY=localhost');
  });
});
