// Whether an address is this machine: plain http is tolerated only there (the key would otherwise
// travel in clear text), and an unreachable loopback address is most likely an emulator not started.

/** 127.0.0.0/8, [::1] and localhost, after URL parsing (so `http://0x7f000001` is loopback too). */
export function isLoopbackUrl(url: string | URL): boolean {
  let hostname: string;
  try {
    hostname = (typeof url === 'string' ? new URL(url) : url).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
