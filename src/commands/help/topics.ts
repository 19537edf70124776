// The help topics, each made from the code that decides what it describes, so that none can drift
// from it: exit codes from src/core/errors.ts, config keys and what a project file may do with each
// from the schema (src/config/schema.ts) and the places searched (src/config/places.ts), defaults
// from the code that applies them.
import { HOSTS } from '../../at/client.js';
import { defaultLedgerPath, displayPath, PROJECT_PLACES, USER_PLACES, userConfigDir } from '../../config/places.js';
import { KEYS, LIMIT_KINDS, LIMIT_SUMMARIES, type LimitKind, PROJECT_RULES, SERVE_KEYS } from '../../config/schema.js';
import { type CurrencyCode, MARKETS } from '../../core/countries.js';
import { EXIT, EXIT_MEANINGS, errorCodesOf } from '../../core/errors.js';
import { defaultDailyCaps } from '../../core/limits.js';
import { formatAmount } from '../../core/money.js';
import { defaultMaxMinor, type MoneyLimits } from '../../core/recipient.js';
import type { ConfigKey, ConfigTopic, EnvironmentTopic, ExitCodesTopic, Variable } from '../../results/help.js';
import { VARIABLE_GROUPS } from './environment.js';

export function exitCodesTopic(): ExitCodesTopic {
  const codes = (Object.keys(EXIT) as (keyof typeof EXIT)[]).map((name) => ({
    exitCode: EXIT[name],
    meaning: EXIT_MEANINGS[name],
    errorCodes: errorCodesOf(EXIT[name]),
  }));
  return {
    kind: 'topic',
    topic: 'exit-codes',
    codes,
    notes: [
      'A bulk send ends with the most serious of its rows: 130/143, then 5, then 3, then 1, then 0.',
      'With --json a failure is {"ok":false,"error":{"code":…,"message":…}}: the code says exactly what happened.',
      '`status --wait` ends 0 delivered, 1 failed, 5 still not final; `doctor` ends 4 when a send would be refused.',
    ],
    exitCode: EXIT.OK,
  };
}

export function environmentTopic(): EnvironmentTopic {
  // The variables that set a config key are the schema's, described as the key is.
  const settings: Variable[] = Object.entries(KEYS).flatMap(([key, spec]) =>
    spec.env === undefined ? [] : [{ names: [spec.env], about: `${spec.summary} (config key ${key})` }],
  );
  return {
    kind: 'topic',
    topic: 'environment',
    groups: [
      { title: 'Settings (over every config file; a flag beats them)', variables: settings },
      ...VARIABLE_GROUPS.map((group) => ({ title: group.title, variables: [...group.variables] })),
    ],
    exitCode: EXIT.OK,
  };
}

export function configTopic(env: NodeJS.ProcessEnv): ConfigTopic {
  const userFolder = displayPath(userConfigDir(env));
  const keys: ConfigKey[] = [];
  for (const [key, spec] of Object.entries(KEYS)) {
    if (key === 'limits') {
      for (const kind of LIMIT_KINDS) {
        keys.push({
          key: `limits.${kind}.<CUR>`,
          summary: LIMIT_SUMMARIES[kind],
          default: limitDefaults(kind),
          environment: null,
          flag: null,
          projectFile: PROJECT_RULES[spec.project],
        });
      }
      continue;
    }
    if (key === 'serve') {
      for (const [name, serveSpec] of Object.entries(SERVE_KEYS)) {
        keys.push({
          key: `serve.${name}`,
          summary: serveSpec.summary,
          default: serveSpec.default === undefined ? null : String(serveSpec.default),
          environment: null,
          flag: null,
          projectFile: PROJECT_RULES[serveSpec.project],
        });
      }
      continue;
    }
    keys.push({
      key: key === 'profiles' ? 'profiles.<name>' : key,
      summary: spec.summary,
      default: spec.default === undefined ? otherDefault(key, env) : String(spec.default),
      environment: spec.env ?? null,
      flag: spec.flag ?? null,
      projectFile: PROJECT_RULES[spec.project],
    });
  }
  return {
    kind: 'topic',
    topic: 'config',
    precedence: [
      'a flag',
      'the environment',
      'the chosen profile (--profile NAME or AIRTIME_PROFILE)',
      'the project file',
      'the user file',
      'the default',
    ],
    files: [
      {
        kind: 'user',
        places: `${USER_PLACES.map((place) => `${userFolder}/${place}`).join(', ')} (the first found), ~/.airtimerc, or one named by --config or AIRTIME_CONFIG`,
        rule: 'It may set every key',
      },
      {
        kind: 'project',
        places: `${PROJECT_PLACES.map((place) => (place === 'package.json' ? 'package.json "airtime"' : place)).join(', ')}: the first found from the working directory up to the folder holding .git, or your home folder`,
        rule: 'It is read only when you (or root) own it and nobody else can write it or its folder (AIRTIME_TRUSTED_DIRS lifts this); limited as each key says',
      },
    ],
    keys,
    exitCode: EXIT.OK,
  };
}

/** The default of a key the schema gives no number for: worked out where the code works it out. */
function otherDefault(key: string, env: NodeJS.ProcessEnv): string | null {
  if (key === 'apiUrl') return `${HOSTS.sandbox} for the username sandbox, ${HOSTS.live} for any other`;
  if (key === 'ledger') return displayPath(defaultLedgerPath(env));
  return null;
}

/** A limit's defaults per currency, in the currency's unit as a config file writes it; null for none. */
function limitDefaults(kind: LimitKind): string | null {
  const defaults: MoneyLimits =
    kind === 'daily'
      ? defaultDailyCaps()
      : kind === 'perRecipient'
        ? Object.fromEntries(MARKETS.map((market) => [market.currency, defaultMaxMinor(market)]))
        : {};
  const entries = MARKETS.flatMap((market) => {
    const minor = defaults[market.currency as CurrencyCode];
    return minor === undefined ? [] : [`${market.currency} ${Number(formatAmount(minor, market))}`];
  });
  return entries.length === 0 ? null : entries.join(', ');
}
