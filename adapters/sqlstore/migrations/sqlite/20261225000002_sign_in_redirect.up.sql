-- A sign-in link may end at the app that asked for it (ARCHITECTURE.md §10–§11):
-- the redirect URI, PKCE challenge and state it gave with the request.
ALTER TABLE sign_in_codes ADD COLUMN redirect_uri TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE sign_in_codes ADD COLUMN code_challenge TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE sign_in_codes ADD COLUMN state TEXT NOT NULL DEFAULT '';
