-- The language of the account's mail (BCP 47; '' for accounts made before it: the default).
ALTER TABLE users ADD COLUMN IF NOT EXISTS locale TEXT NOT NULL DEFAULT '';
