-- External identities (ARCHITECTURE.md §10): (provider, subject) is unique across
-- accounts, and an account holds at most one identity per provider.
CREATE TABLE IF NOT EXISTS identities (
    provider     VARCHAR(64)  COLLATE "C" NOT NULL,
    subject      VARCHAR(255) COLLATE "C" NOT NULL,
    user_id      VARCHAR(64)  COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        VARCHAR(254) NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ  NOT NULL,
    last_used_at TIMESTAMPTZ,
    PRIMARY KEY (provider, subject),
    CONSTRAINT identities_user_provider_key UNIQUE (user_id, provider)
);
--bun:split
-- Flows through a provider between authorize and callback, by the hash of the
-- state sent to the provider; secret is the sealed nonce and PKCE verifier.
CREATE TABLE IF NOT EXISTS provider_flows (
    hash           VARCHAR(128) COLLATE "C" PRIMARY KEY,
    provider       VARCHAR(64)  NOT NULL,
    secret         BYTEA        NOT NULL,
    code_challenge VARCHAR(128) NOT NULL,
    redirect_uri   VARCHAR(2048) NOT NULL,
    app_state      VARCHAR(1024) NOT NULL DEFAULT '',
    link_user_id   VARCHAR(64)  COLLATE "C" NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ  NOT NULL,
    expires_at     TIMESTAMPTZ  NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS provider_flows_expires_at_idx ON provider_flows (expires_at);
