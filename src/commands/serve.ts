import type { Context } from '../context.js';
import { AirtimeError } from '../core/errors.js';

export interface ServeOptions {
  port: number;
  host: string;
  token?: string | undefined;
  insecureNoToken?: boolean | undefined;
  enableSend?: boolean | undefined;
}

/** Placeholder until issue 7 lands: refuses to run rather than pretending to serve. */
export async function serve(_options: ServeOptions, _ctx: Context): Promise<number> {
  throw new AirtimeError('USAGE', 'airtime serve is not available in this build yet');
}
