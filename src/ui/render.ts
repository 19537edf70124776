// Turning command results into what people and scripts read. Returns the exit code the result
// calls for; src/main.ts is the one that exits.
import type { BalanceResult } from '../commands/balance.js';
import type { SendOutcome, SendPreview } from '../commands/send.js';
import type { ValidateResult } from '../commands/validate.js';
import { EXIT, exitCodeFor, type AirtimeError } from '../core/errors.js';
import type { TransactionResult } from '../transaction.js';
import type { Output } from './output.js';

export function stateColor(output: Output, state: string, text = state): string {
  const c = output.out;
  if (state === 'sent' || state === 'delivered') return c.green(text);
  if (state === 'failed') return c.red(text);
  if (state === 'unknown' || state === 'pending') return c.yellow(text);
  return text;
}

export function confirmationText(preview: SendPreview, output: Output): string {
  const where = preview.environment === 'live' ? output.out.bold.red('LIVE, real money') : 'sandbox';
  return `Send ${preview.currency} ${preview.amount} to ${preview.phoneNumber} (${preview.country}) on ${where}?`;
}

/** The contract's `send --json` document. */
export function transactionJson(result: TransactionResult): Record<string, unknown> {
  const { error, country: _country, ...fields } = result;
  const ok = result.state === 'sent' || result.state === 'delivered';
  return ok || !error ? { ok, ...fields } : { ok, error, ...fields };
}

export function printSend(outcome: SendOutcome, output: Output): number {
  if (outcome.kind === 'dry-run' || outcome.kind === 'declined') {
    const { preview } = outcome;
    if (outcome.kind === 'declined') {
      output.error('cancelled: nothing was sent');
      return EXIT.SIGINT;
    }
    if (output.flags.json) {
      output.json({ ok: true, dryRun: true, ...preview });
    } else {
      output.result(
        `Would send ${preview.currency} ${preview.amount} to ${preview.phoneNumber} (${preview.country})` +
          `${preview.environment ? ` on ${preview.environment}` : ''}, key ${preview.idempotencyKey}. Nothing was sent.`,
      );
    }
    return EXIT.OK;
  }
  return printTransaction(outcome.result, output);
}

export function printTransaction(result: TransactionResult, output: Output): number {
  const exitCode = result.error ? exitCodeFor(result.error.code) : EXIT.OK;
  if (output.flags.json) {
    output.json(transactionJson(result));
  }
  const money = `${result.currency} ${result.amount}`;
  if (!result.error) {
    const tick = output.out.green('✔');
    const replayed = result.replayed ? output.out.dim(' (replayed from the ledger; nothing new was sent)') : '';
    output.result(
      `${tick} ${stateColor(output, result.state, result.status ?? result.state)} ${money} to ${result.phoneNumber}${replayed}`,
    );
    output.result(`  requestId ${result.requestId ?? '-'}  key ${result.idempotencyKey}  ${result.environment}`);
    if (result.discount) output.result(`  discount ${result.discount}`);
    return exitCode;
  }
  output.error(`${result.error.message} (${money} to ${result.phoneNumber})`, hintFor(result));
  return exitCode;
}

function hintFor(result: TransactionResult): string | undefined {
  switch (result.error?.code) {
    case 'OUTCOME_UNKNOWN':
      return `key ${result.idempotencyKey}: check Africa's Talking before sending again; re-running with --key ${result.idempotencyKey} cannot pay twice within the duplicate window`;
    case 'AUTH_FAILED':
      return 'check AT_USERNAME and AT_API_KEY (or `airtime config show`)';
    case 'INSUFFICIENT_BALANCE':
      return 'top up the Africa\'s Talking account, then run `airtime balance`';
    case 'NETWORK_ERROR':
      return 'nothing was sent; check the network (HTTPS_PROXY?) and try again';
    default:
      return undefined;
  }
}

/** An error that stopped a command, as a line on stderr and, with --json, a document on stdout. */
export function printError(error: AirtimeError, output: Output): void {
  if (output.flags.json) {
    output.json({ ok: false, error: { code: error.code, message: error.message }, ...error.details });
  }
  output.error(error.message, error.hint);
}

export function printValidate(result: ValidateResult, output: Output): number {
  const exitCode = result.valid ? EXIT.OK : EXIT.USAGE;
  if (output.flags.json) {
    output.json({ ok: result.valid, ...result });
    if (!result.valid) return exitCode;
  }
  if (result.valid) {
    const amount = result.amount === null ? '' : `  ${result.currency} ${result.amount} allowed`;
    output.result(`${output.out.green('✔')} ${result.phoneNumber}  ${result.country}  ${result.currency}${amount}`);
    return exitCode;
  }
  for (const error of result.errors) output.error(error.message);
  return exitCode;
}

export function printBalance(result: BalanceResult, output: Output): number {
  if (output.flags.json) {
    output.json({ ok: true, balance: result.balance, currency: result.currency, amount: result.amount });
  } else {
    output.result(`${result.balance}  (${result.environment})`);
  }
  return EXIT.OK;
}
