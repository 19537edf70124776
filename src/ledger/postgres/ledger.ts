// The shared ledger: PostgreSQL, for several processes and hosts sending from one account. Every
// promise of the SQLite ledger holds across all of them:
// - a key is claimed by the unique constraint on (account, environment, key), whoever inserts first;
// - a pending row is held by a lease (a random token per process, and an expiry on the database's
//   clock, renewed while the process runs), not by a session lock a connection pooler would break;
//   another host may take it over only once the lease has run out, under the single-send rules;
// - the daily cap and the repeat guards are decided in the claim's own transaction, serialised per
//   (account, environment, currency) by a transaction-scoped advisory lock;
// - every age and window is measured on the database's clock (DatabaseClock), never a host's.
import { randomUUID } from 'node:crypto';
import type { Environment } from '../../core/environment.js';
import { AirtimeError } from '../../core/errors.js';
import { DAILY_WINDOW_MS } from '../../core/limits.js';
import type { MoneyLimits } from '../../core/recipient.js';
import { type RepeatGuard, repeatCutoffs } from '../../core/repeat.js';
import type { Liveness, Owner } from '../owner.js';
import {
  type Aggregate,
  type ClaimOutcome,
  type Delivery,
  type DeliveryCallback,
  type DeliveryOutcome,
  type LedgerScope,
  type NewTransaction,
  OWNER_COLUMNS,
  ownerValues,
  type PeriodCounts,
  type Settlement,
  type SettlementItem,
  SPENT_STATES,
  type StoredTransaction,
  type TransactionFilter,
  toTransaction,
  type ValidationClaim,
  type ValidationDecision,
} from '../records.js';
import type { Ledger, Payment, RunPlanner, RunRows } from '../store.js';
import { adoptEarlyCallbacks, adoptLostCallback, claimValidation, recordDelivery, recordStatusCallback } from './callbacks.js';
import { DatabaseClock, DB_NOW_MS, PostgresConnection, type Query, Rollback } from './connection.js';
import { aggregate, countPeriod, iterate, lookup, PostgresRunPlanner, PostgresRunRows, recent } from './reports.js';
import { getRow, insertEvent, keyedRow, mustGetRow, NO_OWNER, rowByKey } from './rows.js';
import { MIGRATIONS } from './schema.js';

/** How long a lease outlives its last renewal; renewed every third of it while the process runs. */
export const LEASE_MS = 30_000;

export interface PostgresOptions {
  /** Shorter in tests, to watch a lease run out. */
  leaseMs?: number;
  /** Shorter in tests, to watch a stuck statement give up. */
  statementTimeoutMs?: number;
}

type Row = Record<string, unknown>;

/** Owner columns of the SQLite ledger, then the lease: $n placeholders from `first`. */
const OWNER_SET = (first: number) =>
  [...OWNER_COLUMNS.map((column, i) => `${column} = $${first + i}`), `owner_token = $${first + OWNER_COLUMNS.length}`].join(', ');

export class PostgresLedger implements Ledger {
  readonly shared = true;
  /** This process, as the holder of the leases it takes. */
  readonly token = randomUUID();
  readonly clock = new DatabaseClock();
  private renewal: NodeJS.Timeout | undefined;
  /** Bulk runs of this process, whose working rows go when it closes. */
  private readonly runs: string[] = [];

  private constructor(
    private readonly connection: PostgresConnection,
    private readonly leaseMs: number,
  ) {}

  /**
   * Connects, migrates (one host at a time) and starts renewing this process's leases. Unreachable,
   * refusing or from a newer airtime: exit 4 LEDGER_ERROR naming the host, before any request.
   */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresLedger> {
    const ledger = new PostgresLedger(new PostgresConnection(url, options.statementTimeoutMs), options.leaseMs ?? LEASE_MS);
    try {
      // A ledger at this version needs no migration, nor the right to create anything: a host may
      // run with only the grants it uses (docs/shared-ledger.md).
      const current = await ledger.connection.use(currentVersion);
      ledger.checkVersion(current);
      if (current < MIGRATIONS.length) {
        await ledger.connection.transaction(async (q) => {
          await q.run(`SELECT pg_advisory_xact_lock(hashtextextended('airtime-migrate:' || current_schema(), 0))`);
          await q.run('CREATE TABLE IF NOT EXISTS airtime_schema (version INTEGER NOT NULL)');
          // Read again under the lock: another host may have migrated while this one waited.
          const version = await schemaVersion(q);
          ledger.checkVersion(version);
          for (let next = version; next < MIGRATIONS.length; next += 1) await q.run(MIGRATIONS[next] as string);
          if (version === 0) await q.run('INSERT INTO airtime_schema (version) VALUES ($1)', [MIGRATIONS.length]);
          else if (version < MIGRATIONS.length) await q.run('UPDATE airtime_schema SET version = $1', [MIGRATIONS.length]);
        });
      }
      await ledger.clock.sync(ledger.connection);
      // What bulk runs that died left of their working rows.
      await ledger.connection.use(async (q) => {
        await q.run('DELETE FROM run_rows WHERE at < $1', [ledger.now() - DAILY_WINDOW_MS]);
        await q.run('DELETE FROM planned_rows WHERE at < $1', [ledger.now() - DAILY_WINDOW_MS]);
      });
    } catch (error) {
      await ledger.connection.close();
      throw error;
    }
    ledger.renewal = setInterval(() => void ledger.renew(), Math.max(100, Math.floor(ledger.leaseMs / 3)));
    ledger.renewal.unref();
    return ledger;
  }

