CREATE TABLE IF NOT EXISTS login_attempts (
    key_hash   VARCHAR(64) COLLATE "C" PRIMARY KEY,
    attempts   BIGINT      NOT NULL,
    next_at    TIMESTAMPTZ,
    expires_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS login_attempts_expires_at_idx ON login_attempts (expires_at);
