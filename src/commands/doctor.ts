// `airtime doctor`: the setup checked as a whole, before a newcomer finds out one failed send at a
// time. Every check is made the way a send would meet it (the same loading, the same client and
// transport, the ledger opened for reading), but nothing is sent, written or created.
import { PROXY_VARIABLES, proxyProblem } from '../at/proxy-variables.js';
import { checkKeyCharacters, loadSettings, NOTES, type SearchedPlace, searchConfigFiles } from '../config/load.js';
import { displayPath, userConfigDir } from '../config/places.js';
import type { Settings } from '../config/schema.js';
import { environmentOf } from '../core/environment.js';
import { AirtimeError, EXIT } from '../core/errors.js';
import { ledgerKind, redactLocation } from '../core/ledger-location.js';
import { isLoopbackUrl } from '../core/loopback.js';
import { formatUnits4, parseReportedMoney } from '../core/money.js';
import { inspectLedger } from '../ledger/open.js';
import type { CheckName, CheckStatus, DoctorCheck, DoctorResult } from '../results/doctor.js';
import { apiUrlSource, type Context } from './context.js';

/** How far this machine's clock may be from Africa's Talking's before it is worth a word. */
const CLOCK_TOLERANCE_MS = 2 * 60_000;
const ORDER: CheckName[] = ['config', 'credentials', 'api', 'clock', 'proxy', 'ledger'];

type DoctorContext = Pick<Context, 'cwd' | 'env' | 'flags' | 'clock' | 'client'>;

export async function doctor(ctx: DoctorContext): Promise<DoctorResult> {
  const checks: DoctorCheck[] = [];
  const add = (check: CheckName, status: CheckStatus, message: string, fix: string | null = null) =>
    checks.push({ check, status, message, fix });
  const options = { cwd: ctx.cwd, env: ctx.env, flags: { config: ctx.flags.config, profile: ctx.flags.profile } };

  const settings = await checkConfig(options, add);
  checkProxy(ctx.env, add);
  if (settings === undefined) {
    for (const check of ['credentials', 'api', 'clock', 'ledger'] as const)
      add(check, 'skip', 'not checked: the configuration does not load');
  } else {
    await checkLedger(settings, add);
    await checkAccount(ctx, settings, add);
  }
  checks.sort((a, b) => ORDER.indexOf(a.check) - ORDER.indexOf(b.check));
  const ready = !checks.some((check) => check.status === 'fail');
  return { checks, ready, exitCode: ready ? EXIT.OK : EXIT.CONFIG };
}

type Add = (check: CheckName, status: CheckStatus, message: string, fix?: string | null) => void;

/** Each config file found: read, or why not; then what loading says of them together. */
async function checkConfig(options: Parameters<typeof loadSettings>[0], add: Add): Promise<Settings | undefined> {
  let found: SearchedPlace[] = [];
  try {
    found = searchConfigFiles(options).searched.filter((place) => place.exists && place.kind !== 'beyond');
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    add('config', 'fail', error.message, error.hint ?? null);
    return undefined;
  }
  for (const place of found) {
    if (place.loaded) add('config', 'ok', `read ${place.path} (${place.kind === 'project' ? 'a project file' : 'yours'})`);
    else if (place.note === NOTES.code) {
      add(
        'config',
        'fail',
        `${place.path} is code, and airtime never runs a config file`,
        'convert it to JSON or YAML (a sending command refuses to run beside it)',
      );
    } else if (place.note === NOTES.shadowed) {
      add(
        'config',
        'warn',
        `${place.path} is not read: a file before it in the search is`,
        'merge its settings into the file that is read, and remove it',
      );
    } else if (place.note !== undefined) {
      add(
        'config',
        'fail',
        `${place.path} is not read: ${place.note}, so it may not be yours (a sending command refuses to run beside it)`,
        'if it is yours, fix its owner and mode (chmod go-w), or add its folder to AIRTIME_TRUSTED_DIRS',
      );
    }
  }
  let settings: Settings;
  try {
    settings = await loadSettings(options);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    add('config', 'fail', error.message, error.hint ?? 'fix the file; `airtime config path` shows which files are read');
    return undefined;
  }
  for (const warning of settings.warnings) add('config', 'warn', warning);
  if (found.length === 0 && settings.warnings.length === 0) {
    add(
      'config',
      'ok',
      `no config file: settings come from the environment and the defaults (yours would be in ${displayPath(userConfigDir(options.env))})`,
    );
  }
  return settings;
}

function checkProxy(env: NodeJS.ProcessEnv, add: Add): void {
  const problem = proxyProblem(env);
  if (problem) {
    add('proxy', 'fail', problem.message, problem.hint ?? null);
    return;
  }
  const set = [...PROXY_VARIABLES, 'NO_PROXY', 'no_proxy'].filter((name) => env[name]);
  if (set.length === 0) add('proxy', 'ok', "none set: requests go straight to Africa's Talking");
  // A proxy URL may carry a password: shown as *** like a database URL.
  else add('proxy', 'ok', set.map((name) => `${name}=${redactLocation(env[name] ?? '')}`).join(', '));
}

