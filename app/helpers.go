package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"github.com/authd/authd/domain"
)

// oneTimeTokenBytes is the entropy of activation and reset tokens: 256 bits.
const oneTimeTokenBytes = 32

// newOneTimeToken returns a fresh clear token and its stored form.
func (a *App) newOneTimeToken(kind domain.TokenKind, userID string, ttl time.Duration) (string, *domain.OneTimeToken, error) {
	b := make([]byte, oneTimeTokenBytes)
	if _, err := a.Random.Read(b); err != nil {
		return "", nil, err
	}
	clear := base64.RawURLEncoding.EncodeToString(b)
	now := a.Clock.Now()
	return clear, &domain.OneTimeToken{
		Hash: HashToken(clear), Kind: kind, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}, nil
}

// HashToken is the stored form of a one-time token: hex SHA-256. The tokens carry
// 256 random bits, so a fast hash is enough; a slow one would only cost CPU.
func HashToken(clear string) string {
	sum := sha256.Sum256([]byte(clear))
	return hex.EncodeToString(sum[:])
}

// newID returns a UUIDv7 from the App's clock and random source.
func (a *App) newID() (string, error) { return domain.NewID(a.Clock.Now(), a.Random) }

// validate returns a validation error for the non-nil field errors, or nil.
func validate(errs ...*domain.FieldError) error {
	var fields []domain.FieldError
	for _, e := range errs {
		if e != nil {
			fields = append(fields, *e)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return domain.Invalid(fields...)
}

// notify hands a mail to the notifier without letting its failure fail the request
// that caused it; the notifier's error is logged with the reason. With AsyncNotify
// the mail goes out in the background, so a slow mail server neither slows the
// request nor reveals through timing whether an address has an account; Drain waits
// for those deliveries at shutdown. The context is detached so a client hanging up
// does not cancel the mail.
func (a *App) notify(ctx context.Context, what string, userID string, send func(context.Context) error) {
	ctx = context.WithoutCancel(ctx)
	deliver := func() {
		if err := send(ctx); err != nil {
			a.Logger.ErrorContext(ctx, "notification failed", "kind", what, "user_id", userID, "err", err)
		}
	}
	if !a.cfg.AsyncNotify {
		deliver()
		return
	}
	a.mails.Add(1)
	go func() {
		defer a.mails.Done()
		deliver()
	}()
}

// Drain waits until every notification handed to the background has been delivered
// or has failed, so a graceful shutdown loses no acknowledged mail.
func (a *App) Drain() { a.mails.Wait() }
