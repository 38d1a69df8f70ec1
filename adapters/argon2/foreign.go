package argon2

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	xargon2 "golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Foreign hashes are the formats other systems store, accepted so that accounts
// imported from them (ARCHITECTURE.md §13) keep their passwords. Each verifies as
// the producing library does; a match always reports needsRehash, so the login
// stores an argon2id hash in its place and the foreign one is gone after the first
// successful login. The bounds below stop a corrupt or hostile stored string from
// costing more than a few argon2id verifications.
const (
	// maxBcryptCost is the largest bcrypt cost accepted: 2^16 rounds take seconds.
	maxBcryptCost = 16
	// maxPBKDF2Iterations bounds Django's pbkdf2_sha256 (its 5.x default is 1.2M).
	maxPBKDF2Iterations = 5_000_000
	// maxScryptMemory bounds scrypt's 128·N·r bytes.
	maxScryptMemory = 256 << 20
	// maxForeignField bounds a salt or hash field, before decoding it.
	maxForeignField = 256
)

// verifyForeign checks password against a hash in one of the foreign formats; it
// reports handled false for a string in none of them.
func (h *Hasher) verifyForeign(password, encoded string) (handled, ok bool, err error) {
	switch {
	case strings.HasPrefix(encoded, "$2a$"), strings.HasPrefix(encoded, "$2b$"), strings.HasPrefix(encoded, "$2y$"):
		ok, err = verifyBcrypt(password, encoded)
	case strings.HasPrefix(encoded, "$argon2i$"):
		ok, err = verifyArgon2i(password, encoded)
	case strings.HasPrefix(encoded, "pbkdf2_sha256$"):
		ok, err = verifyDjangoPBKDF2(password, encoded)
	case strings.HasPrefix(encoded, "$scrypt$"):
		ok, err = verifyScrypt(password, encoded)
	default:
		return false, false, nil
	}
	return true, ok, err
}

// IsForeign reports whether encoded is in one of the foreign formats Verify accepts
// (bcrypt, argon2i, Django pbkdf2_sha256, scrypt PHC), for an importer that checks
// a hash before it stores it. It does not check the parameters.
func IsForeign(encoded string) bool {
	for _, p := range []string{"$2a$", "$2b$", "$2y$", "$argon2i$", "pbkdf2_sha256$", "$scrypt$"} {
		if strings.HasPrefix(encoded, p) {
			return true
		}
	}
	return false
}

func malformed(format, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformedHash, format, why)
}

// verifyBcrypt checks a $2a$/$2b$/$2y$ hash with golang.org/x/crypto/bcrypt. Like
// every bcrypt, it reads only a password's first 72 bytes.
func verifyBcrypt(password, encoded string) (bool, error) {
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return false, malformed("bcrypt", err.Error())
	}
	if cost > maxBcryptCost {
		return false, malformed("bcrypt", "cost above "+strconv.Itoa(maxBcryptCost))
	}
	pw := []byte(password)
	if len(pw) > 72 {
		pw = pw[:72]
	}
	err = bcrypt.CompareHashAndPassword([]byte(encoded), pw)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	default:
		return false, malformed("bcrypt", err.Error())
	}
}

// verifyArgon2i checks $argon2i$v=19$m=…,t=…,p=…$salt$hash, the PHC form of the
// reference implementation, with golang.org/x/crypto/argon2.Key.
func verifyArgon2i(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[2] != fmt.Sprintf("v=%d", xargon2.Version) {
		return false, malformed("argon2i", "want $argon2i$v=19$m=,t=,p=$salt$hash")
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) {
		return false, malformed("argon2i", "parameters")
	}
	salt, key, err := saltAndKey(parts[4], parts[5], base64.RawStdEncoding)
	if err != nil {
		return false, malformed("argon2i", err.Error())
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return false, malformed("argon2i", err.Error())
	}
	got := xargon2.Key([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// verifyDjangoPBKDF2 checks Django's pbkdf2_sha256$iterations$salt$base64(hash):
// the salt is used as its bytes, the hash is standard base64 with padding.
func verifyDjangoPBKDF2(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false, malformed("pbkdf2_sha256", "want pbkdf2_sha256$iterations$salt$hash")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > maxPBKDF2Iterations || parts[2] == "" || len(parts[2]) > maxForeignField || len(parts[3]) > maxForeignField {
		return false, malformed("pbkdf2_sha256", "iterations, salt or hash out of bounds")
	}
	key, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(key) < 16 {
		return false, malformed("pbkdf2_sha256", "hash is not base64 of 16 bytes or more")
	}
	got, err := pbkdf2.Key(sha256.New, password, []byte(parts[2]), iter, len(key))
	if err != nil {
		return false, malformed("pbkdf2_sha256", err.Error())
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// verifyScrypt checks $scrypt$ln=…,r=…,p=…$salt$hash, the PHC form passlib writes
// (N = 2^ln, salt and hash unpadded base64; passlib's "." for "+" is accepted).
func verifyScrypt(password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 5 {
		return false, malformed("scrypt", "want $scrypt$ln=,r=,p=$salt$hash")
	}
	var ln, r, p int
	if _, err := fmt.Sscanf(parts[2], "ln=%d,r=%d,p=%d", &ln, &r, &p); err != nil || parts[2] != fmt.Sprintf("ln=%d,r=%d,p=%d", ln, r, p) {
		return false, malformed("scrypt", "parameters")
	}
	if ln < 1 || ln > 24 || r < 1 || r > 32 || p < 1 || p > 16 || (128<<ln)*r > maxScryptMemory {
		return false, malformed("scrypt", "parameters out of bounds")
	}
	salt, key, err := saltAndKey(strings.ReplaceAll(parts[3], ".", "+"), strings.ReplaceAll(parts[4], ".", "+"), base64.RawStdEncoding)
	if err != nil {
		return false, malformed("scrypt", err.Error())
	}
	got, err := scrypt.Key([]byte(password), salt, 1<<ln, r, p, len(key))
	if err != nil {
		return false, malformed("scrypt", err.Error())
	}
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// saltAndKey decodes a salt and hash field pair within the field bounds.
func saltAndKey(s, k string, enc *base64.Encoding) (salt, key []byte, err error) {
	if len(s) > maxForeignField || len(k) > maxForeignField {
		return nil, nil, errors.New("salt or hash too long")
	}
	if salt, err = enc.DecodeString(s); err != nil || len(salt) < 4 {
		return nil, nil, errors.New("salt is not base64 of 4 bytes or more")
	}
	if key, err = enc.DecodeString(k); err != nil || len(key) < 16 {
		return nil, nil, errors.New("hash is not base64 of 16 bytes or more")
	}
	return salt, key, nil
}