async function checkLedger(settings: Settings, add: Add): Promise<void> {
  try {
    const ledger = await inspectLedger(settings.ledgerLocation);
    const fix =
      ledger.kind === 'postgres'
        ? 'grant what docs/shared-ledger.md lists ("Grant each host only what it uses"), or run airtime once as the schema\'s owner'
        : 'point the ledger at a file in a folder you can write: AIRTIME_LEDGER, or `airtime config set ledger PATH`';
    if (!ledger.exists) {
      if (ledger.problem) add('ledger', 'fail', `${ledger.location} cannot be created: ${ledger.problem}`, fix);
      else add('ledger', 'ok', `${ledger.location}: not created yet; the first send creates it`);
      return;
    }
    const schema =
      ledger.version === ledger.latest
        ? `schema ${ledger.version}`
        : `schema ${ledger.version} (the next send moves it to ${ledger.latest})`;
    if (ledger.problem) add('ledger', 'fail', `${ledger.location} cannot be written: ${ledger.problem}; ${schema}`, fix);
    else add('ledger', 'ok', `${ledger.location}: can be written, ${schema}`);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    add('ledger', 'fail', error.message, error.hint ?? null);
  }
}

/** Credentials present and accepted (a balance call), the API reached, and the clock against its `Date`. */
async function checkAccount(ctx: DoctorContext, settings: Settings, add: Add): Promise<void> {
  const source = apiUrlSource(settings);
  const skip = (why: string, ...names: CheckName[]) => {
    for (const name of names) add(name, 'skip', `not checked: ${why}`);
  };
  const { username, apiKey } = settings;
  if (username === undefined || apiKey === undefined) {
    const missing = [username === undefined && 'username', apiKey === undefined && 'API key'].filter(Boolean).join(' or ');
    add('credentials', 'fail', `no Africa's Talking ${missing} configured`, 'set AT_USERNAME and AT_API_KEY, or run `airtime config init`');
    skip('no credentials to ask with', 'api', 'clock');
    return;
  }
  try {
    checkKeyCharacters(apiKey, settings.sources.apiKey);
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    add('credentials', 'fail', error.message, error.hint ?? null);
    skip('the API key cannot be sent', 'api', 'clock');
    return;
  }
  let client: Awaited<ReturnType<Context['client']>>;
  try {
    // The files that were read, whatever was refused beside them: that is reported above.
    client = await ctx.client({ ...settings, refused: [] });
  } catch (error) {
    if (!(error instanceof AirtimeError)) throw error;
    skip(error.message, 'credentials', 'api', 'clock');
    return;
  }
  const where = `${client.baseUrl} (${source ?? `the ${client.environment} default`})`;
  const account = environmentOf(username) === 'sandbox' ? 'sandbox' : `${username} (live)`;
  const key = `${account}, API key ${apiKey.length >= 12 ? `…${apiKey.slice(-4)}` : '…'} from ${settings.sources.apiKey ?? 'the configuration'}`;
  const answer = await client.balance();
  if (answer.kind === 'transient' && !answer.reached) {
    add(
      'api',
      'fail',
      `${where} cannot be reached: ${answer.reason.replace(/ at \S+ \(.*\); .*$/, '')}`,
      isLoopbackUrl(client.baseUrl)
        ? 'start `airtime emulator` there, or correct AIRTIME_API_URL / apiUrl'
        : 'check the network, HTTPS_PROXY, and AIRTIME_API_URL / apiUrl',
    );
    skip("Africa's Talking could not be reached", 'credentials', 'clock');
    return;
  }
  if (answer.kind === 'transient') {
    add('api', 'fail', `${where} did not answer usably: ${answer.reason}`, "try again; if it persists, check Africa's Talking's status");
    skip('no usable answer', 'credentials');
  } else if (answer.kind === 'not-found') {
    add(
      'api',
      'fail',
      `${where} answered HTTP ${answer.httpStatus ?? '?'}: ${answer.errorMessage}`,
      "check the URL: it should be Africa's Talking's, or the emulator's",
    );
    skip('no usable answer', 'credentials');
  } else {
    add('api', 'ok', `${where} answered`);
    if (answer.kind === 'auth-failed') {
      add(
        'credentials',
        'fail',
        `Africa's Talking refused ${key}: ${answer.errorMessage}`,
        'copy the key again from the dashboard and store it with `airtime config set-key` (or fix AT_API_KEY); the username is exactly "sandbox" for the sandbox',
      );
    } else {
      const money = parseReportedMoney(answer.balance);
      add(
        'credentials',
        'ok',
        `${key}: accepted; balance ${money ? `${money.currency} ${formatUnits4(money.units4, true)}` : answer.balance}`,
      );
    }
  }
  checkClock(ctx, settings, answer.date, add);
}

function checkClock(ctx: DoctorContext, settings: Settings, date: number | undefined, add: Add): void {
  if (date === undefined) {
    add('clock', 'skip', "not checked: Africa's Talking's answer had no Date header");
    return;
  }
  const skew = ctx.clock.now() - date;
  const seconds = Math.round(Math.abs(skew) / 1000);
  if (Math.abs(skew) <= CLOCK_TOLERANCE_MS) {
    add('clock', 'ok', `within ${seconds} s of Africa's Talking's`);
    return;
  }
  const amount = seconds >= 5400 ? `${Math.round(seconds / 3600)} h` : `${Math.round(seconds / 60)} min`;
  const shared = ledgerKind(settings.ledgerLocation) === 'postgres' ? " (a shared ledger's windows use the database's clock)" : '';
  add(
    'clock',
    'warn',
    `this machine's clock is ${amount} ${skew > 0 ? 'ahead of' : 'behind'} Africa's Talking's`,
    `set it right (NTP: timedatectl set-ntp true): the ledger's times, --since and the duplicate window are measured on it${shared}`,
  );
}
