CREATE TABLE IF NOT EXISTS login_attempts (
    key_hash   TEXT     NOT NULL PRIMARY KEY,
    attempts   BIGINT   NOT NULL,
    next_at    DATETIME,
    expires_at DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS login_attempts_expires_at_idx ON login_attempts (expires_at);
