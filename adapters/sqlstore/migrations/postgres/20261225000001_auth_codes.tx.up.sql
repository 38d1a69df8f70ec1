-- Authorization codes (ARCHITECTURE.md §10): handed to an app through the
-- browser, redeemed once at POST /v1/auth/token within 60 seconds. Only the
-- code's SHA-256 is stored.
CREATE TABLE IF NOT EXISTS auth_codes (
    hash           VARCHAR(128)  COLLATE "C" PRIMARY KEY,
    user_id        VARCHAR(64)   COLLATE "C" NOT NULL,
    method         VARCHAR(32)   NOT NULL,
    redirect_uri   VARCHAR(2048) NOT NULL,
    code_challenge VARCHAR(128)  NOT NULL,
    created_at     TIMESTAMPTZ   NOT NULL,
    expires_at     TIMESTAMPTZ   NOT NULL
);
--bun:split
CREATE INDEX IF NOT EXISTS auth_codes_expires_at_idx ON auth_codes (expires_at);
