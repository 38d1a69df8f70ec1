-- A sign-in link may end at the app that asked for it (ARCHITECTURE.md §10–§11):
-- the redirect URI, PKCE challenge and state it gave with the request.
ALTER TABLE sign_in_codes
    ADD COLUMN redirect_uri   VARCHAR(2048) NOT NULL DEFAULT '',
    ADD COLUMN code_challenge VARCHAR(128)  NOT NULL DEFAULT '',
    ADD COLUMN state          VARCHAR(1024) NOT NULL DEFAULT '',
    ALGORITHM=INSTANT;
