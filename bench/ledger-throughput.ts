// Milliseconds per send against the emulator with the ledger (synchronous FULL and NORMAL) versus
// an in-process store that records nothing: the time the ledger adds to every send. The sends go
// through the shipped path: the transaction engine and the node:http transport (src/at/http.ts) the
// CLI uses. The no-op store is a benchmark-only seam; users cannot turn the ledger off.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AtClient } from '../src/at/client.js';
import { createFetch } from '../src/at/http.js';
import { parseRecipient } from '../src/core/recipient.js';
import { systemClock } from '../src/core/retry.js';
import { currentOwner, ownerLiveness } from '../src/ledger/owner.js';
import type { ClaimOutcome, NewTransaction, SettlementItem, StoredTransaction } from '../src/ledger/records.js';
import { SqliteLedger } from '../src/ledger/sqlite/ledger.js';
import { sendTransaction, type TransactionStore } from '../src/transaction.js';

const SENDS = Number(process.env.BENCH_SENDS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// This file runs bundled into bench/tmp/ (see bench/build.mjs).
const BIN = new URL('../../bin/airtime.cjs', import.meta.url).pathname;

/** Keeps the one row a send needs in memory and nothing else. */
class NoopStore implements TransactionStore {
  private rows = new Map<number, StoredTransaction>();
  private next = 1;
  async claimMany(inputs: readonly NewTransaction[], now: number): Promise<ClaimOutcome[]> {
    return inputs.map((input) => this.claim(input, now));
  }
  claim(input: NewTransaction, now: number): ClaimOutcome {
    const row = {
      id: this.next++,
      ...input,
      batchId: null,
      reference: null,
      rowNumber: null,
      maxNumRetry: null,
      state: 'pending',
      atStatus: null,
      requestId: null,
      discountCurrency: null,
      discountUnits4: null,
      errorCode: null,
      errorMessage: null,
      exitCode: null,
      attempts: 0,
      firstAttemptAt: null,
      createdAt: now,
      updatedAt: now,
      settledAt: null,
      validatedTransactionId: null,
      settledBy: null,
      note: null,
    } as StoredTransaction;
    this.rows.set(row.id, row);
    return { kind: 'created', row };
  }
  async beginAttempt(id: number): Promise<StoredTransaction> {
    return this.rows.get(id) as StoredTransaction;
  }
  async takeOver(): Promise<boolean> {
    return true;
  }
  async settleMany(items: readonly SettlementItem[]): Promise<void> {
    for (const { id } of items) this.rows.delete(id);
  }
  async get(id: number): Promise<StoredTransaction | undefined> {
    return this.rows.get(id);
  }
}

async function startEmulatorProcess(latencyMs: number): Promise<{ url: string; stop: () => void }> {
  const args = [BIN, 'emulator', '--port', '0', '--balance', 'KES 1000000000', '--latency', String(latencyMs), '--quiet'];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: '' },
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().split('\n')[0]?.split('=')[1] ?? ''));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}) before printing its address`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/** Milliseconds per send, `sends` in a row. */
async function msPerSend(store: TransactionStore, url: string, label: string, sends: number): Promise<number> {
  // No proxy variables: the node:http transport, as the CLI sends without a proxy.
  const client = new AtClient({ username: 'bench', apiKey: 'bench-key', baseUrl: url, timeoutMs: 10_000, fetch: await createFetch({}) });
  const recipient = parseRecipient({ phone: '+254712345678', amount: '10' });
  const deps = {
    client,
    store,
    account: 'bench',
    // The CLI's 3 retries: a request written to a keep-alive socket the server has just closed is
    // retried under the same key, as src/at/http.ts expects (with a short delay, for the benchmark).
    policy: { retries: 3, baseDelayMs: 10, maxDelayMs: 10, windowMs: 300_000, timeoutMs: 10_000 },
    clock: systemClock,
    owner: currentOwner(),
    liveness: ownerLiveness,
    origin: { osUser: 'bench', host: 'bench' },
  };
  const started = performance.now();
  for (let i = 0; i < sends; i += 1) {
    const result = await sendTransaction({ recipient, idempotencyKey: `${label}-${i}-${Math.random()}` }, deps);
    if (result.state !== 'sent') throw new Error(`send ${i} ended ${result.state}: ${result.errorMessage}`);
  }
  return (performance.now() - started) / sends;
}

/**
 * Sequential sends (the worst case for the ledger: nothing overlaps its commits), each mode in
 * turn, round after round, so drift on a shared machine hits all three alike. Medians.
 */
export async function ledgerThroughput({ latencyMs = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-ledger-'));
  const emulator = await startEmulatorProcess(latencyMs);
  try {
    const modes = {
      none: () => new NoopStore(),
      FULL: () => SqliteLedger.open(join(dir, `full-${Math.random()}.db`), { synchronous: 'FULL' }),
      NORMAL: () => SqliteLedger.open(join(dir, `normal-${Math.random()}.db`), { synchronous: 'NORMAL' }),
    };
    const samples: Record<string, number[]> = { none: [], FULL: [], NORMAL: [] };
    const sends = latencyMs > 0 ? Math.min(SENDS, 200) : SENDS;
    await msPerSend(new NoopStore(), emulator.url, 'warmup', 50);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [mode, open] of Object.entries(modes)) {
        const store = open();
        samples[mode]?.push(await msPerSend(store, emulator.url, `${mode}-${round}`, sends));
        if (store instanceof SqliteLedger) await store.close();
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const none = median(samples.none ?? []);
    const full = median(samples.FULL ?? []);
    const normal = median(samples.NORMAL ?? []);
    return {
      latencyMs,
      sends,
      rounds: ROUNDS,
      msPerSend: { none, FULL: full, NORMAL: normal },
      // What the ledger adds to each send, in milliseconds and as a share of the send without it.
      addedMs: { FULL: full - none, NORMAL: normal - none },
      addedShare: { FULL: full / none - 1, NORMAL: normal / none - 1 },
    };
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
