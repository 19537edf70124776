// Bounded input: 100 MiB on one line, and 100 MiB of NUL bytes, piped to `airtime send --file - --yes`
// and to `airtime validate --file -`. Each must end with exit 2 in under 2 s and under 100 MB
// (95.4 MiB) of memory (before the bound, 1 GB on one line took 31 s and 1.8 GB). The baseline, measured in the
// same run, is the same command on a one-row file: the figures say how much the 100 MiB add to it.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, benchEnv, median } from './lib.mjs';

const SIZE = 100 * 1024 * 1024;
const GNU_TIME = '/usr/bin/time';

/**
 * Runs the command with the file piped to its standard input. Peak memory is the child's maximum
 * resident set as GNU time reports it (exact, however briefly the process lives), or else the
 * highest VmHWM read from /proc while it runs.
 */
async function run(args, input, env, cwd) {
  const rss = join(cwd, 'rss');
  rmSync(rss, { force: true });
  const exact = existsSync(GNU_TIME);
  const [command, ...prefix] = exact ? [GNU_TIME, '-f', '%M', '-o', rss, process.execPath] : [process.execPath];
  const started = performance.now();
  const child = spawn(command, [...prefix, BIN, ...args], { env, cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  let peakKb = 0;
  const sample = () => {
    try {
      peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0));
    } catch {
      // it has exited
    }
  };
  const timer = exact ? undefined : setInterval(sample, 5);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // A reader that stops early closes the pipe: the rest of the input is not its to read.
  child.stdin.on('error', () => {});
  createReadStream(input, { highWaterMark: 1024 * 1024 })
    .on('error', () => {})
    .pipe(child.stdin);
  const code = await new Promise((resolve) => child.on('close', resolve));
  const elapsedMs = performance.now() - started;
  clearInterval(timer);
  if (exact) peakKb = Number(readFileSync(rss, 'utf8').trim().split('\n').pop());
  // GNU time's %M and VmHWM are in KiB.
  return { code, elapsedMs, peakMiB: peakKb / 1024, stderr: stderr.replace(/^Command exited.*\n/m, '').trim() };
}

export async function inputBoundsBench({ rounds = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-bench-bounds-'));
  try {
    const oneRow = join(dir, 'one-row.csv');
    const line = join(dir, 'line.bin');
    const nuls = join(dir, 'nuls.bin');
    writeFileSync(oneRow, 'phone,amount\n+254712345678,50\n');
    writeFileSync(line, Buffer.alloc(SIZE, 'x'));
    writeFileSync(nuls, Buffer.alloc(SIZE, 0));
    // Nothing is sent: the address answers nothing, and every input here is refused or dry-run.
    const env = benchEnv({
      HOME: dir,
      XDG_CONFIG_HOME: join(dir, '.config'),
      XDG_DATA_HOME: join(dir, 'data'),
      AT_USERNAME: 'sandbox',
      AT_API_KEY: 'bench-key-not-secret',
      AIRTIME_API_URL: 'http://127.0.0.1:9',
    });
    const commands = [
      { name: 'send --file - --yes', args: ['send', '--file', '-', '--yes'], baseline: ['send', '--file', '-', '--dry-run'] },
      { name: 'validate --file -', args: ['validate', '--file', '-'], baseline: ['validate', '--file', '-'] },
    ];
    const results = [];
    for (const command of commands) {
      const base = [];
      for (let i = 0; i < rounds; i += 1) base.push(await run(command.baseline, oneRow, env, dir));
      if (base.some((r) => r.code !== 0))
        throw new Error(`${command.baseline.join(' ')} on one row exited ${base.map((r) => r.code)}: ${base[0].stderr}`);
      const baseMs = median(base.map((r) => r.elapsedMs));
      const baseMiB = median(base.map((r) => r.peakMiB));
      for (const [input, file] of [
        ['100 MiB on one line', line],
        ['100 MiB of NUL bytes', nuls],
      ]) {
        const samples = [];
        for (let i = 0; i < rounds; i += 1) samples.push(await run(command.args, file, env, dir));
        const elapsedMs = Math.max(...samples.map((r) => r.elapsedMs));
        const peakMiB = Math.max(...samples.map((r) => r.peakMiB));
        results.push({
          command: command.name,
          input,
          exitCodes: [...new Set(samples.map((r) => r.code))],
          message: samples[0].stderr.split('\n')[0],
          elapsedMs,
          peakMiB,
          timeRatio: elapsedMs / baseMs,
          memoryRatio: peakMiB / baseMiB,
          baselineMs: baseMs,
          baselineMiB: baseMiB,
          met: samples.every((r) => r.code === 2) && elapsedMs < 2000 && peakMiB < 100e6 / 2 ** 20,
        });
      }
    }
    return { rounds, results, peakFrom: existsSync(GNU_TIME) ? 'GNU time %M' : '/proc VmHWM samples' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
