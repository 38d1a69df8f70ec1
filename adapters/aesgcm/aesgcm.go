// Package aesgcm implements ports.Sealer with AES-256-GCM from the standard library.
//
// A sealed value is version (1 byte, 1) ‖ key id (8 bytes: the start of SHA-256 of
// the key) ‖ nonce (12 random bytes) ‖ ciphertext and tag. The key id lets Open say
// "sealed under another key" instead of a bare authentication failure when the
// operator changed AUTH_ENCRYPTION_KEY, and leaves room for keeping old keys to open
// with. Random 96-bit nonces are safe for far more than 2^32 values under one key
// (NIST SP 800-38D §8.3), which secrets of an auth service never approach.
package aesgcm

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

const (
	version   = 1
	keyIDSize = 8
	header    = 1 + keyIDSize
)

// Errors of Open; neither carries any part of the value.
var (
	ErrOtherKey  = errors.New("aesgcm: sealed under another encryption key (was AUTH_ENCRYPTION_KEY changed?)")
	ErrCorrupted = errors.New("aesgcm: sealed value is malformed, altered or bound to another place")
)

// Sealer seals under one key. It is safe for concurrent use.
type Sealer struct {
	aead  cipher.AEAD
	keyID [keyIDSize]byte
}

// New returns a Sealer for a 32-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Sealer{aead: aead}
	sum := sha256.Sum256(key)
	copy(s.keyID[:], sum[:keyIDSize])
	return s, nil
}

// GenerateKey returns a new random key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}

// Seal encrypts plaintext bound to aad.
func (s *Sealer) Seal(plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, header+s.aead.NonceSize(), header+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version
	copy(out[1:header], s.keyID[:])
	nonce := out[header:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, nonce, plaintext, s.additional(aad)), nil
}

// Open decrypts a value from Seal with the same aad.
func (s *Sealer) Open(sealed, aad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < header+n+s.aead.Overhead() || sealed[0] != version {
		return nil, ErrCorrupted
	}
	if string(sealed[1:header]) != string(s.keyID[:]) {
		return nil, ErrOtherKey
	}
	plain, err := s.aead.Open(nil, sealed[header:header+n], sealed[header+n:], s.additional(aad))
	if err != nil {
		return nil, ErrCorrupted
	}
	return plain, nil
}

// additional authenticates the header with the caller's aad, so neither the
// version nor the key id can be swapped.
func (s *Sealer) additional(aad []byte) []byte {
	a := make([]byte, 0, header+len(aad))
	a = append(a, version)
	a = append(a, s.keyID[:]...)
	return append(a, aad...)
}
