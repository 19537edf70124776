// The environment variables airtime reads, for `airtime help environment`, beside the ones that set
// a config key (the schema names those: src/config/schema.ts). test/e2e/help.test.ts scans src/ for
// every AT_* and AIRTIME_* name, so a variable read somewhere new cannot be left out of this list.
import type { Variable } from '../../results/help.js';

export const VARIABLE_GROUPS: readonly { title: string; variables: readonly Variable[] }[] = [
  {
    title: 'Configuration',
    variables: [
      { names: ['AIRTIME_CONFIG'], about: 'one config file to read instead of searching (as --config), trusted like your user config' },
      { names: ['AIRTIME_PROFILE'], about: 'the profile of the config files to use (as --profile)' },
      {
        names: ['AIRTIME_TRUSTED_DIRS'],
        about:
          "folders (':'-separated, * for all) whose project config files are read whoever owns them, for CI checkouts and shared deploy folders; from the environment only, as a file cannot vouch for itself",
      },
    ],
  },
  {
    title: 'Commands',
    variables: [
      {
        names: ['AIRTIME_WEBHOOK_TOKEN'],
        about: 'serve: the secret callbacks carry as ?token= and POST /send as a Bearer token (as --token, which ps would show)',
      },
      { names: ['AIRTIME_EMULATOR_KEY'], about: 'emulator: the one API key it accepts, any other gets HTTP 401 (unset: any key)' },
    ],
  },
  {
    title: 'Output and prompts',
    variables: [
      { names: ['NO_COLOR'], about: 'set and not empty: no colour' },
      {
        names: ['FORCE_COLOR'],
        about: 'colour even off a terminal (0 or false: none; 2 or 3: 256 colours or true colour); it beats NO_COLOR, --no-color beats it',
      },
      { names: ['TERM'], about: 'dumb: no colour and no spinners' },
      { names: ['COLORTERM'], about: 'truecolor or 24bit: full colour at a terminal' },
      { names: ['CI'], about: 'set: never prompt, as with --no-input (a missing value is a usage error)' },
      { names: ['TZ'], about: 'the time zone of local dates: today and yesterday in --since and --until, the days of stats' },
    ],
  },
  {
    title: 'Network',
    variables: [
      {
        names: ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'],
        about: "the proxy for requests to Africa's Talking: an http(s) URL (airtime doctor checks it)",
      },
      { names: ['NO_PROXY', 'no_proxy'], about: 'hosts reached without the proxy' },
    ],
  },
  {
    title: 'Where files are',
    variables: [
      { names: ['XDG_CONFIG_HOME'], about: 'your user config is in $XDG_CONFIG_HOME/airtime (default ~/.config/airtime)' },
      {
        names: ['XDG_DATA_HOME'],
        about: 'the default ledger is $XDG_DATA_HOME/airtime/ledger.db (default ~/.local/share/airtime/ledger.db)',
      },
      { names: ['XDG_CACHE_HOME'], about: 'compiled code is cached in $XDG_CACHE_HOME/airtime (default ~/.cache/airtime), safe to delete' },
      { names: ['AIRTIME_CODE_CACHE'], about: '0: no compiled-code cache (a slower start, nothing written)' },
      { names: ['HOME'], about: 'your home folder: where ~ and the defaults above point, and where the search for a project config stops' },
    ],
  },
  {
    title: 'A shared ledger (PostgreSQL)',
    variables: [
      {
        names: ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE', 'PGSSLMODE'],
        about:
          'what a postgres:// ledger URL leaves out, read as psql reads them (with ~/.pgpass): keep the password here or in ~/.pgpass rather than in the URL',
      },
    ],
  },
  {
    title: 'Who sends',
    variables: [
      { names: ['SUDO_UID'], about: 'under sudo, the user whose config files count as yours, as git has it' },
      { names: ['USER', 'LOGNAME'], about: 'who started a send, recorded with it, when the account has no name (containers)' },
    ],
  },
  {
    title: 'Printed for you to export (not read)',
    variables: [
      { names: ['AIRTIME_SERVE_URL'], about: "serve's first line: the address it listens on (the emulator's is AIRTIME_API_URL)" },
    ],
  },
];
