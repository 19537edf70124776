import type { Command } from 'commander';
import { AirtimeError } from '../core/errors.js';

/** A usage error (exit 2): arguments that do not go together, a value that is missing. */
export function usage(message: string, hint?: string): never {
  throw new AirtimeError('USAGE', message, hint === undefined ? {} : { hint });
}

/** A command as it is typed: 'airtime config init'. */
export function commandPath(command: Command): string {
  const words: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) words.unshift(at.name());
  return words.join(' ');
}

/** Where to read how a command is used: its own help, not the whole program's. */
export function helpHint(path: string): string {
  return `run \`${path} --help\` for usage`;
}
