-- The statements of one refresh (POST /v1/auth/refresh) on PostgreSQL, as authd's
-- store sends them (adapters/sqlstore: SessionStore.ByID, UserStore.ByID,
-- SessionStore.Rotate), for pgbench-refresh.sh. Each pgbench client works on its
-- own session, pgbench-<client_id>, as each authbench worker does. The literals
-- authd writes into the text are variables here; rotated_at is the server's clock.
SELECT "session_row"."id", "session_row"."user_id", "session_row"."counter", "session_row"."rotated_at", "session_row"."created_at", "session_row"."expires_at", "session_row"."revoked_at", "session_row"."user_agent", "session_row"."ip" FROM "sessions" AS "session_row" WHERE (id = 'pgbench-' || :client_id) LIMIT 1 \gset s_
SELECT "user_row"."id", "user_row"."email", "user_row"."username", "user_row"."name", "user_row"."mobile", "user_row"."role", "user_row"."status", "user_row"."password_hash", "user_row"."created_at", "user_row"."updated_at", "user_row"."activated_at" FROM "users" AS "user_row" WHERE (id = :s_user_id) LIMIT 1;
\set next :s_counter + 1
UPDATE "sessions" AS "session_row" SET counter = :next, rotated_at = CURRENT_TIMESTAMP WHERE (id = :s_id) AND (counter = :s_counter) AND (revoked_at IS NULL);
