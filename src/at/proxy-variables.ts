// The proxy variables requests to Africa's Talking honour, read without loading the transport
// (node:http, undici): `airtime doctor` checks them as a request would, and so does the transport.
import { AirtimeError } from '../core/errors.js';

export const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * The first proxy variable that is set but is not an http(s) URL with a host, as the error a
 * request would meet: undici's proxy agent throws a bare TypeError on anything else, which reached
 * the user as "unexpected failure … a bug". The value is not repeated: a proxy URL may carry a
 * password.
 */
export function proxyProblem(env: NodeJS.ProcessEnv): AirtimeError | undefined {
  for (const name of PROXY_VARIABLES) {
    const value = env[name];
    if (!value) continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
      return new AirtimeError('CONFIG_ERROR', `${name} is not a proxy URL: it must look like http://proxy.example:3128`, {
        hint: `fix or unset ${name}; nothing was sent`,
      });
    }
  }
  return undefined;
}
