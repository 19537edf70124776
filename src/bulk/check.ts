// The validation pass of a bulk file: every row through the same rules as a single send, before
// anything is sent. Keeps counts, totals and compact fingerprints, never the rows themselves.
import { FingerprintTable, rowFingerprint } from '../core/batch.js';
import type { Market } from '../core/countries.js';
import { AirtimeError } from '../core/errors.js';
import { type KeyRecord, keyConflict, parseIdempotencyKey } from '../core/idempotency.js';
import { checkRecipient, type MoneyLimits, type Recipient } from '../core/recipient.js';
import { hasControlCharacter } from '../core/text.js';
import type { FileCheck, FileFormat, RowProblem } from '../results/bulk.js';
import { type RowInput, readRows } from './reader.js';

export interface ValidRow {
  row: number;
  line: number | null;
  recipient: Recipient;
  /** The file's `key` column, if any. */
  key: string | null;
  reference: string | null;
  /** 1 for the first row with this phone, amount, currency, reference and key; 2 for its repeat… */
  occurrence: number;
}

export interface CheckOptions {
  /** How messages call the file (the user's argument, "standard input"). */
  name?: string | undefined;
  country?: string | undefined;
  perRecipient: MoneyLimits;
  /** How many problems to keep for the report (all are counted). */
  listLimit?: number;
  /**
   * What the ledger records under a key, if anything (a missing ledger has no keys). A row whose
   * `key` names another payment is invalid here, before anything is sent, not found mid-batch.
   */
  recordedKey?: ((key: string) => Promise<KeyRecord | undefined>) | undefined;
  /** Called for each valid row, in file order; the pass waits for it (the sending pass uses this). */
  onValidRow?: (row: ValidRow) => void | Promise<void>;
}

export async function checkFile(input: RowInput, format: FileFormat, options: CheckOptions): Promise<FileCheck> {
  const listLimit = options.listLimit ?? 1000;
  const source = readRows(input, format, options.name);
  const firstRowOf = new FingerprintTable();
  const repeats = new Map<number, number>();
  const keyOwner = new FingerprintTable();
  const totals = new Map<Market, number>();
  const invalid: RowProblem[] = [];
  const duplicates: FileCheck['duplicates'] = [];
  let total = 0;
  let validCount = 0;
  let invalidCount = 0;
  let duplicateCount = 0;

  for await (const raw of source.rows) {
    total += 1;
    const errors: AirtimeError[] = [];
    if (raw.unreadable) errors.push(new AirtimeError('INVALID_FILE', raw.unreadable));
    const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : undefined);
    let key: string | null = null;
    let reference: string | null = null;
    let recipient: Recipient | undefined;
    if (!raw.unreadable) {
      if (raw.phone === undefined) errors.push(new AirtimeError('INVALID_PHONE', 'no phone number'));
      if (raw.amount === undefined) errors.push(new AirtimeError('INVALID_AMOUNT', 'no amount'));
      if (raw.phone !== undefined && raw.amount !== undefined) {
        const amount = typeof raw.amount === 'number' ? raw.amount : text(raw.amount);
        const check = checkRecipient(
          { phone: text(raw.phone) ?? '', amount: amount ?? '', currency: text(raw.currency), country: options.country },
          options.perRecipient,
        );
        errors.push(...check.errors);
        recipient = check.recipient;
      }
      if (raw.key !== undefined) {
        try {
          key = parseIdempotencyKey(text(raw.key) ?? '');
        } catch (error) {
          errors.push(error as AirtimeError);
        }
      }
      if (raw.reference !== undefined) {
        reference = text(raw.reference) ?? null;
        if (reference !== null && reference.length > 255) {
          errors.push(new AirtimeError('INVALID_FILE', 'the reference is longer than 255 characters'));
        }
        // A line break or tab would split the reference across lines and columns of every listing
        // (`airtime status | cut`, exports), and an escape would drive the terminal showing it.
        if (reference !== null && hasControlCharacter(reference)) {
          errors.push(new AirtimeError('INVALID_FILE', 'the reference holds a control character (a line break, a tab, an escape)'));
        }
      }
    }

    let occurrence = 1;
    if (recipient && errors.length === 0) {
      const identity = rowFingerprint([recipient.phoneNumber, recipient.amountMinor, recipient.market.currency, reference, key]);
      const first = firstRowOf.firstRow(identity, raw.row);
      const recorded = key === null ? undefined : await options.recordedKey?.(key);
      if (recorded) {
        // The ledger's payment owns the key: every row naming it must be that payment.
        const conflict = keyConflict(recorded, recipient);
        if (conflict) errors.push(conflict);
      } else if (key !== null) {
        // One key, one transaction: a key naming a different send on another row is an error, also
        // on a row repeating a row that was itself such an error (its first row is not the owner).
        const owner = keyOwner.firstRow(rowFingerprint([key]), raw.row);
        if (owner !== undefined && owner !== first) {
          errors.push(new AirtimeError('IDEMPOTENCY_CONFLICT', `key ${key} is also used by row ${owner} for a different send`));
        }
      }
      if (first !== undefined && errors.length === 0) {
        occurrence = (repeats.get(identity) ?? 1) + 1;
        repeats.set(identity, occurrence);
        duplicateCount += 1;
        if (duplicates.length < listLimit) duplicates.push({ row: raw.row, firstRow: first });
      }
    }

    if (errors.length > 0 || !recipient) {
      invalidCount += 1;
      if (invalid.length < listLimit) {
        invalid.push({ row: raw.row, line: raw.line, errors: errors.map((e) => ({ code: e.code, message: e.message })) });
      }
      continue;
    }
    validCount += 1;
    totals.set(recipient.market, (totals.get(recipient.market) ?? 0) + recipient.amountMinor);
    await options.onValidRow?.({ row: raw.row, line: raw.line, recipient, key, reference, occurrence });
  }

  return {
    format,
    total,
    validCount,
    invalid,
    invalidCount,
    duplicates,
    duplicateCount,
    totals,
    sha256: source.digest(),
  };
}
