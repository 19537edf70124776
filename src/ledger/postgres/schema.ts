// The shared ledger's schema in PostgreSQL: the same tables and columns as the SQLite ledger (one
// row mapping serves both), plus each pending row's lease. Migration N brings a database from
// version N-1 to N; all pending migrations run in one transaction under an advisory lock, so hosts
// starting at once wait for the one that migrates. Never edit a migration that has shipped; add one.

export const MIGRATIONS: readonly string[] = [
  // 1: transactions, their history, the daily cap's running totals, and bulk runs' working rows.
  `
  CREATE TABLE transactions (
    id BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    environment TEXT NOT NULL CHECK (environment IN ('sandbox', 'live')),
    idempotency_key TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL CHECK (amount_minor > 0),
    batch_id TEXT,
    reference TEXT,
    row_number INTEGER,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'delivered', 'failed', 'unknown')),
    at_status TEXT,
    request_id TEXT,
    discount_currency TEXT,
    discount_units4 BIGINT,
    error_code TEXT,
    error_message TEXT,
    exit_code INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_num_retry INTEGER,
    first_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    settled_at BIGINT,
    owner_pid INTEGER,
    owner_host TEXT,
    owner_started_at BIGINT,
    owner_boot_id TEXT,
    owner_pid_ns BIGINT,
    owner_start_ticks BIGINT,
    -- A pending row is held by a lease: the owner's token, until an instant on this database's clock.
    owner_token TEXT,
    lease_expires_at BIGINT,
    os_user TEXT NOT NULL,
    host TEXT NOT NULL,
    validated_transaction_id TEXT UNIQUE,
    validated_at BIGINT,
    settled_by TEXT,
    note TEXT,
    -- What claims a key, for every process on every host.
    UNIQUE (account, environment, idempotency_key)
  );
  CREATE INDEX transactions_request_id ON transactions (request_id) WHERE request_id IS NOT NULL;
  CREATE INDEX transactions_batch ON transactions (batch_id, row_number) WHERE batch_id IS NOT NULL;
  CREATE INDEX transactions_created ON transactions (environment, created_at) INCLUDE (state, currency);
  CREATE INDEX transactions_totals ON transactions (environment, state, currency, discount_currency, created_at)
    INCLUDE (amount_minor, discount_units4);
  CREATE INDEX transactions_failed ON transactions (environment, created_at) INCLUDE (error_message) WHERE state = 'failed';
  CREATE INDEX transactions_caps ON transactions (account, environment, currency, created_at) INCLUDE (amount_minor, state);
  CREATE INDEX transactions_match ON transactions (phone_number, currency, amount_minor, created_at);
  CREATE INDEX transactions_leases ON transactions (owner_token) WHERE state = 'pending';

  CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    transaction_id BIGINT REFERENCES transactions (id),
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    payload TEXT NOT NULL,
    account TEXT,
    environment TEXT
  );
  CREATE INDEX events_transaction ON events (transaction_id);
  CREATE INDEX events_orphan_request ON events (((payload::jsonb) ->> 'requestId'))
    WHERE transaction_id IS NULL AND kind = 'orphan-callback';
  CREATE INDEX events_orphan_time ON events (at) WHERE transaction_id IS NULL AND kind = 'orphan-callback';

  -- Per-minute totals of money that has left or may have (every state but failed), kept by a
  -- trigger: a claim under a daily cap sums at most 1,440 minutes plus one partial minute.
  CREATE TABLE spend_by_minute (
    account TEXT NOT NULL,
    environment TEXT NOT NULL,
    currency TEXT NOT NULL,
    minute BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (account, environment, currency, minute)
  );
  CREATE FUNCTION airtime_spend() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'INSERT' AND OLD.state <> 'failed' THEN
      UPDATE spend_by_minute SET amount_minor = amount_minor - OLD.amount_minor
        WHERE account = OLD.account AND environment = OLD.environment AND currency = OLD.currency
          AND minute = OLD.created_at / 60000;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state <> 'failed' THEN
      INSERT INTO spend_by_minute VALUES (NEW.account, NEW.environment, NEW.currency, NEW.created_at / 60000, NEW.amount_minor)
        ON CONFLICT (account, environment, currency, minute)
        DO UPDATE SET amount_minor = spend_by_minute.amount_minor + excluded.amount_minor;
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER spend_on_insert AFTER INSERT ON transactions FOR EACH ROW EXECUTE FUNCTION airtime_spend();
  CREATE TRIGGER spend_on_release AFTER DELETE ON transactions FOR EACH ROW EXECUTE FUNCTION airtime_spend();
  CREATE TRIGGER spend_on_state AFTER UPDATE OF state ON transactions FOR EACH ROW
    WHEN ((OLD.state = 'failed') IS DISTINCT FROM (NEW.state = 'failed')) EXECUTE FUNCTION airtime_spend();

  -- A bulk run's rows while it plans and reports (SQLite keeps these in its temp store). Ordinary
  -- tables keyed by the run, not temporary ones, so a connection pooler between host and database
  -- cannot lose them; a run that dies leaves its rows, removed a day later.
  CREATE UNLOGGED TABLE planned_rows (run TEXT NOT NULL, at BIGINT NOT NULL, row INTEGER NOT NULL, key TEXT NOT NULL,
    phone TEXT NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL);
  CREATE INDEX planned_rows_key ON planned_rows (run, key);
  CREATE UNLOGGED TABLE run_rows (run TEXT NOT NULL, at BIGINT NOT NULL, row INTEGER NOT NULL, key TEXT NOT NULL);
  CREATE INDEX run_rows_run ON run_rows (run, row);
  `,
  // 2: ledgers copied in from SQLite (`airtime ledger migrate`): each once, by its id, and each
  // copied row marked with it, so a copy can be checked against its source and hosts' histories
  // told apart.
  `
  ALTER TABLE transactions ADD COLUMN imported_from TEXT;
  CREATE INDEX transactions_imported ON transactions (imported_from, state, currency) WHERE imported_from IS NOT NULL;
  CREATE TABLE imported_ledgers (
    source TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    path TEXT NOT NULL,
    at BIGINT NOT NULL,
    copied BIGINT NOT NULL,
    conflicts TEXT NOT NULL
  );
  `,
];
