package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
)

// bun formats every argument into the SQL text it sends, so each query on the hot
// paths was a new string: SQLite (modernc) parsed and planned it again every time,
// pgx prepared it again (its statement cache is keyed by the text, and the text
// never repeated) and MySQL parsed it again. The statements below are the same SQL
// bun writes for those store methods, with bind placeholders instead of inlined
// values, prepared once per connection through database/sql (*sql.Stmt re-prepares
// on each pooled connection the first time it is used there and keeps it until the
// connection closes). The store methods stay one statement each, as before.

// hotQuery is one of the prepared statements.
type hotQuery int

// The hot statements: the /me path reads the session and the user by id, refresh
// reads both and rotates, login reads the user by e-mail.
const (
	qSessionByID hotQuery = iota
	qUserByID
	qUserByEmail
	qRotate
	hotQueries
)

// preparedSet holds the hot statements, prepared lazily: Open must not need the
// database up (see Open), and the tables exist only after Migrate.
type preparedSet struct {
	mu    sync.Mutex
	sql   [hotQueries]string
	stmts [hotQueries]*sql.Stmt
}

// newPreparedSet renders the hot statements for db's dialect.
func newPreparedSet(db *bun.DB, d dialect) *preparedSet {
	n := 0
	// p returns the next bind placeholder of the dialect, written verbatim by bun.
	p := func() bun.Safe {
		n++
		if d == dialectPostgres {
			return bun.Safe("$" + strconv.Itoa(n))
		}
		return bun.Safe("?")
	}
	render := func(q interface{ String() string }) string {
		s := q.String()
		n = 0
		return s
	}
	ps := &preparedSet{}
	ps.sql[qSessionByID] = render(db.NewSelect().Model((*sessionRow)(nil)).Where("id = ?", p()).Limit(1))
	ps.sql[qUserByID] = render(db.NewSelect().Model((*userRow)(nil)).Where("id = ?", p()).Limit(1))
	ps.sql[qUserByEmail] = render(db.NewSelect().Model((*userRow)(nil)).Where("email = ?", p()).Limit(1))
	ps.sql[qRotate] = render(db.NewUpdate().Model((*sessionRow)(nil)).
		Set("counter = ?", p()).Set("rotated_at = ?", p()).
		Where("id = ?", p()).Where("counter = ?", p()).Where("revoked_at IS NULL"))
	return ps
}

// stmt returns the prepared statement q, preparing it on first use. A failed
// prepare (database down, tables not migrated yet) is returned and tried again
// next time.
func (s *Store) stmt(ctx context.Context, q hotQuery) (*sql.Stmt, error) {
	ps := s.prepared
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if st := ps.stmts[q]; st != nil {
		return st, nil
	}
	st, err := s.db.DB.PrepareContext(ctx, ps.sql[q])
	if err != nil {
		return nil, err
	}
	ps.stmts[q] = st
	return st, nil
}

// closePrepared closes the statements prepared so far.
func (s *Store) closePrepared() {
	ps := s.prepared
	ps.mu.Lock()
	defer ps.mu.Unlock()
	for i, st := range ps.stmts {
		if st != nil {
			_ = st.Close()
			ps.stmts[i] = nil
		}
	}
}

// queryRow runs the prepared query q with args and scans its one row into dest (a
// bun model), returning sql.ErrNoRows when there is none, like bun's Scan.
func (s *Store) queryRow(ctx context.Context, dest any, q hotQuery, args ...any) error {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := s.db.ScanRow(ctx, rows, dest); err != nil {
		return err
	}
	return rows.Close()
}

// execPrepared runs the prepared writing statement q with args, through writing.
func (s *Store) execPrepared(ctx context.Context, q hotQuery, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	var res sql.Result
	err = s.writing(ctx, func() error {
		var err error
		res, err = st.ExecContext(ctx, args...)
		return err
	})
	return res, err
}

// timeArg is t as bun would have written it into the statement, so a bound time is
// stored exactly as an inlined one (on SQLite, times are text and compared as
// text: the format must not change).
func (s *Store) timeArg(t time.Time) string {
	lit := string(s.db.Dialect().AppendTime(nil, ts(t)))
	return strings.Trim(lit, "'")
}

// userByPrepared loads the one user the prepared query q finds, or returns
// not_found.
func (s *Store) userByPrepared(ctx context.Context, q hotQuery, arg any) (*domain.User, error) {
	var r userRow
	if err := s.queryRow(ctx, &r, q, arg); err != nil {
		return nil, translate(err)
	}
	return r.domain(), nil
}
