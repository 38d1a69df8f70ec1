package ports

import "time"

// Clock tells the time; tests substitute one they can move.
type Clock interface {
	Now() time.Time
}

// Random is a source of cryptographically secure bytes (crypto/rand.Reader in
// production).
type Random interface {
	Read(p []byte) (n int, err error)
}
