-- The system of record (DESIGN section 3). Every write, deletes included, is a versioned
-- row: version is a hybrid logical clock value, origin the instance that issued it.
CREATE TABLE kv (
    key          text        PRIMARY KEY,
    value        bytea,
    content_type text,
    version      bigint      NOT NULL,
    origin       text        COLLATE "C" NOT NULL,
    deleted      boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Resync of the Redis projection reads "everything changed since t".
CREATE INDEX kv_updated_at ON kv (updated_at);

-- A write retried with the same Idempotency-Key is applied at most once (DESIGN C4).
CREATE TABLE idempotency (
    idem_key    text        PRIMARY KEY,
    fingerprint text        NOT NULL,
    key         text        NOT NULL,
    version     bigint      NOT NULL,
    deleted     boolean     NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idempotency_created_at ON idempotency (created_at);

-- Each instance's heartbeat: how far a standby lags is read from the newest heartbeat
-- it has replayed (DESIGN section 4).
CREATE TABLE heartbeat (
    instance   text        PRIMARY KEY,
    wall_ms    bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
