// The fault-injection soak: a bulk send through an emulator that fails 30% of requests (500s,
// connection resets, hangs past the client timeout after accepting, 429s, unreadable answers),
// while the sender is SIGKILLed at random moments and started again until the batch is done; with
// `airtime serve` receiving the emulator's delivery callbacks. It must end with every row accepted
// exactly once, and the ledger agreeing with the emulator row by row.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Emulator, seededRandom, startEmulator } from '../../src/emulator/server.js';
import { collect, FAST, ledgerPath, makeSandbox, type Sandbox, spawnCli, waitFor, writeUserConfig } from '../helpers/cli.js';
import { type LedgerRow, readLedger } from '../helpers/ledger.js';

export interface SoakOptions {
  rows: number;
  seed: number;
  faultRate: number;
  maxKills: number;
  concurrency: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  rows: number;
  runs: number;
  faultsInjected: number;
  killsSurvived: number;
  /** Rows Africa's Talking (the emulator) accepted more than once. */
  duplicates: number;
  /** Rows never accepted. */
  losses: number;
  /** Ledger rows that disagree with the emulator (an accepted row not sent/delivered/unknown, …). */
  disagreements: string[];
  pending: number;
  /** Rows left `unknown` by the sender before callbacks settled them, and how many remain. */
  unknownAfterSends: number;
  unknownAtEnd: number;
  settledByCallbacks: number;
}

const phone = (i: number) => `+2547${String(20_000_000 + i).padStart(8, '0')}`;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  // Its own dice, apart from the emulator's, so a failing run can be replayed with its seed.
  const random = seededRandom(options.seed);
  const log = options.log ?? (() => {});
  const sandbox: Sandbox = makeSandbox();
  writeUserConfig(sandbox, { ...FAST, timeout: 0.4, retries: 3, limits: { daily: { KES: 100_000_000 } } });
  const token = 'soak-webhook-token-0123456789abcdef';
  const env = { AT_USERNAME: 'sandbox', AT_API_KEY: 'soak-key-0123456789', AIRTIME_WEBHOOK_TOKEN: token };

  // serve first, so the emulator can post its callbacks there.
  const serve = spawnCli(['serve', '--port', '0'], { sandbox, env });
  const served = collect(serve, { keepStdinOpen: true, timeoutMs: 30 * 60_000 });
  const serveUrl = await new Promise<string>((resolve, reject) => {
    serve.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
    serve.once('exit', () => reject(new Error('serve exited before printing its address')));
  });
  let emu: Emulator | undefined;
  try {
    emu = await startEmulator({
      port: 0,
      faultRate: options.faultRate,
      faultKinds: ['500', 'reset', 'hang', '429', 'malformed'],
      seed: options.seed,
      retryAfterSeconds: 0,
      balance: 'KES 100000000',
      deliveryDelayMs: 100,
      callbackUrl: `${serveUrl}/callbacks/status?token=${token}`,
    });
    const file = join(sandbox.cwd, 'soak.csv');
    writeFileSync(file, `phone,amount\n${Array.from({ length: options.rows }, (_, i) => `${phone(i)},10`).join('\n')}\n`);
    const sendEnv = { ...env, AIRTIME_API_URL: emu.url };
    const accepted = () => {
      const perPhone = new Map<string, number>();
      for (const a of emu?.state().accepted ?? []) perPhone.set(a.phoneNumber, (perPhone.get(a.phoneNumber) ?? 0) + 1);
      return perPhone;
    };

    let runs = 0;
    let kills = 0;
    let unknownAfterSends = 0;
    let retryFailed = false;
    for (;;) {
      runs += 1;
      if (runs > 60) throw new Error('the soak did not converge in 60 runs');
      const args = ['send', '--file', 'soak.csv', '--batch', 'soak', '--yes', '--json', '--concurrency', String(options.concurrency)];
      if (retryFailed) args.push('--retry-failed');
      const child = spawnCli(args, { sandbox, env: sendEnv });
      const done = collect(child, { timeoutMs: 10 * 60_000 });
      const kill = kills < options.maxKills && random() < 0.7;
      if (kill) {
        const after = 50 + Math.floor(random() * 700);
        await Promise.race([new Promise((resolve) => setTimeout(resolve, after)), done.catch(() => undefined)]);
        child.kill('SIGKILL');
      }
      const result = await done;
      if (result.signal === 'SIGKILL') {
        kills += 1;
        log(`run ${runs}: killed (${emu.state().accepted.length} accepted so far)`);
        continue;
      }
      log(`run ${runs}: exit ${result.code} (${emu.state().accepted.length} accepted)`);
      if (result.code === 2 || result.code === 4) throw new Error(`run ${runs} exited ${result.code}: ${result.stderr}`);
      // Failed rows were refused and never paid: the next run resends them under new keys.
      retryFailed = result.code === 1 || result.code === 3;
      // The sender's own account of the rows it could not settle (callbacks may settle them since).
      unknownAfterSends = (JSON.parse(result.stdout) as { unknown: number }).unknown;
      const perPhone = accepted();
      if (result.code !== 1 && result.code !== 3 && perPhone.size === options.rows) break;
    }

    // Let the last delivery callbacks land.
    await waitFor(() => (emu?.state().callbacks.length ?? 0) >= (emu?.state().accepted.length ?? 0), 30_000, 'the delivery callbacks');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const perPhone = accepted();
    const acceptedKeys = new Set((emu.state().accepted ?? []).map((a) => a.idempotencyKey));
    const rows = batchRows(sandbox);
    const disagreements: string[] = [];
    for (const row of rows) {
      const wasAccepted = acceptedKeys.has(row.idempotency_key);
      if (wasAccepted && !['sent', 'delivered', 'unknown'].includes(row.state)) {
        disagreements.push(`${row.idempotency_key} was accepted but the ledger says ${row.state}`);
      }
      if (!wasAccepted && ['sent', 'delivered'].includes(row.state)) {
        disagreements.push(`${row.idempotency_key} was never accepted but the ledger says ${row.state}`);
      }
    }
    const unknownAtEnd = rows.filter((r) => r.state === 'unknown').length;
    const report: SoakReport = {
      rows: options.rows,
      runs,
      faultsInjected: emu.state().faultsInjected,
      killsSurvived: kills,
      duplicates: [...perPhone.values()].filter((n) => n > 1).length,
      losses: options.rows - perPhone.size,
      disagreements,
      pending: rows.filter((r) => r.state === 'pending').length,
      unknownAfterSends,
      unknownAtEnd,
      settledByCallbacks: Math.max(0, unknownAfterSends - unknownAtEnd),
    };
    return report;
  } finally {
    serve.kill('SIGTERM');
    await served.catch(() => undefined);
    await emu?.close();
  }
}

function batchRows(sandbox: Sandbox): LedgerRow[] {
  return readLedger(ledgerPath(sandbox)).filter((r) => r.batch_id === 'soak');
}
