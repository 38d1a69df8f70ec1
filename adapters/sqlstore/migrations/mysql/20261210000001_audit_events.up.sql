-- The audit log (ARCHITECTURE.md §12). id is a UUIDv7, so id order is time order:
-- listings page by id. No foreign key to users: an account's events outlive it.
CREATE TABLE IF NOT EXISTS audit_events (
    id         VARCHAR(64)  NOT NULL,
    type       VARCHAR(64)  NOT NULL,
    user_id    VARCHAR(64)  NOT NULL DEFAULT '',
    actor_id   VARCHAR(64)  NOT NULL DEFAULT '',
    session_id VARCHAR(64)  NOT NULL DEFAULT '',
    ip         VARCHAR(64)  NOT NULL DEFAULT '',
    user_agent TEXT         NOT NULL,
    at         DATETIME(6)  NOT NULL,
    data       MEDIUMTEXT   NOT NULL,
    PRIMARY KEY (id),
    KEY audit_events_user_id_idx (user_id, id),
    KEY audit_events_at_idx (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
-- The outbox: mails and webhook calls waiting to be sent (see sqlstore/outbox.go).
CREATE TABLE IF NOT EXISTS outbox (
    id         VARCHAR(64)  NOT NULL,
    channel    VARCHAR(16)  NOT NULL,
    event_id   VARCHAR(64)  NOT NULL DEFAULT '',
    user_id    VARCHAR(64)  NOT NULL DEFAULT '',
    kind       VARCHAR(64)  NOT NULL,
    payload    MEDIUMBLOB   NULL,
    sealed     BLOB         NULL,
    created_at DATETIME(6)  NOT NULL,
    due_at     DATETIME(6)  NOT NULL,
    attempts   BIGINT       NOT NULL DEFAULT 0,
    last_error TEXT         NOT NULL,
    lease      VARCHAR(64)  NOT NULL DEFAULT '',
    dead_at    DATETIME(6)  NULL,
    PRIMARY KEY (id),
    KEY outbox_due_idx (dead_at, due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
