-- The purge (PurgeExpired) finds due rows by expires_at. InnoDB adds a secondary
-- index online (ALGORITHM=INPLACE, LOCK=NONE): writes go on during the build. MySQL
-- has no CREATE INDEX IF NOT EXISTS and DDL is not transactional, so each index is
-- its own migration of one statement.
ALTER TABLE sessions ADD INDEX sessions_expires_at_idx (expires_at), ALGORITHM=INPLACE, LOCK=NONE;
