-- Authorization codes (ARCHITECTURE.md §10): handed to an app through the
-- browser, redeemed once at POST /v1/auth/token within 60 seconds. Only the
-- code's SHA-256 is stored.
CREATE TABLE IF NOT EXISTS auth_codes (
    hash           VARCHAR(128)  NOT NULL,
    user_id        VARCHAR(64)   NOT NULL,
    method         VARCHAR(32)   NOT NULL,
    redirect_uri   VARCHAR(2048) NOT NULL,
    code_challenge VARCHAR(128)  NOT NULL,
    created_at     DATETIME(6)   NOT NULL,
    expires_at     DATETIME(6)   NOT NULL,
    PRIMARY KEY (hash),
    KEY auth_codes_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
