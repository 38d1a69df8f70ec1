-- As 20261202000001, for one_time_tokens.
ALTER TABLE one_time_tokens ADD INDEX one_time_tokens_expires_at_idx (expires_at), ALGORITHM=INPLACE, LOCK=NONE;
