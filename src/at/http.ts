import type { FetchLike } from './client.js';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * The fetch used for Africa's Talking. Node's built-in fetch ignores HTTPS_PROXY / HTTP_PROXY /
 * NO_PROXY, so when one is set the request goes through undici's EnvHttpProxyAgent, which reads
 * all three. undici is loaded only then: it is large, and most runs have no proxy.
 */
export async function createFetch(env: NodeJS.ProcessEnv): Promise<FetchLike> {
  if (!PROXY_VARIABLES.some((name) => env[name])) return (input, init) => fetch(input, init);
  const { EnvHttpProxyAgent, undiciFetch } = await import('./proxy.js');
  const dispatcher = new EnvHttpProxyAgent();
  return (input, init) =>
    undiciFetch(input, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>;
}
