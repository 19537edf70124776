// What a command reports while it runs, before its result: progress words, warnings, a server's
// request log. Commands and engines say what happened; `ui` decides how it reads (a line on
// stderr, a spinner's text, a JSON log line).

/** One request a server answered, as its log line says it. */
export interface RequestLog {
  time: string;
  method: string;
  /** The path without its query string, which carries the token. */
  path: string;
  status: number;
  ms: number;
  /** What the request decided: delivered, Validated, Failed and why, sent, unauthorized… */
  decision: string;
}

export type Note =
  /** Something the user should know; printed as a warning. */
  | { kind: 'warning'; message: string }
  /** A send's retry after a transient failure, under the same key. */
  | { kind: 'retrying'; attempt: number; reason: string; delayMs: number }
  /** Another process is sending this key: its answer is waited for. */
  | { kind: 'waiting'; pid: number }
  /** A signal came while requests were in flight: they are let finish and recorded. */
  | { kind: 'finishing'; signal: NodeJS.Signals; bulk: boolean }
  /** A bulk row not resent: Africa's Talking may still deliver it. */
  | { kind: 'row-held'; row: number; maxNumRetry: number | null; until: number }
  /** A bulk row the ledger refused as it was claimed (its key or a cap taken meanwhile). */
  | { kind: 'row-refused'; row: number; message: string }
  /** `airtime serve` is listening; its first stdout line is the address, for scripts. */
  | { kind: 'serving'; url: string; sending: boolean; insecure: boolean; drainSeconds: number | null }
  /** `airtime emulator` is listening; its first stdout line is `AIRTIME_API_URL=…`, ready to export. */
  | { kind: 'emulating'; url: string }
  /** One request a server answered. */
  | { kind: 'request'; entry: RequestLog }
  /** One request the emulator answered, as its log line. */
  | { kind: 'emulated'; line: string }
  /** A server stopping on a signal; `inFlight` sends it finishes first (null: no POST /send). */
  | { kind: 'stopping'; signal: NodeJS.Signals; inFlight: number | null; drainSeconds: number | null }
  /** A server's request failed in a way that is a bug; the client got a bare 500. */
  | { kind: 'failure'; message: string; stack: string | undefined };
