-- External identities (ARCHITECTURE.md §10): (provider, subject) is unique across
-- accounts, and an account holds at most one identity per provider.
CREATE TABLE IF NOT EXISTS identities (
    provider     TEXT     NOT NULL,
    subject      TEXT     NOT NULL,
    user_id      TEXT     NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email        TEXT     NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    PRIMARY KEY (provider, subject),
    UNIQUE (user_id, provider)
);
--bun:split
-- Flows through a provider between authorize and callback, by the hash of the
-- state sent to the provider; secret is the sealed nonce and PKCE verifier.
CREATE TABLE IF NOT EXISTS provider_flows (
    hash           TEXT     NOT NULL PRIMARY KEY,
    provider       TEXT     NOT NULL,
    secret         BLOB     NOT NULL,
    code_challenge TEXT     NOT NULL,
    redirect_uri   TEXT     NOT NULL,
    app_state      TEXT     NOT NULL DEFAULT '',
    link_user_id   TEXT     NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    expires_at     DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS provider_flows_expires_at_idx ON provider_flows (expires_at);
