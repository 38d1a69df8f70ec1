-- Whether the account has an active second factor, kept by the MFA store.
ALTER TABLE users ADD COLUMN mfa_enabled BOOLEAN NOT NULL DEFAULT FALSE;
