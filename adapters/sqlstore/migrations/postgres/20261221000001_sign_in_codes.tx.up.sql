-- Sign-in by mail (ARCHITECTURE.md §11): the one live link-and-code pair of an
-- address, keyed by the normalised address. No foreign key: with
-- AUTH_PASSWORDLESS_SIGNUP an address without an account gets a pair too.
CREATE TABLE IF NOT EXISTS sign_in_codes (
    email      VARCHAR(254) COLLATE "C" PRIMARY KEY,
    user_id    VARCHAR(64)  COLLATE "C" NOT NULL DEFAULT '',
    locale     VARCHAR(35)  NOT NULL DEFAULT '',
    link_hash  VARCHAR(128) COLLATE "C" NOT NULL,
    code_hash  VARCHAR(128) COLLATE "C" NOT NULL,
    attempts   BIGINT       NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ  NOT NULL,
    expires_at TIMESTAMPTZ  NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS sign_in_codes_link_hash_idx ON sign_in_codes (link_hash);
--bun:split
CREATE INDEX IF NOT EXISTS sign_in_codes_expires_at_idx ON sign_in_codes (expires_at);
