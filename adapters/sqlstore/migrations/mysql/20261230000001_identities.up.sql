-- External identities (ARCHITECTURE.md §10): (provider, subject) is unique across
-- accounts, and an account holds at most one identity per provider.
CREATE TABLE IF NOT EXISTS identities (
    provider     VARCHAR(64)  NOT NULL,
    subject      VARCHAR(255) NOT NULL,
    user_id      VARCHAR(64)  NOT NULL,
    email        VARCHAR(254) NOT NULL DEFAULT '',
    created_at   DATETIME(6)  NOT NULL,
    last_used_at DATETIME(6)  NULL,
    PRIMARY KEY (provider, subject),
    UNIQUE KEY identities_user_provider_key (user_id, provider),
    CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
-- Flows through a provider between authorize and callback, by the hash of the
-- state sent to the provider; secret is the sealed nonce and PKCE verifier.
CREATE TABLE IF NOT EXISTS provider_flows (
    hash           VARCHAR(128)  NOT NULL,
    provider       VARCHAR(64)   NOT NULL,
    secret         BLOB          NOT NULL,
    code_challenge VARCHAR(128)  NOT NULL,
    redirect_uri   VARCHAR(2048) NOT NULL,
    app_state      VARCHAR(1024) NOT NULL DEFAULT '',
    link_user_id   VARCHAR(64)   NOT NULL DEFAULT '',
    created_at     DATETIME(6)   NOT NULL,
    expires_at     DATETIME(6)   NOT NULL,
    PRIMARY KEY (hash),
    KEY provider_flows_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
