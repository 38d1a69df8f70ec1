package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// purgeBatch is how many rows one purge statement deletes at most. Each batch is
// its own short write (on SQLite through the writer queue), so refreshes and logins
// interleave with a long purge instead of waiting for all of it: 500 index-ordered
// deletes take a few milliseconds.
const purgeBatch = 500

// purgeTable names a table the purge empties of expired rows, and the key it
// deletes by.
type purgeTable struct {
	name, key string
	column    string // the time column compared, expires_at when empty
}

// purgeTables are the tables with an expires_at column and an index on it (the
// migrations 20261201000001 and 20261202000001/2).
var purgeTables = []purgeTable{
	{"sessions", "id", ""},
	{"one_time_tokens", "hash", ""},
	{"login_attempts", "key_hash", ""},
	{"mfa_tokens", "hash", ""},
	{"webauthn_ceremonies", "hash", ""},
	{"sign_in_codes", "email", ""},
	{"auth_codes", "hash", ""},
	{"provider_flows", "hash", ""},
}

// PurgeExpired deletes the sessions, one-time tokens and login-attempt counts whose
// lifetime ended before now and returns how many rows went. Nothing can use them any more — the use cases
// check expiry on every read — so keeping them would only grow the tables without
// bound; DynamoDB's TTL does the same job there. cmd/authd calls it periodically
// (AUTH_PURGE_INTERVAL).
//
// The rows are found through the index on expires_at and deleted in batches of a
// few hundred, each its own statement, until a batch comes back short; a cancelled
// ctx stops it between batches (the rows deleted so far stay deleted and are
// counted). Two instances purging at once only share the work.
func (s *Store) PurgeExpired(ctx context.Context, now time.Time) (int64, error) {
	return s.purgeExpired(ctx, now, purgeBatch)
}

// purgeExpired is PurgeExpired with batches of at most batch rows.
func (s *Store) purgeExpired(ctx context.Context, now time.Time, batch int) (int64, error) {
	return s.purgeBefore(ctx, now, batch, purgeTables)
}

// purgeBefore deletes, table by table, the rows whose time column is before now,
// in batches of at most batch rows.
func (s *Store) purgeBefore(ctx context.Context, now time.Time, batch int, tables []purgeTable) (int64, error) {
	var total int64
	for _, t := range tables {
		query := s.purgeQuery(t)
		for {
			if err := ctx.Err(); err != nil {
				return total, translate(err)
			}
			var res sql.Result
			err := s.writing(ctx, func() error {
				var err error
				res, err = s.db.ExecContext(ctx, query, ts(now), batch)
				return err
			})
			if err != nil {
				return total, translate(err)
			}
			n, err := affected(res)
			if err != nil {
				return total, err
			}
			total += n
			if n < int64(batch) {
				break
			}
		}
	}
	return total, nil
}

// purgeQuery is the statement that deletes one batch of t's expired rows; its two
// arguments are the time and the batch size. The due rows are taken in index order
// (expires_at), so no statement reads more of the table than it deletes. MySQL
// deletes with ORDER BY … LIMIT (it does not allow LIMIT in an IN subquery);
// PostgreSQL and SQLite select the keys by the index and delete by key — on SQLite
// by rowid, which the expires_at index holds, so the subquery reads only the index.
func (s *Store) purgeQuery(t purgeTable) string {
	name, key, col := t.name, t.key, t.column // fixed lower-case names, no quoting needed
	if col == "" {
		col = "expires_at"
	}
	switch s.target.dialect {
	case dialectMySQL:
		return "DELETE FROM " + name + " WHERE " + col + " < ? ORDER BY " + col + " LIMIT ?"
	case dialectSQLite:
		return "DELETE FROM " + name + " WHERE rowid IN (SELECT rowid FROM " + name +
			" WHERE " + col + " < ? ORDER BY " + col + " LIMIT ?)"
	default:
		return "DELETE FROM " + name + " WHERE " + key + " IN (SELECT " + key + " FROM " + name +
			" WHERE " + col + " < ? ORDER BY " + col + " LIMIT ?)"
	}
}
