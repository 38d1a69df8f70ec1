-- Assurance levels (ARCHITECTURE.md §8): how each session was opened. Sessions of
-- earlier releases were password logins: aal1, amr '' (read as pwd), auth_time NULL
-- (read as created_at).
ALTER TABLE sessions ADD COLUMN aal TEXT NOT NULL DEFAULT 'aal1';
--bun:split
ALTER TABLE sessions ADD COLUMN amr TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE sessions ADD COLUMN auth_time DATETIME;
--bun:split
ALTER TABLE users ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
-- Second factors. secret is sealed (AES-256-GCM, aad bound to the id); last_step is
-- the last accepted TOTP time step, advanced only by a compare-and-swap.
CREATE TABLE IF NOT EXISTS mfa_factors (
    id           TEXT     NOT NULL PRIMARY KEY,
    user_id      TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type         TEXT     NOT NULL,
    status       TEXT     NOT NULL,
    secret       BLOB     NOT NULL,
    last_step    BIGINT   NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    UNIQUE (user_id, type)
);
--bun:split
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id    TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (user_id, hash)
);
--bun:split
-- The pending second steps of logins (mfa_token), by the token's hash.
CREATE TABLE IF NOT EXISTS mfa_tokens (
    hash       TEXT     NOT NULL PRIMARY KEY,
    user_id    TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amr        TEXT     NOT NULL DEFAULT '',
    attempts   BIGINT   NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS mfa_tokens_expires_at_idx ON mfa_tokens (expires_at);
