-- The language of the account's mail (BCP 47; '' for accounts made before it: the default).
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT '';
