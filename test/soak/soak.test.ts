// The soak in its short form (npm test); `npm run soak` runs the long form (1,000 rows).
import { expect, it } from 'vitest';
import { runSoak } from './soak.js';

const ROWS = Number(process.env.SOAK_ROWS ?? 120);

it(
  `keeps every promise through faults and kills (${ROWS} rows, 30% faults)`,
  async () => {
    const report = await runSoak({
      rows: ROWS,
      seed: Number(process.env.SOAK_SEED ?? 20261127),
      faultRate: 0.3,
      maxKills: ROWS >= 1000 ? 10 : 4,
      concurrency: 8,
      log: process.env.SOAK_VERBOSE ? (line) => console.log(line) : undefined,
    });
    console.log(
      `soak: ${report.rows} rows, ${report.runs} runs, ${report.faultsInjected} faults injected, ${report.killsSurvived} kills survived, ` +
        `${report.duplicates} duplicates, ${report.losses} losses, ${report.unknownAfterSends} left unknown by the sender, ` +
        `${report.settledByCallbacks} of them settled by callbacks, ${report.unknownAtEnd} unknown at the end`,
    );
    expect(report.duplicates).toBe(0);
    expect(report.losses).toBe(0);
    expect(report.disagreements).toEqual([]);
    expect(report.pending).toBe(0);
    expect(report.faultsInjected).toBeGreaterThan(0);
    expect(report.killsSurvived).toBeGreaterThan(0);
  },
  10 * 60_000,
);
