import { AirtimeError, EXIT } from '../core/errors.js';
import { FAULTS, type Fault, startEmulator } from '../emulator/server.js';
import type { Context } from './context.js';
import { cannotListen } from './serve.js';

export interface EmulatorCommandOptions {
  port: number;
  host: string;
  duplicateWindow?: number | undefined;
  latency?: number | undefined;
  balance?: string | undefined;
  balanceFormat?: string | undefined;
  faultRate?: number | undefined;
  faults?: string | undefined;
  faultScript?: string | undefined;
  seed?: number | undefined;
  retryAfter?: number | undefined;
  duplicateStatus?: number | undefined;
  airtimeDisabled?: boolean | undefined;
  callbackUrl?: string | undefined;
  callbackFormat?: string | undefined;
  deliveryDelay?: number | undefined;
  deliveryFailureRate?: number | undefined;
  validationUrl?: string | undefined;
  validationTimeout?: number | undefined;
}

/** Runs a local Africa's Talking until SIGINT or SIGTERM; the first stdout line is its address. */
export async function emulator(
  options: EmulatorCommandOptions,
  ctx: Pick<Context, 'env' | 'notify' | 'untilStopped'>,
): Promise<{ exitCode: number }> {
  const stopped = ctx.untilStopped();
  const server = await startEmulator({
    port: options.port,
    host: options.host,
    duplicateWindowMs: options.duplicateWindow === undefined ? undefined : options.duplicateWindow * 1000,
    latencyMs: options.latency,
    balance: options.balance,
    balanceFormat: options.balanceFormat === 'separators' ? 'separators' : 'plain',
    apiKey: ctx.env.AIRTIME_EMULATOR_KEY || undefined,
    faultRate: options.faultRate,
    faultKinds: options.faults === undefined ? undefined : parseFaults(options.faults, '--faults'),
    faultScript: options.faultScript === undefined ? undefined : parseFaults(options.faultScript, '--fault-script'),
    seed: options.seed,
    retryAfterSeconds: options.retryAfter,
    duplicateStatus: options.duplicateStatus,
    airtimeDisabled: options.airtimeDisabled,
    callbackUrl: options.callbackUrl,
    callbackFormat: options.callbackFormat === 'json' ? 'json' : 'form',
    deliveryDelayMs: options.deliveryDelay === undefined ? undefined : options.deliveryDelay * 1000,
    deliveryFailureRate: options.deliveryFailureRate,
    validationUrl: options.validationUrl,
    validationTimeoutMs: options.validationTimeout === undefined ? undefined : options.validationTimeout * 1000,
    log: (line) => ctx.notify({ kind: 'emulated', line }),
  }).catch((error: unknown) => {
    throw cannotListen(options.host, options.port, error);
  });
  ctx.notify({ kind: 'emulating', url: server.url });
  await stopped;
  await server.close();
  return { exitCode: EXIT.OK };
}

function parseFaults(list: string, flag: string): Fault[] {
  const faults = list
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const bad = faults.find((f) => !FAULTS.includes(f as Fault));
  if (bad !== undefined) throw new AirtimeError('USAGE', `${flag}: unknown fault ${bad}; use ${FAULTS.join(', ')}`);
  return faults as Fault[];
}
