// Where start-up time goes: CPU profiles (`node --cpu-prof`) of `airtime validate` with a warm code
// cache and of `node -e 0`, each run several times, self time grouped by what spends it. The
// profiler slows everything down, so the shares matter more than the milliseconds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, benchEnv } from './lib.mjs';

/** What a sample's function is, as a person would name the cost. */
function category({ url, functionName }) {
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)' || functionName === '(idle)') return "V8 and Node's native code";
  if (url.endsWith('dist/airtime.cjs')) return "airtime's own code: the parser, the rules, phone metadata, output";
  if (url.endsWith('dist/launcher.cjs')) return 'the launcher, and the check of the code cache';
  if (url === 'node:vm') return "V8 reading airtime's cached code (vm.Script)";
  if (url.includes('internal/bootstrap/realm')) return "compiling Node's built-in modules as they load";
  if (url.includes('internal/modules/')) return "Node's module loader (bin, launcher, createRequire)";
  if (
    url === 'node:fs' ||
    url.includes('internal/fs/') ||
    /^(read|readFileUtf8|open|close|fstat|existsSync|lstat|stat|readdir|realpath|internalModuleStat)$/.test(functionName)
  ) {
    return 'file system calls (config search, reading the files)';
  }
  if (url === 'node:path') return 'path arithmetic (config search)';
  if (url === 'node:buffer' || url.includes('internal/buffer')) return 'decoding the bundle text';
  if (/internal\/streams|node:stream|node:net|node:tty|internal\/tty|is_main_thread|sync_write_stream|string_decoder/.test(url))
    return 'stdout and stderr';
  if (/pre_execution|run_main|internal\/bootstrap|internal\/process\/|internal\/main\//.test(url)) return "Node's own start-up";
  return "Node's other internals";
}

function profile(args, env, runs) {
  const dir = mkdtempSync(join(tmpdir(), 'airtime-profile-'));
  const totals = new Map();
  try {
    for (let run = 0; run < runs; run += 1) {
      const result = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250', ...args], {
        env,
        encoding: 'utf8',
      });
      if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    }
    for (const file of readdirSync(dir)) {
      const { nodes, samples, timeDeltas } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const byId = new Map(nodes.map((node) => [node.id, node.callFrame]));
      samples.forEach((id, i) => {
        const name = category(byId.get(id));
        totals.set(name, (totals.get(name) ?? 0) + (timeDeltas[i] ?? 0) / 1000 / runs);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return totals;
}

export function startupProfile({ runs = 15 } = {}) {
  const home = mkdtempSync(join(tmpdir(), 'airtime-bench-'));
  try {
    const env = benchEnv({ HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_CACHE_HOME: join(home, 'cache') });
    const validate = [BIN, 'validate', '+254711000001', '50', '--json'];
    spawnSync(process.execPath, validate, { env }); // writes the code cache
    const airtime = profile(validate, env, runs);
    const node = profile(['-e', '0'], env, runs);
    const names = [...new Set([...airtime.keys(), ...node.keys()])];
    const total = (map) => [...map.values()].reduce((a, b) => a + b, 0);
    const rows = names
      .map((name) => ({ name, airtimeMs: airtime.get(name) ?? 0, nodeMs: node.get(name) ?? 0 }))
      .map((row) => ({ ...row, extraMs: row.airtimeMs - row.nodeMs }))
      .sort((a, b) => b.extraMs - a.extraMs);
    const extra = total(airtime) - total(node);
    return { runs, airtimeMs: total(airtime), nodeMs: total(node), rows: rows.map((row) => ({ ...row, share: row.extraMs / extra })) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
