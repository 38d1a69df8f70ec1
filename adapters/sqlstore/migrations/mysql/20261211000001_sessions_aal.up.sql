-- Assurance levels (ARCHITECTURE.md §8): how each session was opened. Sessions of
-- earlier releases were password logins: aal1, amr '' (read as pwd), auth_time NULL
-- (read as created_at). One statement, so a failure leaves nothing half done
-- (MySQL's DDL is not transactional).
ALTER TABLE sessions
    ADD COLUMN aal VARCHAR(8) NOT NULL DEFAULT 'aal1',
    ADD COLUMN amr VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN auth_time DATETIME(6) NULL;
