-- The audit log (ARCHITECTURE.md §12). id is a UUIDv7, so id order is time order:
-- listings page by id. No foreign key to users: an account's events outlive it.
CREATE TABLE IF NOT EXISTS audit_events (
    id         TEXT     NOT NULL PRIMARY KEY,
    type       TEXT     NOT NULL,
    user_id    TEXT     NOT NULL DEFAULT '',
    actor_id   TEXT     NOT NULL DEFAULT '',
    session_id TEXT     NOT NULL DEFAULT '',
    ip         TEXT     NOT NULL DEFAULT '',
    user_agent TEXT     NOT NULL DEFAULT '',
    at         DATETIME NOT NULL,
    data       TEXT     NOT NULL DEFAULT '{}'
);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_user_id_idx ON audit_events (user_id, id);
--bun:split
CREATE INDEX IF NOT EXISTS audit_events_at_idx ON audit_events (at);
--bun:split
-- The outbox: mails and webhook calls waiting to be sent (see sqlstore/outbox.go).
CREATE TABLE IF NOT EXISTS outbox (
    id         TEXT     NOT NULL PRIMARY KEY,
    channel    TEXT     NOT NULL,
    event_id   TEXT     NOT NULL DEFAULT '',
    user_id    TEXT     NOT NULL DEFAULT '',
    kind       TEXT     NOT NULL,
    payload    BLOB,
    sealed     BLOB,
    created_at DATETIME NOT NULL,
    due_at     DATETIME NOT NULL,
    attempts   BIGINT   NOT NULL DEFAULT 0,
    last_error TEXT     NOT NULL DEFAULT '',
    lease      TEXT     NOT NULL DEFAULT '',
    dead_at    DATETIME
);
--bun:split
CREATE INDEX IF NOT EXISTS outbox_due_idx ON outbox (due_at) WHERE dead_at IS NULL;
