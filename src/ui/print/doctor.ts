// How `airtime doctor` reads: a line per check, marked, with what to do under it; or one JSON document.
import type { DoctorResult } from '../../results/doctor.js';
import type { Output } from '../output.js';

const NAMES = { config: 'config', credentials: 'credentials', api: 'API', clock: 'clock', proxy: 'proxy', ledger: 'ledger' } as const;

export function printDoctor(result: DoctorResult, output: Output): void {
  if (output.flags.json) {
    output.json({ ok: result.ready, ready: result.ready, checks: result.checks });
    return;
  }
  const c = output.out;
  const marks = { ok: c.green('✔'), warn: c.yellow('!'), fail: c.red('✖'), skip: c.dim('-') };
  const width = Math.max(...Object.values(NAMES).map((name) => name.length));
  for (const check of result.checks) {
    const message = check.status === 'skip' ? c.dim(check.message) : check.message;
    output.result(`${marks[check.status]} ${NAMES[check.check].padEnd(width)}  ${message}`);
    if (check.fix) output.result(`  ${' '.repeat(width)}  ${c.dim(`fix: ${check.fix}`)}`);
  }
  if (result.ready) output.result(`\n${c.green('Ready to send.')}`);
  else output.error('sending is blocked: fix what is marked ✖ above');
}
