// The first code Node runs. It is CommonJS because Node starts a CommonJS file 5-10 ms sooner
// than an ES module, which is a third of a bare `node -e 0` here; `airtime --version`, which
// scripts call to probe an install, is answered from this file alone.
import * as nodeModule from 'node:module';

declare const __AIRTIME_VERSION__: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${__AIRTIME_VERSION__}\n`);
} else {
  // Node 22.1+ keeps V8's compiled code on disk between runs (in the OS temp folder), which
  // saves most of the cost of loading the bundle; older Node lacks the function and skips this.
  (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  void import('./main.js');
}
