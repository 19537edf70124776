import { afterEach } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/server.js';

const running: Emulator[] = [];

/** An emulator on 127.0.0.1 and a free port, closed after the test. */
export async function emulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const started = await startEmulator({ port: 0, host: '127.0.0.1', retryAfterSeconds: 0, ...options });
  running.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
});

/** The environment that points the CLI at an emulator, with short timings so tests stay fast. */
export function emulatorEnv(emu: Emulator, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { AIRTIME_API_URL: emu.url, AT_USERNAME: 'sandbox', AT_API_KEY: 'test-key-not-secret', ...extra };
}
