// The first code Node runs. It is CommonJS because Node starts a CommonJS file 5-10 ms sooner
// than an ES module, which is a third of a bare `node -e 0` here; `airtime --version`, which
// scripts call to probe an install, is answered from this file alone.
declare const __AIRTIME_VERSION__: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${__AIRTIME_VERSION__}\n`);
} else {
  void import('./main.js');
}
