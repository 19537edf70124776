import { AirtimeError } from '../core/errors.js';

/** A usage error (exit 2): arguments that do not go together, a value that is missing. */
export function usage(message: string, hint?: string): never {
  throw new AirtimeError('USAGE', message, hint === undefined ? {} : { hint });
}
