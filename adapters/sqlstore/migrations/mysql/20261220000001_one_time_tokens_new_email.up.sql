-- The address an email_change token moves its user to ('' for the other kinds).
ALTER TABLE one_time_tokens ADD COLUMN new_email VARCHAR(254) NOT NULL DEFAULT '', ALGORITHM=INSTANT;
