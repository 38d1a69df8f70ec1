CREATE TABLE IF NOT EXISTS login_attempts (
    key_hash   VARCHAR(64) NOT NULL,
    attempts   BIGINT      NOT NULL,
    next_at    DATETIME(6) NULL,
    expires_at DATETIME(6) NOT NULL,
    PRIMARY KEY (key_hash),
    KEY login_attempts_expires_at_idx (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
