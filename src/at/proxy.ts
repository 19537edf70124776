// Loaded only when a proxy variable is set: undici is large, and most runs have no proxy.
export { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
