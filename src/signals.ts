/** Resolves with the first SIGINT or SIGTERM, for long-running commands (emulator, serve). */
export function nextShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/**
 * For a bulk send: the first SIGINT or SIGTERM calls `first` (stop dispatching, let requests in
 * flight finish, leave the ledger consistent); a second one ends the process at once, the one exit
 * outside src/main.ts (a person pressing Ctrl-C twice means now). Returns the unregister function.
 */
export function onInterrupt(first: (signal: NodeJS.Signals) => void): () => void {
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(signal === 'SIGTERM' ? 143 : 130);
    received = signal;
    first(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
