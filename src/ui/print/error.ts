// An error that stopped a command: the one printer src/main.ts and the guided menu share.
import { type AirtimeError, errorJson } from '../../core/errors.js';
import type { Output } from '../output.js';

/** A line on stderr (with its hint) and, with --json, the error document on stdout. */
export function printError(error: AirtimeError, output: Output): void {
  if (output.flags.json) output.json(errorJson(error));
  output.error(error.message, error.hint);
}
