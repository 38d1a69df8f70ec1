CREATE TABLE IF NOT EXISTS users (
    id                   TEXT     NOT NULL PRIMARY KEY,
    email                TEXT     NOT NULL,
    username             TEXT,
    name                 TEXT     NOT NULL DEFAULT '',
    mobile               TEXT     NOT NULL DEFAULT '',
    role                 TEXT     NOT NULL,
    status               TEXT     NOT NULL,
    password_hash        TEXT     NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    activated_at         DATETIME,
    failed_logins        BIGINT   NOT NULL DEFAULT 0,
    last_failed_login_at DATETIME
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS users_username_key ON users (username);
--bun:split
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT     NOT NULL PRIMARY KEY,
    user_id    TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    counter    BIGINT   NOT NULL,
    rotated_at DATETIME NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    revoked_at DATETIME,
    user_agent TEXT     NOT NULL DEFAULT '',
    ip         TEXT     NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id);
--bun:split
CREATE TABLE IF NOT EXISTS one_time_tokens (
    hash       TEXT     NOT NULL PRIMARY KEY,
    kind       TEXT     NOT NULL,
    user_id    TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS one_time_tokens_user_id_idx ON one_time_tokens (user_id, kind);
--bun:split
CREATE TABLE IF NOT EXISTS secrets (
    name       TEXT     NOT NULL PRIMARY KEY,
    value      BLOB     NOT NULL,
    created_at DATETIME NOT NULL
);
