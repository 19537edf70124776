// What `config` and `completion` produce: result documents that carry their exit code.
import type { SearchedPlace } from '../config/load.js';

export type KeySource = 'env' | 'file' | 'user';

/** The limits `config init` sets: per currency, in the currency's unit. */
export type LimitAnswers = Partial<Record<'perRecipient' | 'daily', Record<string, number>>>;

export interface ConfigInitResult {
  /** declined: the file exists and the person chose not to overwrite it; nothing was written. */
  kind: 'written' | 'declined';
  /** The config file written (or left alone). */
  path: string;
  scope: 'project' | 'user';
  username: string | null;
  keySource: KeySource | null;
  /** The key file named by apiKeyFile, when the key lives in one. */
  keyFile: string | null;
  /** The key's last characters, when airtime stored it. */
  apiKey: string | null;
  defaultCountry: string | null;
  limits: LimitAnswers;
  /** Every file written, each mode 0600. */
  written: string[];
  warnings: string[];
  exitCode: number;
}

export interface SetKeyResult {
  /** The user config file that now holds the key. */
  path: string;
  profile: string | null;
  /** True when it replaced a key that was there. */
  replaced: boolean;
  apiKey: string;
  warnings: string[];
  exitCode: number;
}

export interface ShownValue {
  value: string | number | string[] | null;
  /** flag --x, environment X, a file's path (with the profile), default, or not set. */
  source: string;
}

export interface ConfigShowResult {
  values: Record<string, ShownValue>;
  /** Config files read, lowest precedence first. */
  files: string[];
  exitCode: number;
}

export interface ConfigPathResult {
  /** Every place searched, in order, whether or not a file is there (people see only the files that are, unless --all). */
  files: SearchedPlace[];
  /** The user config file: the one read, or where `config set` and `config init --global` would write one. */
  userFile: string;
  /** --all: people see every place searched, not only the files found. */
  all: boolean;
  /** The ledger's path, or a shared ledger's URL with its password redacted (`exists` null: not checked). */
  ledger: { path: string; exists: boolean | null };
  /** Why the configuration could not be read, when it could not. */
  problem: string | null;
  exitCode: number;
}

/** `config get`: the value in use (or, with --project, the project file's) and where it came from. */
export interface ConfigGetResult {
  key: string;
  /** As `config show` shows it: the API key as its last 4 characters, a URL without its password. */
  value: ShownValue['value'];
  source: string;
  exitCode: number;
}

/** `config set` and `config unset`: the file changed (or left as it was) and what the key held. */
export interface ConfigEditResult {
  action: 'set' | 'unset';
  key: string;
  /** The profile whose setting it is (--profile), or null for the top level. */
  profile: string | null;
  /** The file written (or that would have been, when nothing changed). */
  file: string;
  /** The new value (null for unset), shown as `config get` shows it. */
  value: ShownValue['value'];
  /** What the file held before (null: nothing). */
  previous: ShownValue['value'];
  /** False when the file already said so: nothing was written. */
  changed: boolean;
  warnings: string[];
  exitCode: number;
}

export type Shell = 'bash' | 'zsh' | 'fish';

export interface CompletionResult {
  shell: Shell;
  script: string;
  exitCode: number;
}
