-- As 20261202000001, for one_time_tokens.
CREATE INDEX IF NOT EXISTS one_time_tokens_expires_at_idx ON one_time_tokens (expires_at);
