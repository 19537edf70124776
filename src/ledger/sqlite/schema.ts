// The ledger's schema, versioned with SQLite's user_version: migration N brings a database from
// version N-1 to N, inside one transaction. Never edit a migration that has shipped; add one.

export const MIGRATIONS: readonly string[] = [
  // 1: transactions and their history.
  `
  CREATE TABLE transactions (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    environment TEXT NOT NULL CHECK (environment IN ('sandbox', 'live')),
    idempotency_key TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    batch_id TEXT,
    reference TEXT,
    row_number INTEGER,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'unknown')),
    at_status TEXT,
    request_id TEXT,
    discount_currency TEXT,
    discount_units4 INTEGER,
    error_code TEXT,
    error_message TEXT,
    exit_code INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_num_retry INTEGER,
    first_attempt_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    settled_at INTEGER,
    owner_pid INTEGER,
    owner_host TEXT,
    owner_started_at INTEGER,
    os_user TEXT NOT NULL,
    host TEXT NOT NULL,
    validated_transaction_id TEXT UNIQUE,
    validated_at INTEGER,
    settled_by TEXT,
    note TEXT,
    -- A key names one transaction per account and environment: the same key under sandbox and
    -- under live are two transactions. This constraint is what claims a key.
    UNIQUE (account, environment, idempotency_key)
  );
  CREATE INDEX transactions_request_id ON transactions (request_id) WHERE request_id IS NOT NULL;
  CREATE INDEX transactions_batch ON transactions (batch_id, row_number) WHERE batch_id IS NOT NULL;
  -- stats: the per-day counts and the totals each read one covering index in order, with no sort,
  -- which keeps a million-row ledger's stats well under a second.
  CREATE INDEX transactions_created ON transactions (environment, created_at, state, currency);
  CREATE INDEX transactions_totals ON transactions
    (environment, state, currency, discount_currency, created_at, amount_minor, discount_units4);
  CREATE INDEX transactions_failed ON transactions (environment, created_at, error_message) WHERE state = 'failed';
  CREATE INDEX transactions_caps ON transactions (account, environment, currency, created_at);
  CREATE INDEX transactions_match ON transactions (phone_number, currency, amount_minor, created_at);

  -- Every answer, callback, query and hand settlement, as received: append-only.
  CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    transaction_id INTEGER REFERENCES transactions (id),
    kind TEXT NOT NULL,
    at INTEGER NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE INDEX events_transaction ON events (transaction_id);
  `,
  // 2: the daily cap's running totals. Summing a day of transactions inside every claim made a big
  // batch quadratic (each row re-read every row before it); triggers keep per-minute totals of
  // money that has left or may have (every state but failed), so a claim sums at most 1,440
  // minutes plus the rows of one partial minute.
  `
  CREATE TABLE spend_by_minute (
    account TEXT NOT NULL,
    environment TEXT NOT NULL,
    currency TEXT NOT NULL,
    minute INTEGER NOT NULL,
    amount_minor INTEGER NOT NULL,
    PRIMARY KEY (account, environment, currency, minute)
  ) WITHOUT ROWID;
  INSERT INTO spend_by_minute
    SELECT account, environment, currency, created_at / 60000, SUM(amount_minor) FROM transactions
    WHERE state <> 'failed' GROUP BY account, environment, currency, created_at / 60000;
  CREATE TRIGGER spend_on_insert AFTER INSERT ON transactions WHEN NEW.state <> 'failed' BEGIN
    INSERT INTO spend_by_minute VALUES (NEW.account, NEW.environment, NEW.currency, NEW.created_at / 60000, NEW.amount_minor)
      ON CONFLICT DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
  END;
  CREATE TRIGGER spend_on_failure AFTER UPDATE OF state ON transactions
    WHEN NEW.state = 'failed' AND OLD.state <> 'failed' BEGIN
    UPDATE spend_by_minute SET amount_minor = amount_minor - OLD.amount_minor
      WHERE account = OLD.account AND environment = OLD.environment AND currency = OLD.currency
        AND minute = OLD.created_at / 60000;
  END;
  CREATE TRIGGER spend_on_revival AFTER UPDATE OF state ON transactions
    WHEN OLD.state = 'failed' AND NEW.state <> 'failed' BEGIN
    INSERT INTO spend_by_minute VALUES (NEW.account, NEW.environment, NEW.currency, NEW.created_at / 60000, NEW.amount_minor)
      ON CONFLICT DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor;
  END;
  -- A claim released unsent (Ctrl-C during a bulk send) takes its amount back.
  CREATE TRIGGER spend_on_release AFTER DELETE ON transactions WHEN OLD.state <> 'failed' BEGIN
    UPDATE spend_by_minute SET amount_minor = amount_minor - OLD.amount_minor
      WHERE account = OLD.account AND environment = OLD.environment AND currency = OLD.currency
        AND minute = OLD.created_at / 60000;
  END;
  `,
  // 3: a status callback can beat the send's own answer (AT reports delivery within a second or
  // two, a slow answer takes longer), or arrive for a send that ends `unknown` (its answer lost);
  // it is kept as an orphan until the send settles, which finds it through these indexes.
  `
  CREATE INDEX events_orphan_request ON events (json_extract(payload, '$.requestId'))
    WHERE transaction_id IS NULL AND kind = 'orphan-callback';
  CREATE INDEX events_orphan_time ON events (at) WHERE transaction_id IS NULL AND kind = 'orphan-callback';
  `,
  // 4: a pending row's owner, named without wall-clock arithmetic: the boot, the pid namespace and
  // the start in clock ticks since boot, beside the pid and host. owner_started_at (ms computed
  // through btime, which a wall-clock step moves) is no longer written; rows that still carry it
  // were written by an older airtime, and their owner is judged without it (src/ledger/owner.ts).
  `
  ALTER TABLE transactions ADD COLUMN owner_boot_id TEXT;
  ALTER TABLE transactions ADD COLUMN owner_pid_ns INTEGER;
  ALTER TABLE transactions ADD COLUMN owner_start_ticks INTEGER;
  `,
  // 5: the account and environment an orphan status callback arrived for (the scope of the serve
  // that kept it), so that adopting it never crosses from sandbox into live or back. Orphans kept
  // before this, or by a serve with no username configured, have none, and are adopted by their
  // requestId only.
  `
  ALTER TABLE events ADD COLUMN account TEXT;
  ALTER TABLE events ADD COLUMN environment TEXT;
  `,
  // 6: facts about the ledger itself: a random id (so copying it into a shared ledger can tell it
  // from another host's, and a second copy from the first), and, once it was copied, where to
  // (`airtime ledger migrate`), which a later send through this file is refused with.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  INSERT INTO meta (key, value) VALUES ('ledger_id', lower(hex(randomblob(16))));
  `,
];
