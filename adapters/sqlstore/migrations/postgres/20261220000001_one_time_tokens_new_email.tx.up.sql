-- The address an email_change token moves its user to ('' for the other kinds).
ALTER TABLE one_time_tokens ADD COLUMN IF NOT EXISTS new_email TEXT NOT NULL DEFAULT '';
