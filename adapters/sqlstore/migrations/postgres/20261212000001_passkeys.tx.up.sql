-- Passkeys (ARCHITECTURE.md §9). credential_id is unique across accounts;
-- sign_count only grows, by a compare-and-swap. transports is space-separated.
CREATE TABLE IF NOT EXISTS passkeys (
    id               VARCHAR(64) COLLATE "C" PRIMARY KEY,
    user_id          VARCHAR(64) COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    BYTEA        NOT NULL,
    public_key       BYTEA        NOT NULL,
    user_handle      BYTEA        NOT NULL,
    sign_count       BIGINT       NOT NULL DEFAULT 0,
    aaguid           BYTEA        NOT NULL,
    attestation_type VARCHAR(32)  NOT NULL DEFAULT '',
    transports       VARCHAR(128) NOT NULL DEFAULT '',
    backup_eligible  BOOLEAN      NOT NULL DEFAULT FALSE,
    backed_up        BOOLEAN      NOT NULL DEFAULT FALSE,
    name             VARCHAR(256) NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ  NOT NULL,
    last_used_at     TIMESTAMPTZ,
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);
CREATE INDEX IF NOT EXISTS passkeys_user_id_idx ON passkeys (user_id);
-- The states of WebAuthn ceremonies between options and verification, by the
-- hash of their ceremony_id; user_id is NULL for a discoverable login.
CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
    hash       VARCHAR(128) COLLATE "C" PRIMARY KEY,
    kind       VARCHAR(16)  NOT NULL,
    user_id    VARCHAR(64) COLLATE "C" REFERENCES users (id) ON DELETE CASCADE,
    mfa_hash   VARCHAR(128) NOT NULL DEFAULT '',
    state      BYTEA        NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
);
CREATE INDEX IF NOT EXISTS webauthn_ceremonies_expires_at_idx ON webauthn_ceremonies (expires_at);
