-- Authorization codes (ARCHITECTURE.md §10): handed to an app through the
-- browser, redeemed once at POST /v1/auth/token within 60 seconds. Only the
-- code's SHA-256 is stored.
CREATE TABLE IF NOT EXISTS auth_codes (
    hash           TEXT     NOT NULL PRIMARY KEY,
    user_id        TEXT     NOT NULL,
    method         TEXT     NOT NULL,
    redirect_uri   TEXT     NOT NULL,
    code_challenge TEXT     NOT NULL,
    created_at     DATETIME NOT NULL,
    expires_at     DATETIME NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS auth_codes_expires_at_idx ON auth_codes (expires_at);
