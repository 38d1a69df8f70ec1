-- Sign-in by mail (ARCHITECTURE.md §11): the one live link-and-code pair of an
-- address, keyed by the normalised address. No foreign key: with
-- AUTH_PASSWORDLESS_SIGNUP an address without an account gets a pair too.
CREATE TABLE IF NOT EXISTS sign_in_codes (
    email      TEXT     NOT NULL PRIMARY KEY,
    user_id    TEXT     NOT NULL DEFAULT '',
    locale     TEXT     NOT NULL DEFAULT '',
    link_hash  TEXT     NOT NULL,
    code_hash  TEXT     NOT NULL,
    attempts   BIGINT   NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
--bun:split
CREATE UNIQUE INDEX IF NOT EXISTS sign_in_codes_link_hash_idx ON sign_in_codes (link_hash);
--bun:split
CREATE INDEX IF NOT EXISTS sign_in_codes_expires_at_idx ON sign_in_codes (expires_at);
