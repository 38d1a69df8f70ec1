package app

import (
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
	clear, err := a.randomString(oneTimeTokenBytes)
	if err != nil {
		return "", nil, err
	}
	now := a.Clock.Now()
	return clear, &domain.OneTimeToken{
		Hash: HashToken(clear), Kind: kind, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(ttl),
	}, nil
}

// randomString returns n random bytes as base64url, unpadded.
func (a *App) randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := a.Random.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
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