  /** Opens the ledger to read it; null when nobody has written it yet (a missing ledger is an empty one). */
  static async openForReading(url: string): Promise<PostgresLedger | null> {
    const ledger = new PostgresLedger(new PostgresConnection(url), LEASE_MS);
    try {
      const version = await ledger.connection.use(currentVersion);
      ledger.checkVersion(version);
      if (version === 0) {
        await ledger.connection.close();
        return null;
      }
      await ledger.clock.sync(ledger.connection);
    } catch (error) {
      await ledger.connection.close();
      throw error;
    }
    return ledger;
  }

  get location(): string {
    return this.connection.shown;
  }

  /** The schema version this airtime writes. */
  static readonly latestSchema = MIGRATIONS.length;

  async schemaVersion(): Promise<{ version: number; latest: number }> {
    return { version: await this.connection.use(currentVersion), latest: MIGRATIONS.length };
  }

  /** The tables and sequences of the schema this user lacks a privilege on (docs/shared-ledger.md, "Grant each host only what it uses"). */
  async writeProblem(): Promise<string | null> {
    const missing = await this.connection.use((q) =>
      q.rows<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c
         WHERE c.relnamespace = current_schema()::regnamespace AND (
           (c.relkind IN ('r', 'p') AND c.relname <> 'airtime_schema' AND NOT (
             -- one privilege each: with several listed, has_table_privilege answers whether any is held
             has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
             AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE')))
           OR (c.relkind = 'S' AND NOT has_sequence_privilege(c.oid, 'USAGE')))
         ORDER BY c.relname`,
      ),
    );
    if (missing.length === 0) return null;
    return `the database user lacks a privilege on ${missing.map((row) => row.name).join(', ')}: see "Grant each host only what it uses" in airtime's docs/shared-ledger.md`;
  }

  /**
   * Why the first send could not create the ledger's tables (a ledger nobody has written yet), or
   * null when it can: it needs CREATE on the URL's schema.
   */
  static async creationProblem(url: string): Promise<string | null> {
    const connection = new PostgresConnection(url);
    try {
      const row = await connection.use((q) =>
        q.row<{ schema: string | null; can: boolean | null }>(
          `SELECT current_schema() AS schema, has_schema_privilege(current_schema(), 'CREATE') AS can`,
        ),
      );
      if (!row?.schema) return 'the URL names no schema that exists (search_path): create it first';
      return row.can ? null : `the database user cannot create tables in schema ${row.schema}: run any airtime command once as its owner`;
    } finally {
      await connection.close();
    }
  }

  now(): number {
    return this.clock.now();
  }

  private checkVersion(version: number): void {
    if (version > MIGRATIONS.length) {
      throw new AirtimeError(
        'LEDGER_ERROR',
        `the ledger ${this.location} cannot be used: it was written by a newer airtime (schema ${version}, this one knows ${MIGRATIONS.length})`,
        { hint: 'upgrade airtime on this host: every host sharing a ledger runs the same version or newer' },
      );
    }
  }

  /** Extends the leases of the rows this process holds, and reads the database's clock again. */
  private async renew(): Promise<void> {
    try {
      await this.connection.use((q) =>
        q.run(`UPDATE transactions SET lease_expires_at = ${DB_NOW_MS} + $2 WHERE owner_token = $1 AND state = 'pending'`, [
          this.token,
          this.leaseMs,
        ]),
      );
      await this.clock.sync(this.connection);
    } catch {
      // The database is unreachable: the next operation says so. Leases run out meanwhile, which is
      // what lets another host finish these rows if this one never comes back.
    }
  }

  // Claims and settlements.

  async claimMany(inputs: readonly NewTransaction[], now: number, dailyCaps: MoneyLimits = {}): Promise<ClaimOutcome[]> {
    // A group of claims (a bulk send's next rows) in one statement; a single send's guard, one by one.
    const decided = inputs.length > 1 && !inputs.some((input) => input.repeatGuard) ? await this.claimGroup(inputs, now, dailyCaps) : [];
    // A row the group left undecided (the group met a cap or a repeat, or another process claimed
    // the key meanwhile) is claimed alone, in order, which says which rows and why: exactly the
    // rows that may go get in.
    const outcomes: ClaimOutcome[] = [];
    for (const [i, input] of inputs.entries()) outcomes.push(decided[i] ?? (await this.claimOne(input, now, dailyCaps)));
    return outcomes;
  }

  private async claimOne(input: NewTransaction, now: number, dailyCaps: MoneyLimits): Promise<ClaimOutcome> {
    try {
      return await this.connection.transaction((q) => this.insertClaim(q, input, now, dailyCaps), {
        locks: claimLocks([input], dailyCaps),
      });
    } catch (error) {
      if (error instanceof Rollback) return error.answer as ClaimOutcome;
      throw error;
    }
  }

  /**
   * A group of claims in one statement, whatever its size, sent with its BEGIN (and the cap's
   * lock) and its COMMIT in one round trip (PostgresConnection.statement): the lock is held for
   * the time the server takes, never for a round trip to this process. The statement decides before
   * it inserts: the rows of the group whose keys nobody holds are inserted only if none of them
   * repeats a payment made outside its batch and no currency goes over its daily cap with them
   * (the statement's snapshot, taken after the lock, holds every other claim committed before).
   * Rows held already are answered as such. Any other row (the group was refused, or its key was
   * claimed by another process since the snapshot) is left undecided, for claimOne.
   */
  private async claimGroup(group: readonly NewTransaction[], now: number, dailyCaps: MoneyLimits): Promise<(ClaimOutcome | undefined)[]> {
    const column = <T>(pick: (input: NewTransaction) => T) => group.map(pick);
    const owners = group.map((input) => ownerValues(input.owner));
    const since = group.find((input) => input.batchGuard)?.batchGuard?.since ?? null;
    const capSince = now - DAILY_WINDOW_MS;
    const capMinute = Math.floor(capSince / 60_000);
    const caps = Object.entries(dailyCaps).filter((entry): entry is [string, number] => entry[1] !== undefined);
    const rows = await this.connection.statement(
      `WITH v AS (
         SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[],
           $12::text[], $13::int[], $14::int[], $15::int[], $16::text[], $17::text[], $18::bigint[], $19::bigint[],
           $20::bigint[], $21::text[], $22::text[]) WITH ORDINALITY
           AS v(account, environment, key, phone, country, currency, amount, batch, reference, row, max_num_retry,
             o1, o2, o3, o4, o5, o6, os_user, host, n)
       ), held AS (
         SELECT v.n AS asked, h.* FROM v CROSS JOIN LATERAL ${keyedRow('v.account', 'v.environment', 'v.key')} h
       ), fresh AS (
         SELECT v.* FROM v WHERE v.n NOT IN (SELECT asked FROM held)
       ), refused AS (
         -- A new row repeating a payment made outside its batch since the batch was planned…
         SELECT 1 FROM fresh f WHERE $23::bigint IS NOT NULL AND EXISTS (
           SELECT 1 FROM transactions t
           WHERE t.phone_number = f.phone AND t.currency = f.currency AND t.amount_minor = f.amount
             AND t.account = f.account AND t.environment = f.environment AND t.created_at > $23::bigint
             AND t.state IN ${SPENT_STATES} AND t.batch_id IS DISTINCT FROM f.batch)
         UNION ALL
         -- …or a currency whose last 24 hours, with the group's new rows, go over its cap.
         SELECT 1 FROM (SELECT account, environment, currency, SUM(amount) AS amount FROM fresh GROUP BY account, environment, currency) g
           JOIN unnest($26::text[], $27::bigint[]) AS c(currency, cap) ON c.currency = g.currency
         WHERE g.amount
           + (SELECT COALESCE(SUM(amount_minor), 0) FROM spend_by_minute s
               WHERE s.account = g.account AND s.environment = g.environment AND s.currency = g.currency AND s.minute > $24)
           + (SELECT COALESCE(SUM(amount_minor), 0) FROM transactions t
               WHERE t.account = g.account AND t.environment = g.environment AND t.currency = g.currency
                 AND t.created_at > $25 AND t.created_at < ($24 + 1) * 60000 AND t.state IN ${SPENT_STATES}) > c.cap
       ), claimed AS (
         INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
           batch_id, reference, row_number, state, max_num_retry, attempts, first_attempt_at, created_at, updated_at,
           ${OWNER_COLUMNS.join(', ')}, owner_token, lease_expires_at, os_user, host)
         SELECT f.account, f.environment, f.key, f.phone, f.country, f.currency, f.amount, f.batch, f.reference, f.row,
           'pending', f.max_num_retry, 1, $1, $1, $1, f.o1, f.o2, f.o3, f.o4, f.o5, f.o6, $2, ${DB_NOW_MS} + $3, f.os_user, f.host
         FROM fresh f WHERE NOT EXISTS (SELECT 1 FROM refused)
         ORDER BY f.n
         ON CONFLICT (account, environment, idempotency_key) DO NOTHING
         RETURNING *
       )
       SELECT NULL::bigint AS asked, c.* FROM claimed c
       UNION ALL
       SELECT * FROM held`,
      [
        now,
        this.token,
        this.leaseMs,
        column((i) => i.account),
        column((i) => i.environment),
        column((i) => i.idempotencyKey),
        column((i) => i.phoneNumber),
        column((i) => i.country),
        column((i) => i.currency),
        column((i) => i.amountMinor),
        column((i) => i.batchId ?? null),
        column((i) => i.reference ?? null),
        column((i) => i.rowNumber ?? null),
        column((i) => i.maxNumRetry ?? null),
        ...OWNER_COLUMNS.map((_, c) => owners.map((values) => values[c] ?? null)),
        column((i) => i.osUser),
        column((i) => i.host),
        since,
        capMinute,
        capSince,
        caps.map(([currency]) => currency),
        caps.map(([, cap]) => cap),
      ],
      { locks: claimLocks(group, dailyCaps) },
    );
    const scopedKey = (account: unknown, environment: unknown, key: unknown) => JSON.stringify([account, environment, key]);
    const created = new Map<string, StoredTransaction>();
    const held = new Map<number, StoredTransaction>();
    for (const row of rows) {
      if (row.asked === null) created.set(scopedKey(row.account, row.environment, row.idempotency_key), toTransaction(row));
      else held.set(Number(row.asked), toTransaction(row));
    }
    return group.map((input, i): ClaimOutcome | undefined => {
      const existing = held.get(i + 1);
      if (existing) return { kind: 'existing', row: existing };
      const row = created.get(scopedKey(input.account, input.environment, input.idempotencyKey));
      return row && { kind: 'created', row };
    });
  }

  private async insertClaim(q: Query, input: NewTransaction, now: number, dailyCaps: MoneyLimits): Promise<ClaimOutcome> {
    const values = [
      input.account,
      input.environment,
      input.idempotencyKey,
      input.phoneNumber,
      input.country,
      input.currency,
      input.amountMinor,
      input.batchId ?? null,
      input.reference ?? null,
      input.rowNumber ?? null,
      input.maxNumRetry ?? null,
      now,
      ...ownerValues(input.owner),
      this.token,
      this.leaseMs,
      input.osUser,
      input.host,
    ];
    const owner = OWNER_COLUMNS.map((_, i) => `$${13 + i}`).join(', ');
    const n = 13 + OWNER_COLUMNS.length;
    const inserted = await q.row(
      `INSERT INTO transactions (account, environment, idempotency_key, phone_number, country, currency, amount_minor,
         batch_id, reference, row_number, state, max_num_retry, attempts, first_attempt_at, created_at, updated_at,
         ${OWNER_COLUMNS.join(', ')}, owner_token, lease_expires_at, os_user, host)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, 1, $12, $12, $12, ${owner},
         $${n}, ${DB_NOW_MS} + $${n + 1}, $${n + 2}, $${n + 3})
       ON CONFLICT (account, environment, idempotency_key) DO NOTHING
       RETURNING *`,
      values,
    );
    if (!inserted) {
      const existing = await rowByKey(q, input.account, input.environment, input.idempotencyKey);
      if (!existing) throw new Error('a claimed key has no row');
      return { kind: 'existing', row: existing };
    }
    const id = Number(inserted.id);
    if (input.repeatGuard) {
      const match = await findRepeat(q, input, input.repeatGuard, now, id);
      if (match) throw new Rollback<ClaimOutcome>({ kind: 'repeat', match });
    }
    if (input.batchGuard) {
      const match = await otherBatchPayment(q, input, input.batchGuard.since, id);
      if (match) throw new Rollback<ClaimOutcome>({ kind: 'repeat', match });
    }
    const cap = dailyCaps[input.currency as keyof MoneyLimits];
    if (cap !== undefined) {
      const spent = await spentSince(q, input.account, input.environment, input.currency, now - DAILY_WINDOW_MS);
      if (spent > cap) throw new Rollback<ClaimOutcome>({ kind: 'over-cap', spentMinor: spent, capMinor: cap });
    }
    return { kind: 'created', row: toTransaction(inserted) };
  }

  async beginAttempt(id: number, owner: Owner, now: number): Promise<StoredTransaction> {
    return this.connection.transaction(async (q) => {
      const n = OWNER_COLUMNS.length;
      await q.run(
        `UPDATE transactions SET attempts = attempts + 1, first_attempt_at = COALESCE(first_attempt_at, $1),
           state = 'pending', ${OWNER_SET(3)}, lease_expires_at = ${DB_NOW_MS} + $${4 + n}, updated_at = $1
         WHERE id = $2`,
        [now, id, ...ownerValues(owner), this.token, this.leaseMs],
      );
      return mustGetRow(q, id);
    });
  }

  async takeOver(id: number, seen: Owner | null, owner: Owner, now: number, resetWindow = false): Promise<boolean> {
    const n = OWNER_COLUMNS.length;
    // Compare-and-set on the lease seen, and only once it has run out on the database's clock: of
    // two hosts recovering one row, one gets it, and never while its holder still renews it.
    const changed = await this.connection.use((q) =>
      q.run(
        `UPDATE transactions SET ${OWNER_SET(5)}, lease_expires_at = ${DB_NOW_MS} + $${6 + n}, state = 'pending',
           first_attempt_at = CASE WHEN $3 THEN NULL ELSE first_attempt_at END, updated_at = $2
         WHERE id = $1 AND state IN ('pending', 'unknown') AND owner_token IS NOT DISTINCT FROM $4
           AND (lease_expires_at IS NULL OR lease_expires_at <= ${DB_NOW_MS})`,
        [id, now, resetWindow, seen?.lease?.token ?? null, ...ownerValues(owner), this.token, this.leaseMs],
      ),
    );
    return changed === 1;
  }

  /**
   * Settlements commit without waiting for the server's disk, as the SQLite ledger's do (synchronous
   * NORMAL): a database crash that loses the last ones leaves those rows pending, which a re-run
   * resends under their keys inside the window (Africa's Talking answers "duplicate") or leaves
   * unknown after it: an `airtime reconcile`, never a second payment. Claims always wait for the disk.
   */
  async settleMany(items: readonly SettlementItem[]): Promise<void> {
    if (items.length === 0) return;
    // One row settled twice at once: in order, one at a time (the later may not undo the earlier).
    const once = new Set(items.map((item) => item.id)).size === items.length;
    const left = once ? await this.connection.use((q) => settleAll(q, items), { durable: false }) : null;
    const rest = left === null ? items : items.filter((item) => left.has(item.id));
    if (rest.length === 0) return;
    await this.connection.transaction(
      async (q) => {
        for (const item of rest) await settleNow(q, item.id, item.settlement, item.now, item.events ?? []);
      },
      { durable: false },
    );
  }

  async release(ids: readonly number[], _owner: Owner): Promise<void> {
    if (ids.length === 0) return;
    await this.connection.use((q) =>
      q.run(`DELETE FROM transactions WHERE id = ANY($1::bigint[]) AND state = 'pending' AND attempts = 1 AND owner_token = $2`, [
        ids,
        this.token,
      ]),
    );
  }

  /**
   * A row is held while its lease runs: by this process (its own token), or by another until the
   * lease ends on the database's clock. A row without a lease was written by no lease holder.
   */
  liveness(owner: Owner): Liveness {
    const lease = owner.lease;
    if (!lease) return 'unknown';
    if (lease.token === this.token) return 'alive';
    return lease.expiresAt !== null && lease.expiresAt > this.now() ? 'alive' : 'dead';
  }

  // Reading.

  get(id: number): Promise<StoredTransaction | undefined> {
    return this.connection.use((q) => getRow(q, id));
  }

  byKey(account: string, environment: Environment, key: string): Promise<StoredTransaction | undefined> {
    return this.connection.use((q) => rowByKey(q, account, environment, key));
  }

  async byKeys(account: string, environment: Environment, keys: readonly string[]): Promise<Map<string, StoredTransaction>> {
    const rows = await this.connection.use((q) =>
      q.rows(`SELECT t.* FROM unnest($3::text[]) AS k(key) CROSS JOIN LATERAL ${keyedRow('$1', '$2', 'k.key')} t`, [
        account,
        environment,
        keys,
      ]),
    );
    return new Map(rows.map((row) => [row.idempotency_key as string, toTransaction(row)]));
  }

  lookup(id: string, environment?: Environment): Promise<StoredTransaction[]> {
    return this.connection.use((q) => lookup(q, id, environment));
  }

  events(transactionId: number): Promise<{ kind: string; at: number; payload: string }[]> {
    return this.connection.use(async (q) =>
      (
        await q.rows<{ kind: string; at: string; payload: string }>(
          'SELECT kind, at, payload FROM events WHERE transaction_id = $1 ORDER BY id',
          [transactionId],
        )
      ).map((event) => ({ ...event, at: Number(event.at) })),
    );
  }

  spentSince(account: string, environment: Environment, currency: string, since: number): Promise<number> {
    return this.connection.use((q) => spentSince(q, account, environment, currency, since));
  }

  findRepeat(payment: Payment, guard: RepeatGuard, now: number): Promise<StoredTransaction | undefined> {
    return this.connection.use((q) => findRepeat(q, payment, guard, now));
  }

  // Other words than the send's own answer.

  recordDelivery(id: number, delivery: Delivery, now: number): Promise<{ changed: boolean; row: StoredTransaction }> {
    return this.connection.transaction((q) => recordDelivery(q, id, delivery, now));
  }

  async reconcile(
    id: number,
    settlement: Omit<Settlement, 'discountCurrency' | 'discountUnits4'>,
    by: string,
    note: string | null,
    now: number,
  ): Promise<StoredTransaction> {
    return this.connection.transaction(async (q) => {
      const updated = await q.run(
        `UPDATE transactions SET state = $1, at_status = $2, request_id = COALESCE($3, request_id), error_code = $4,
           error_message = $5, exit_code = $6, updated_at = $7, settled_at = $7, settled_by = $8, note = $9, ${NO_OWNER}
         WHERE id = $10 AND state IN ('pending', 'unknown')`,
        [
          settlement.state,
          settlement.atStatus,
          settlement.requestId,
          settlement.errorCode,
          settlement.errorMessage,
          settlement.exitCode,
          now,
          by,
          note,
          id,
        ],
      );
      if (updated === 0) {
        throw new AirtimeError(
          'USAGE',
          `the transaction was settled (${(await mustGetRow(q, id)).state}) while reconcile was deciding; nothing was changed`,
        );
      }
      await insertEvent(q, id, 'reconcile', { as: settlement.state, requestId: settlement.requestId, by, note }, now);
      return mustGetRow(q, id);
    });
  }

  async recordEvent(
    transactionId: number | null,
    kind: string,
    payload: unknown,
    now: number,
    scope: LedgerScope | null = null,
  ): Promise<void> {
    await this.connection.use((q) => insertEvent(q, transactionId, kind, payload, now, scope));
  }

  recordStatusCallback(callback: DeliveryCallback, now: number, scope: LedgerScope | null = null): Promise<DeliveryOutcome> {
    return this.connection.transaction((q) => recordStatusCallback(q, callback, now, scope));
  }

  async claimValidation(
    claim: ValidationClaim,
    now: number,
    options: { maxAgeMs: number; scope?: LedgerScope | null; payload?: unknown },
  ): Promise<ValidationDecision> {
    const decide = () => this.connection.transaction((q) => claimValidation(q, claim, now, options));
    let decision: ValidationDecision;
    try {
      decision = await decide();
    } catch (error) {
      // The same transactionId approved at this instant by another replica (the unique
      // constraint): asked again, it finds that approval.
      if (!(error instanceof AirtimeError) || (error.cause as { code?: string } | undefined)?.code !== '23505') throw error;
      decision = await decide();
    }
    if (!decision.validated) await this.recordValidationRefusal(decision.reason, options.payload ?? claim, now);
    return decision;
  }

  async recordValidationRefusal(reason: string, payload: unknown, now: number): Promise<void> {
    await this.connection.use((q) => insertEvent(q, null, 'validation-refused', { reason, payload }, now));
  }

  // Reports.

  recent(filter: TransactionFilter): Promise<StoredTransaction[]> {
    return this.connection.use((q) => recent(q, filter));
  }

  iterate(filter: TransactionFilter): AsyncIterable<StoredTransaction> {
    return iterate(this.connection, filter);
  }

  aggregate(filter: TransactionFilter): Promise<Aggregate> {
    return this.connection.use((q) => aggregate(q, filter));
  }

  countPeriod(filter: TransactionFilter): Promise<PeriodCounts> {
    return this.connection.use((q) => countPeriod(q, filter));
  }

  // Bulk sends.

  async batchExists(scope: LedgerScope, batchId: string): Promise<boolean> {
    const row = await this.connection.use((q) =>
      q.row('SELECT 1 AS found FROM transactions WHERE batch_id = $1 AND account = $2 AND environment = $3 LIMIT 1', [
        batchId,
        scope.account,
        scope.environment,
      ]),
    );
    return row !== undefined;
  }

  async recentPayments(
    scope: LedgerScope,
    payments: readonly Omit<Payment, 'account' | 'environment'>[],
    since: number,
  ): Promise<(StoredTransaction | undefined)[]> {
    if (payments.length === 0) return [];
    // One statement for all of them, each one index lookup (LATERAL), in the order asked.
    const rows = await this.connection.use((q) =>
      q.rows(
        `SELECT p.n AS asked, t.* FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS p(phone, currency, amount, n)
         CROSS JOIN LATERAL (
           SELECT * FROM transactions t
           WHERE t.phone_number = p.phone AND t.currency = p.currency AND t.amount_minor = p.amount AND t.created_at > $4
             AND t.account = $5 AND t.environment = $6 AND t.state IN ${SPENT_STATES}
           ORDER BY t.created_at DESC LIMIT 1) t`,
        [
          payments.map((p) => p.phoneNumber),
          payments.map((p) => p.currency),
          payments.map((p) => p.amountMinor),
          since,
          scope.account,
          scope.environment,
        ],
      ),
    );
    const found: (StoredTransaction | undefined)[] = payments.map(() => undefined);
    for (const row of rows) found[Number(row.asked) - 1] = toTransaction(row);
    return found;
  }

  runPlanner(scope: LedgerScope, since: number): RunPlanner {
    return new PostgresRunPlanner(this.connection, scope, since, () => this.now());
  }

  runRows(): RunRows {
    const rows = new PostgresRunRows(this.connection, () => this.now());
    this.runs.push(rows.run);
    return rows;
  }

  /**
   * Ends this process's leases on the rows it leaves pending (a run stopped by an error or a signal
   * whose answers were not recorded): as its death would, a moment sooner, so another host may
   * finish them at once, under the single-send rules. Best effort: unreachable, they run out.
   */
  async close(): Promise<void> {
    if (this.renewal) clearInterval(this.renewal);
    await this.connection
      .use(async (q) => {
        if (this.runs.length > 0) await q.run('DELETE FROM run_rows WHERE run = ANY($1::text[])', [this.runs]);
        await q.run(`UPDATE transactions SET lease_expires_at = ${DB_NOW_MS} WHERE owner_token = $1 AND state = 'pending'`, [this.token]);
      })
      .catch(() => undefined);
    await this.connection.close();
  }
}

/** The schema's version, 0 when nobody has written this ledger yet. */
async function currentVersion(q: Query): Promise<number> {
  const exists = await q.row<{ table: string | null }>(`SELECT to_regclass('airtime_schema')::text AS table`);
  return exists?.table ? schemaVersion(q) : 0;
}

async function schemaVersion(q: Query): Promise<number> {
  const row = await q.row<{ version: number }>('SELECT version FROM airtime_schema LIMIT 1');
  return row?.version ?? 0;
}

/**
 * The advisory locks a group of claims needs: one per (account, environment, currency) whose cap
 * or repeat guard the claims decide, taken with BEGIN in one order by every host (no deadlock) and
 * held to the end of the transaction. Under READ COMMITTED each statement after the lock sees every
 * commit made before it, so two hosts cannot both pass a cap that only one fits: the second waits,
 * then sums the first's claim. Claims with an explicit key and no cap take none: the unique
 * constraint alone decides them.
 */
function claimLocks(inputs: readonly NewTransaction[], dailyCaps: MoneyLimits): string[] {
  const locks = new Set<string>();
  for (const input of inputs) {
    const guarded = input.repeatGuard !== undefined || input.batchGuard !== undefined;
    if (guarded || dailyCaps[input.currency as keyof MoneyLimits] !== undefined) {
      locks.add(`airtime-claim:${JSON.stringify([input.account, input.environment, input.currency])}`);
    }
  }
  return [...locks];
}

async function findRepeat(
  q: Query,
  payment: Payment,
  guard: RepeatGuard,
  now: number,
  excludeId = -1,
): Promise<StoredTransaction | undefined> {
  const cutoffs = repeatCutoffs(now, guard);
  const row = await q.row<Row>(
    `SELECT * FROM transactions
     WHERE phone_number = $1 AND currency = $2 AND amount_minor = $3 AND account = $4 AND environment = $5 AND id <> $6
       AND ((state IN ('sent', 'delivered') AND $7::bigint IS NOT NULL AND created_at > $7::bigint)
         OR (state IN ('pending', 'unknown') AND created_at > $8))
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [
      payment.phoneNumber,
      payment.currency,
      payment.amountMinor,
      payment.account,
      payment.environment,
      excludeId,
      cutoffs.accepted,
      cutoffs.unsettled,
    ],
  );
  return row && toTransaction(row);
}

/**
 * A payment of the same number, amount and currency since `since`, made outside this row's batch:
 * what a bulk row claimed now would pay again (REPEAT_PAYMENT). Rows of the same batch are its own.
 */
async function otherBatchPayment(
  q: Query,
  input: NewTransaction,
  since: number,
  excludeId: number,
): Promise<StoredTransaction | undefined> {
  const row = await q.row<Row>(
    `SELECT * FROM transactions
     WHERE phone_number = $1 AND currency = $2 AND amount_minor = $3 AND account = $4 AND environment = $5 AND id <> $6
       AND created_at > $7 AND state IN ${SPENT_STATES} AND batch_id IS DISTINCT FROM $8
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [input.phoneNumber, input.currency, input.amountMinor, input.account, input.environment, excludeId, since, input.batchId ?? null],
  );
  return row && toTransaction(row);
}

/** Minor units pending, sent, delivered or unknown since `since`: whole minutes from the totals, plus the partial minute. */
async function spentSince(q: Query, account: string, environment: Environment, currency: string, since: number): Promise<number> {
  const minute = Math.floor(since / 60_000);
  const row = await q.row<{ total: string }>(
    `SELECT
       (SELECT COALESCE(SUM(amount_minor), 0) FROM spend_by_minute
         WHERE account = $1 AND environment = $2 AND currency = $3 AND minute > $4)
     + (SELECT COALESCE(SUM(amount_minor), 0) FROM transactions
         WHERE account = $1 AND environment = $2 AND currency = $3
           AND created_at > $5 AND created_at < ($4 + 1) * 60000 AND state IN ${SPENT_STATES}) AS total`,
    [account, environment, currency, minute, since],
  );
  return Number(row?.total ?? 0);
}

/**
 * Settles several rows in a few statements, as settleNow does each: their events in one insert,
 * the rows in one update (an accepted row stays accepted), then what orphan callbacks wait for them.
 */
/**
 * Settles several rows in one statement, with no transaction around it (a statement is atomic):
 * their events and their rows (an accepted row stays accepted). Rows whose settling needs more
 * (an accepted one a status callback is waiting for, an unknown one an orphan callback may settle)
 * are left out, and their ids returned, for settleNow inside a transaction.
 */
async function settleAll(q: Query, items: readonly SettlementItem[]): Promise<Set<number>> {
  const events = items.flatMap((item) => (item.events ?? []).map((event) => ({ id: item.id, now: item.now, ...event })));
  const pick = <T>(read: (item: SettlementItem) => T) => items.map(read);
  const left = await q.rows<{ id: string }>(
    `WITH v AS (
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[],
         $9::int[], $10::bigint[])
         AS v(id, state, at_status, request_id, discount_currency, discount_units4, error_code, error_message, exit_code, now)
     ), later AS (
       SELECT v.id FROM v WHERE v.state = 'unknown' OR (v.state = 'sent' AND v.request_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM events e WHERE e.transaction_id IS NULL AND e.kind = 'orphan-callback'
           AND (e.payload::jsonb) ->> 'requestId' = v.request_id))
     ), noted AS (
       INSERT INTO events (transaction_id, kind, at, payload)
       SELECT * FROM unnest($11::bigint[], $12::text[], $13::bigint[], $14::text[]) AS n(id, kind, at, payload)
       WHERE n.id NOT IN (SELECT id FROM later)
     ), settled AS (
       UPDATE transactions t SET state = v.state, at_status = v.at_status, request_id = v.request_id,
         discount_currency = v.discount_currency, discount_units4 = v.discount_units4, error_code = v.error_code,
         error_message = v.error_message, exit_code = v.exit_code, updated_at = v.now,
         settled_at = CASE WHEN v.state = 'pending' THEN NULL ELSE v.now END, ${NO_OWNER}
       FROM v WHERE t.id = v.id AND t.state NOT IN ('sent', 'delivered') AND v.id NOT IN (SELECT id FROM later)
     )
     SELECT id FROM later`,
    [
      pick((i) => i.id),
      pick((i) => i.settlement.state),
      pick((i) => i.settlement.atStatus),
      pick((i) => i.settlement.requestId),
      pick((i) => i.settlement.discountCurrency),
      pick((i) => i.settlement.discountUnits4),
      pick((i) => i.settlement.errorCode),
      pick((i) => i.settlement.errorMessage),
      pick((i) => i.settlement.exitCode),
      pick((i) => i.now),
      events.map((e) => e.id),
      events.map((e) => e.kind),
      events.map((e) => e.now),
      events.map((e) => (typeof e.payload === 'string' ? e.payload : JSON.stringify(e.payload))),
    ],
  );
  return new Set(left.map((row) => Number(row.id)));
}

async function settleNow(
  q: Query,
  id: number,
  settlement: Settlement,
  now: number,
  events: { kind: string; payload: unknown }[],
): Promise<void> {
  for (const event of events) await insertEvent(q, id, event.kind, event.payload, now);
  // A row Africa's Talking accepted stays accepted: a later settlement is at best a second
  // sender's "duplicate", which knows less.
  const settled = await q.run(
    `UPDATE transactions SET state = $1, at_status = $2, request_id = $3, discount_currency = $4, discount_units4 = $5,
       error_code = $6, error_message = $7, exit_code = $8, updated_at = $9, settled_at = $10, ${NO_OWNER}
     WHERE id = $11 AND state NOT IN ('sent', 'delivered')`,
    [
      settlement.state,
      settlement.atStatus,
      settlement.requestId,
      settlement.discountCurrency,
      settlement.discountUnits4,
      settlement.errorCode,
      settlement.errorMessage,
      settlement.exitCode,
      now,
      settlement.state === 'pending' ? null : now,
      id,
    ],
  );
  if (settled === 0) return;
  if (settlement.state === 'sent' && settlement.requestId !== null) await adoptEarlyCallbacks(q, id, settlement.requestId, now);
  if (settlement.state === 'unknown') await adoptLostCallback(q, id, now);
}

/** For `airtime ledger migrate`, which works under the interface (src/ledger/migrate.ts). */
export { PostgresConnection, type Query } from './connection.js';
