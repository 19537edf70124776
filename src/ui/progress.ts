// A progress bar on stderr for bulk sends, drawn only where stderr is a terminal. Piped output gets
// one summary line at the end instead (printed by the caller).
import type { Output } from './output.js';

export interface ProgressCounts {
  done: number;
  sent: number;
  failed: number;
  unknown: number;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  stop(): void;
}

export function createProgress(output: Output, total: number, now: () => number = Date.now): Progress {
  if (!output.animated || total === 0) return { update() {}, stop() {} };
  const stream = output.streams.stderr;
  const c = output.err;
  const started = now();
  let drawnAt = 0;
  let last: ProgressCounts = { done: 0, sent: 0, failed: 0, unknown: 0 };
  const draw = () => {
    const elapsed = Math.max(1, now() - started) / 1000;
    const rate = last.done / elapsed;
    const eta = rate > 0 ? Math.ceil((total - last.done) / rate) : undefined;
    const width = 24;
    const filled = Math.min(width, Math.round((last.done / total) * width));
    const bar = `${c.green('█'.repeat(filled))}${c.dim('░'.repeat(width - filled))}`;
    const parts = [
      `${bar} ${last.done}/${total}`,
      `${rate.toFixed(1)}/s`,
      eta === undefined ? 'ETA -' : `ETA ${formatDuration(eta)}`,
      c.green(`sent ${last.sent}`),
      last.failed ? c.red(`failed ${last.failed}`) : `failed 0`,
      last.unknown ? c.yellow(`unknown ${last.unknown}`) : '',
    ];
    stream.write(`\r\u001b[2K${parts.filter(Boolean).join('  ')}`);
  };
  return {
    update(counts) {
      last = counts;
      // At most ten redraws a second: a terminal is slower than a fast batch.
      if (now() - drawnAt >= 100 || counts.done === total) {
        drawnAt = now();
        draw();
      }
    },
    stop() {
      draw();
      stream.write('\n');
    },
  };
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
