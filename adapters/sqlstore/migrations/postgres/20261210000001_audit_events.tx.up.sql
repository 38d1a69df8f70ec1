-- The audit log (ARCHITECTURE.md §12). id is a UUIDv7, so id order is time order:
-- listings page by id. No foreign key to users: an account's events outlive it.
CREATE TABLE IF NOT EXISTS audit_events (
    id         VARCHAR(64) COLLATE "C" PRIMARY KEY,
    type       VARCHAR(64) COLLATE "C" NOT NULL,
    user_id    VARCHAR(64) COLLATE "C" NOT NULL DEFAULT '',
    actor_id   VARCHAR(64) COLLATE "C" NOT NULL DEFAULT '',
    session_id VARCHAR(64) COLLATE "C" NOT NULL DEFAULT '',
    ip         VARCHAR(64)  NOT NULL DEFAULT '',
    user_agent TEXT         NOT NULL DEFAULT '',
    at         TIMESTAMPTZ  NOT NULL,
    data       TEXT         NOT NULL DEFAULT '{}'
);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_user_id_idx ON audit_events (user_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_at_idx ON audit_events (at);
--bun:split
-- The outbox: mails and webhook calls waiting to be sent (see sqlstore/outbox.go).
CREATE TABLE IF NOT EXISTS outbox (
    id         VARCHAR(64) COLLATE "C" PRIMARY KEY,
    channel    VARCHAR(16)  NOT NULL,
    event_id   VARCHAR(64) COLLATE "C" NOT NULL DEFAULT '',
    user_id    VARCHAR(64) COLLATE "C" NOT NULL DEFAULT '',
    kind       VARCHAR(64)  NOT NULL,
    payload    BYTEA,
    sealed     BYTEA,
    created_at TIMESTAMPTZ  NOT NULL,
    due_at     TIMESTAMPTZ  NOT NULL,
    attempts   BIGINT       NOT NULL DEFAULT 0,
    last_error TEXT         NOT NULL DEFAULT '',
    lease      VARCHAR(64)  NOT NULL DEFAULT '',
    dead_at    TIMESTAMPTZ
);
--bun:split
CREATE INDEX IF NOT EXISTS outbox_due_idx ON outbox (due_at) WHERE dead_at IS NULL;
--bun:split
CREATE INDEX IF NOT EXISTS outbox_dead_idx ON outbox (dead_at) WHERE dead_at IS NOT NULL;
