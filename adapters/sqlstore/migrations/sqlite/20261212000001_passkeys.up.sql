-- Passkeys (ARCHITECTURE.md §9). credential_id is unique across accounts;
-- sign_count only grows, by a compare-and-swap. transports is space-separated.
CREATE TABLE IF NOT EXISTS passkeys (
    id               TEXT     NOT NULL PRIMARY KEY,
    user_id          TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    BLOB     NOT NULL UNIQUE,
    public_key       BLOB     NOT NULL,
    user_handle      BLOB     NOT NULL,
    sign_count       BIGINT   NOT NULL DEFAULT 0,
    aaguid           BLOB     NOT NULL,
    attestation_type TEXT     NOT NULL DEFAULT '',
    transports       TEXT     NOT NULL DEFAULT '',
    backup_eligible  BOOLEAN  NOT NULL DEFAULT FALSE,
    backed_up        BOOLEAN  NOT NULL DEFAULT FALSE,
    name             TEXT     NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    last_used_at     DATETIME
);
--bun:split
CREATE INDEX IF NOT EXISTS passkeys_user_id_idx ON passkeys (user_id);
--bun:split
-- The states of WebAuthn ceremonies between options and verification, by the
-- hash of their ceremony_id; user_id is NULL for a discoverable login.
CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
    hash       TEXT     NOT NULL PRIMARY KEY,
    kind       TEXT     NOT NULL,
    user_id    TEXT     REFERENCES users (id) ON DELETE CASCADE,
    mfa_hash   TEXT     NOT NULL DEFAULT '',
    state      BLOB     NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS webauthn_ceremonies_expires_at_idx ON webauthn_ceremonies (expires_at);
