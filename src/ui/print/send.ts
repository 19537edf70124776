// How a send, a validation and the balance read: for people, and as JSON for scripts.
import { EXIT } from '../../core/errors.js';
import type { BalanceResult, SendOutcome, ValidateResult } from '../../results/send.js';
import { type TransactionResult, transactionJson } from '../../results/transaction.js';
import type { Output } from '../output.js';

export function stateColor(output: Output, state: string, text = state): string {
  const c = output.out;
  if (state === 'sent' || state === 'delivered') return c.green(text);
  if (state === 'failed') return c.red(text);
  if (state === 'unknown' || state === 'pending') return c.yellow(text);
  return text;
}

export function printSend(outcome: SendOutcome, output: Output): void {
  if (outcome.kind === 'declined') return output.error('cancelled: nothing was sent');
  if (outcome.kind === 'dry-run') {
    const { preview } = outcome;
    if (output.flags.json) return output.json({ ok: true, dryRun: true, ...preview });
    return output.result(
      `Would send ${preview.currency} ${preview.amount} to ${preview.phoneNumber} (${preview.country})` +
        `${preview.environment ? ` on ${preview.environment}` : ''}, ${preview.idempotencyKey === null ? 'under a new key' : `key ${preview.idempotencyKey}`}. Nothing was sent.`,
    );
  }
  printTransaction(outcome.result, output);
  if (outcome.interrupted) output.error(`interrupted by ${outcome.interrupted}; the answer above is recorded in the ledger`);
}

export function printTransaction(result: TransactionResult, output: Output): void {
  if (output.flags.json) output.json(transactionJson(result));
  const money = `${result.currency} ${result.amount}`;
  if (result.exitCode === EXIT.OK) {
    const tick = output.out.green('✔');
    const replayed = result.replayed ? output.out.dim(' (replayed from the ledger; nothing new was sent)') : '';
    output.result(
      `${tick} ${stateColor(output, result.state, result.status ?? result.state)} ${money} to ${result.phoneNumber}${replayed}`,
    );
    output.result(`  requestId ${result.requestId ?? '-'}  key ${result.idempotencyKey}  ${result.environment}`);
    if (result.discount) output.result(`  discount ${result.discount}`);
    return;
  }
  const message = result.error?.message ?? result.errorMessage ?? result.state;
  output.error(`${result.replayed ? 'replayed from the ledger: ' : ''}${message} (${money} to ${result.phoneNumber})`, hintFor(result));
}

function hintFor(result: TransactionResult): string | undefined {
  // A replayed failure is this key's recorded result: trying "again" with the key replays it again.
  if (result.replayed && result.state === 'failed') {
    return `this is the result recorded for key ${result.idempotencyKey}; to try again, send without --key (a new key)`;
  }
  switch (result.error?.code) {
    case 'OUTCOME_UNKNOWN':
      return `run \`airtime status ${result.idempotencyKey}\` to check; re-running with --key ${result.idempotencyKey} cannot pay twice, and once you have checked Africa's Talking, \`airtime reconcile ${result.idempotencyKey} --as sent|failed\` settles it`;
    case 'AUTH_FAILED':
      return 'check AT_USERNAME and AT_API_KEY (or `airtime config show`)';
    case 'INSUFFICIENT_BALANCE':
      return "top up the Africa's Talking account, then run `airtime balance`";
    case 'NETWORK_ERROR':
      // The message names the address, where it was set and what to check; what is left to say:
      return 'nothing was sent; the same command can be run again once it can be reached';
    default:
      return undefined;
  }
}

export function printValidate(result: ValidateResult, output: Output): void {
  const { exitCode: _exitCode, ...document } = result;
  if (output.flags.json) {
    output.json({ ok: result.valid, ...document });
    if (!result.valid) return;
  }
  if (result.valid) {
    const amount = result.amount === null ? '' : `  ${result.currency} ${result.amount} allowed`;
    return output.result(`${output.out.green('✔')} ${result.phoneNumber}  ${result.country}  ${result.currency}${amount}`);
  }
  for (const error of result.errors) output.error(error.message);
}

export function printBalance(result: BalanceResult, output: Output): void {
  if (output.flags.json) return output.json({ ok: true, balance: result.balance, currency: result.currency, amount: result.amount });
  output.result(`${result.balance}  (${result.environment})`);
}
