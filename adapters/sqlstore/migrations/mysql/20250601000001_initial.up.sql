CREATE TABLE IF NOT EXISTS users (
    id                   VARCHAR(64)  NOT NULL,
    email                VARCHAR(254) NOT NULL,
    username             VARCHAR(64)  NULL,
    name                 VARCHAR(255) NOT NULL DEFAULT '',
    mobile               VARCHAR(32)  NOT NULL DEFAULT '',
    role                 VARCHAR(16)  NOT NULL,
    status               VARCHAR(16)  NOT NULL,
    password_hash        VARCHAR(512) NOT NULL,
    created_at           DATETIME(6)  NOT NULL,
    updated_at           DATETIME(6)  NOT NULL,
    activated_at         DATETIME(6)  NULL,
    failed_logins        BIGINT       NOT NULL DEFAULT 0,
    last_failed_login_at DATETIME(6)  NULL,
    PRIMARY KEY (id),
    UNIQUE KEY users_email_key (email),
    UNIQUE KEY users_username_key (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS sessions (
    id         VARCHAR(64)  NOT NULL,
    user_id    VARCHAR(64)  NOT NULL,
    counter    BIGINT       NOT NULL,
    rotated_at DATETIME(6)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    revoked_at DATETIME(6)  NULL,
    user_agent TEXT         NOT NULL,
    ip         VARCHAR(64)  NOT NULL DEFAULT '',
    PRIMARY KEY (id),
    KEY sessions_user_id_idx (user_id),
    CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS one_time_tokens (
    hash       VARCHAR(128) NOT NULL,
    kind       VARCHAR(32)  NOT NULL,
    user_id    VARCHAR(64)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    expires_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (hash),
    KEY one_time_tokens_user_id_idx (user_id, kind),
    CONSTRAINT one_time_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
--bun:split
CREATE TABLE IF NOT EXISTS secrets (
    name       VARCHAR(128) NOT NULL,
    value      BLOB         NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
