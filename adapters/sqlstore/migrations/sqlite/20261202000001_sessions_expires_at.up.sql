-- The purge (PurgeExpired) finds due rows by expires_at. On SQLite every pending
-- migration runs in one BEGIN IMMEDIATE transaction (migrate.go).
CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
