CREATE TABLE IF NOT EXISTS users (
    id                   VARCHAR(64) COLLATE "C" PRIMARY KEY,
    email                VARCHAR(254) NOT NULL,
    username             VARCHAR(64),
    name                 VARCHAR(255) NOT NULL DEFAULT '',
    mobile               VARCHAR(32)  NOT NULL DEFAULT '',
    role                 VARCHAR(16)  NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    password_hash        TEXT         NOT NULL,
    created_at           TIMESTAMPTZ  NOT NULL,
    updated_at           TIMESTAMPTZ  NOT NULL,
    activated_at         TIMESTAMPTZ,
    failed_logins        BIGINT       NOT NULL DEFAULT 0,
    last_failed_login_at TIMESTAMPTZ,
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_username_key UNIQUE (username)
);
--bun:split
CREATE TABLE IF NOT EXISTS sessions (
    id         VARCHAR(64) COLLATE "C" PRIMARY KEY,
    user_id    VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    counter    BIGINT       NOT NULL,
    rotated_at TIMESTAMPTZ  NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL,
    revoked_at TIMESTAMPTZ,
    user_agent TEXT         NOT NULL DEFAULT '',
    ip         VARCHAR(64)  NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON sessions (user_id);
--bun:split
CREATE TABLE IF NOT EXISTS one_time_tokens (
    hash       VARCHAR(128) COLLATE "C" PRIMARY KEY,
    kind       VARCHAR(32)  NOT NULL,
    user_id    VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS one_time_tokens_user_id_idx ON one_time_tokens (user_id, kind);
--bun:split
CREATE TABLE IF NOT EXISTS secrets (
    name       VARCHAR(128) PRIMARY KEY,
    value      BYTEA        NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL
);
