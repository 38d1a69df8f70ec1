-- Passkeys (ARCHITECTURE.md §9). credential_id is unique across accounts
-- (WebAuthn allows up to 1023 bytes); sign_count only grows, by a
-- compare-and-swap. transports is space-separated.
CREATE TABLE IF NOT EXISTS passkeys (
    id               VARCHAR(64)     NOT NULL,
    user_id          VARCHAR(64)     NOT NULL,
    credential_id    VARBINARY(1023) NOT NULL,
    public_key       BLOB            NOT NULL,
    user_handle      VARBINARY(64)   NOT NULL,
    sign_count       BIGINT          NOT NULL DEFAULT 0,
    aaguid           VARBINARY(16)   NOT NULL,
    attestation_type VARCHAR(32)     NOT NULL DEFAULT '',
    transports       VARCHAR(128)    NOT NULL DEFAULT '',
    backup_eligible  BOOLEAN         NOT NULL DEFAULT FALSE,
    backed_up        BOOLEAN         NOT NULL DEFAULT FALSE,
    name             VARCHAR(256)    NOT NULL DEFAULT '',
    created_at       DATETIME(6)     NOT NULL,
    last_used_at     DATETIME(6)     NULL,
    PRIMARY KEY (id),
    UNIQUE KEY passkeys_credential_id_key (credential_id),
    KEY passkeys_user_id_idx (user_id),
    CONSTRAINT passkeys_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS webauthn_ceremonies (
    hash       VARCHAR(128) NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    user_id    VARCHAR(64)  NULL,
    mfa_hash   VARCHAR(128) NOT NULL DEFAULT '',
    state      BLOB         NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (hash),
    KEY webauthn_ceremonies_expires_at_idx (expires_at),
    CONSTRAINT webauthn_ceremonies_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
