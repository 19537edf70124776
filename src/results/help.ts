// What `airtime help` produces: a command's own help, as its --help prints it, or a topic as a
// document (printed as text, or as one JSON document with --json).

/** The topics, as `airtime --help` lists them and `airtime help <topic>` answers them. */
export const HELP_TOPICS = [
  { name: 'exit-codes', summary: 'every exit code, what it means, and the error codes behind it' },
  { name: 'environment', summary: 'every environment variable airtime reads, and what it does' },
  { name: 'config', summary: 'every config key, its default, and where it may be set' },
] as const;

export type HelpTopic = (typeof HELP_TOPICS)[number]['name'];

export function isHelpTopic(word: string): word is HelpTopic {
  return HELP_TOPICS.some((topic) => topic.name === word);
}

export interface CommandHelp {
  kind: 'command';
  /** 'airtime config init' */
  command: string;
  /** Exactly what `<command> --help` prints. */
  text: string;
  exitCode: number;
}

export interface ExitCodeEntry {
  exitCode: number;
  meaning: string;
  /** The error codes (`--json`'s error.code) a command ends with this exit code for. */
  errorCodes: string[];
}

export interface ExitCodesTopic {
  kind: 'topic';
  topic: 'exit-codes';
  codes: ExitCodeEntry[];
  notes: string[];
  exitCode: number;
}

export interface Variable {
  /** One variable, or several read alike (HTTPS_PROXY and https_proxy). */
  names: string[];
  about: string;
}

export interface EnvironmentTopic {
  kind: 'topic';
  topic: 'environment';
  groups: { title: string; variables: Variable[] }[];
  exitCode: number;
}

export interface ConfigKey {
  /** As a config file and `airtime config get|set` name it: `timeout`, `limits.daily.<CUR>`. */
  key: string;
  summary: string;
  /** null for none: the summary says what happens without it. */
  default: string | null;
  environment: string | null;
  flag: string | null;
  /** What a project file may do with it. */
  projectFile: string;
}

export interface ConfigTopic {
  kind: 'topic';
  topic: 'config';
  /** Where settings come from, highest precedence first. */
  precedence: string[];
  /** The files read, and what each may set. */
  files: { kind: 'user' | 'project'; places: string; rule: string }[];
  keys: ConfigKey[];
  exitCode: number;
}

export type HelpResult = CommandHelp | ExitCodesTopic | EnvironmentTopic | ConfigTopic;
