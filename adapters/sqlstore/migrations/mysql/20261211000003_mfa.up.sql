-- Second factors. secret is sealed (AES-256-GCM, aad bound to the id); last_step is
-- the last accepted TOTP time step, advanced only by a compare-and-swap.
CREATE TABLE IF NOT EXISTS mfa_factors (
    id           VARCHAR(64)  NOT NULL,
    user_id      VARCHAR(64)  NOT NULL,
    type         VARCHAR(16)  NOT NULL,
    status       VARCHAR(16)  NOT NULL,
    secret       BLOB         NOT NULL,
    last_step    BIGINT       NOT NULL DEFAULT 0,
    created_at   DATETIME(6)  NOT NULL,
    last_used_at DATETIME(6)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY mfa_factors_user_type_key (user_id, type),
    CONSTRAINT mfa_factors_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS recovery_codes (
    user_id    VARCHAR(64)  NOT NULL,
    hash       VARCHAR(128) NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (user_id, hash),
    CONSTRAINT recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
-- The pending second steps of logins (mfa_token), by the token's hash.
CREATE TABLE IF NOT EXISTS mfa_tokens (
    hash       VARCHAR(128) NOT NULL,
    user_id    VARCHAR(64)  NOT NULL,
    amr        VARCHAR(128) NOT NULL DEFAULT '',
    attempts   BIGINT       NOT NULL DEFAULT 0,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (hash),
    KEY mfa_tokens_expires_at_idx (expires_at),
    CONSTRAINT mfa_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
