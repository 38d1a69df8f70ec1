-- Sign-in by mail (ARCHITECTURE.md §11): the one live link-and-code pair of an
-- address, keyed by the normalised address. No foreign key: with
-- AUTH_PASSWORDLESS_SIGNUP an address without an account gets a pair too.
CREATE TABLE IF NOT EXISTS sign_in_codes (
    email      VARCHAR(254) NOT NULL,
    user_id    VARCHAR(64)  NOT NULL DEFAULT '',
    locale     VARCHAR(35)  NOT NULL DEFAULT '',
    link_hash  VARCHAR(128) NOT NULL,
    code_hash  VARCHAR(128) NOT NULL,
    attempts   BIGINT       NOT NULL DEFAULT 0,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (email),
    UNIQUE KEY sign_in_codes_link_hash_idx (link_hash),
    KEY sign_in_codes_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
