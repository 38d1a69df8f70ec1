package sqlstore

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/authd/authd/domain"
)

// signInRow is one row of sign_in_codes: the live sign-in pair of an address.
type signInRow struct {
	bun.BaseModel `bun:"table:sign_in_codes"`

	Email     string    `bun:"email,pk"`
	UserID    string    `bun:"user_id"`
	Locale    string    `bun:"locale"`
	LinkHash  string    `bun:"link_hash"`
	CodeHash  string    `bun:"code_hash"`
	Attempts  int64     `bun:"attempts"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
	// The app's redirect (domain.SignInRedirect), '' when none was given.
	RedirectURI   string `bun:"redirect_uri"`
	CodeChallenge string `bun:"code_challenge"`
	State         string `bun:"state"`
}

func (r *signInRow) domain() *domain.SignInCode {
	return &domain.SignInCode{Email: r.Email, UserID: r.UserID, Locale: r.Locale, LinkHash: r.LinkHash, CodeHash: r.CodeHash,
		Attempts: int(r.Attempts), CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		Redirect: domain.SignInRedirect{URI: r.RedirectURI, CodeChallenge: r.CodeChallenge, State: r.State}}
}

func errSignInInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The sign-in code or link is not valid; ask for a new one.")
}

func errSignInExpired() error {
	return domain.Errorf(domain.CodeTokenExpired, "The sign-in code or link has expired; ask for a new one.")
}

// judgeSignIn refuses a void or expired pair.
func judgeSignIn(r *signInRow, now time.Time) (*domain.SignInCode, error) {
	if r.Attempts >= domain.SignInCodeMaxAttempts {
		return nil, errSignInInvalid()
	}
	if !now.Before(r.ExpiresAt) {
		return nil, errSignInExpired()
	}
	return r.domain(), nil
}

// PutSignIn replaces the address's pair with c in one transaction: the DELETE of
// the older pair and the INSERT of the new one commit together, so there is never
// more than one, and never none after a request that was answered.
func (tk *TokenStore) PutSignIn(ctx context.Context, c *domain.SignInCode, fx domain.Effects) error {
	row := &signInRow{Email: c.Email, UserID: c.UserID, Locale: c.Locale, LinkHash: c.LinkHash, CodeHash: c.CodeHash,
		Attempts: int64(c.Attempts), CreatedAt: ts(c.CreatedAt), ExpiresAt: ts(c.ExpiresAt),
		RedirectURI: c.Redirect.URI, CodeChallenge: c.Redirect.CodeChallenge, State: c.Redirect.State}
	return tk.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Model((*signInRow)(nil)).Where("email = ?", c.Email).Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// SignIn reads the address's pair and judges it.
func (tk *TokenStore) SignIn(ctx context.Context, email string, now time.Time) (*domain.SignInCode, error) {
	return tk.readSignIn(ctx, "email = ?", email, now)
}

// SignInByLink reads the pair through the unique index on link_hash.
func (tk *TokenStore) SignInByLink(ctx context.Context, linkHash string, now time.Time) (*domain.SignInCode, error) {
	return tk.readSignIn(ctx, "link_hash = ?", linkHash, now)
}

func (tk *TokenStore) readSignIn(ctx context.Context, where, arg string, now time.Time) (*domain.SignInCode, error) {
	var r signInRow
	if err := tk.s.db.NewSelect().Model(&r).Where(where, arg).Limit(1).Scan(ctx); err != nil {
		if isNoRows(err) {
			return nil, errSignInInvalid()
		}
		return nil, translate(err)
	}
	return judgeSignIn(&r, now)
}

// FailSignIn adds one wrong code with one conditional UPDATE, so concurrent wrong
// codes are each counted and none beyond the limit.
func (tk *TokenStore) FailSignIn(ctx context.Context, email, linkHash string, fx domain.Effects) error {
	return tk.s.withEffects(ctx, fx, func(ctx context.Context, db bun.IDB) error {
		res, err := db.NewUpdate().Model((*signInRow)(nil)).Set("attempts = attempts + 1").
			Where("email = ?", email).Where("link_hash = ?", linkHash).
			Where("attempts < ?", domain.SignInCodeMaxAttempts).Exec(ctx)
		if err != nil {
			return err
		}
		n, err := affected(res)
		if err != nil {
			return err
		}
		if n != 1 {
			return errSignInInvalid()
		}
		return nil
	})
}

// ConsumeSignIn deletes the pair in a transaction that read it first under the
// write lock (SQLite) or a row lock: the one DELETE that matches wins.
func (tk *TokenStore) ConsumeSignIn(ctx context.Context, email, linkHash string, now time.Time) (*domain.SignInCode, error) {
	var out *domain.SignInCode
	err := tk.s.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var r signInRow
		q := tx.NewSelect().Model(&r).Where("email = ?", email).Where("link_hash = ?", linkHash)
		q = tk.s.forUpdate(q)
		if err := q.Scan(ctx); err != nil {
			if isNoRows(err) {
				return errSignInInvalid()
			}
			return err
		}
		c, err := judgeSignIn(&r, now)
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().Model((*signInRow)(nil)).
			Where("email = ?", email).Where("link_hash = ?", linkHash).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := affected(res); err != nil || n != 1 {
			if err == nil {
				err = errSignInInvalid()
			}
			return err
		}
		out = c
		return nil
	})
	return out, err
}
