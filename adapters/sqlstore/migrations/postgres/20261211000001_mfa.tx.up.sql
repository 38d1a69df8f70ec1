-- Assurance levels (ARCHITECTURE.md §8): how each session was opened. Sessions of
-- earlier releases were password logins: aal1, amr '' (read as pwd), auth_time NULL
-- (read as created_at).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS aal VARCHAR(8) NOT NULL DEFAULT 'aal1';
--bun:split
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS amr VARCHAR(128) NOT NULL DEFAULT '';
--bun:split
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS auth_time TIMESTAMPTZ;
--bun:split
ALTER TABLE users ADD COLUMN IF NOT EXISTS mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
-- Second factors. secret is sealed (AES-256-GCM, aad bound to the id); last_step is
-- the last accepted TOTP time step, advanced only by a compare-and-swap.
CREATE TABLE IF NOT EXISTS mfa_factors (
    id           VARCHAR(64) COLLATE "C" PRIMARY KEY,
    user_id      VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    type         VARCHAR(16)  NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    secret       BYTEA        NOT NULL,
    last_step    BIGINT       NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ  NOT NULL,
    last_used_at TIMESTAMPTZ,
    CONSTRAINT mfa_factors_user_type_key UNIQUE (user_id, type)
);
--bun:split
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id    VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash       VARCHAR(128) COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    PRIMARY KEY (user_id, hash)
);
--bun:split
-- The pending second steps of logins (mfa_token), by the token's hash.
CREATE TABLE IF NOT EXISTS mfa_tokens (
    hash       VARCHAR(128) COLLATE "C" PRIMARY KEY,
    user_id    VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    amr        VARCHAR(128) NOT NULL DEFAULT '',
    attempts   BIGINT       NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS mfa_tokens_user_id_idx ON mfa_tokens (user_id);
--bun:split
CREATE INDEX IF NOT EXISTS mfa_tokens_expires_at_idx ON mfa_tokens (expires_at);
