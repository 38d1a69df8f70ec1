package aesgcm_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/authd/authd/adapters/aesgcm"
	"github.com/authd/authd/ports"
)

var _ ports.Sealer = (*aesgcm.Sealer)(nil)

func newSealer(t *testing.T, fill byte) *aesgcm.Sealer {
	t.Helper()
	s, err := aesgcm.New(bytes.Repeat([]byte{fill}, aesgcm.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	s := newSealer(t, 1)
	secret := []byte("JBSWY3DPEHPK3PXP")
	sealed, err := s.Seal(secret, []byte("factor:01J"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, secret) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, _ := s.Seal(secret, []byte("factor:01J"))
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := s.Open(sealed, []byte("factor:01J"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	empty, _ := s.Seal(nil, nil)
	if got, err := s.Open(empty, nil); err != nil || len(got) != 0 {
		t.Fatalf("empty round trip = %q, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	s := newSealer(t, 1)
	sealed, _ := s.Seal([]byte("secret"), []byte("row-a"))

	if _, err := s.Open(sealed, []byte("row-b")); !errors.Is(err, aesgcm.ErrCorrupted) {
		t.Errorf("other aad: %v, want ErrCorrupted", err)
	}
	if _, err := newSealer(t, 2).Open(sealed, []byte("row-a")); !errors.Is(err, aesgcm.ErrOtherKey) {
		t.Errorf("other key: %v, want ErrOtherKey", err)
	}
	for i := range sealed {
		flipped := bytes.Clone(sealed)
		flipped[i] ^= 0x40
		if _, err := s.Open(flipped, []byte("row-a")); err == nil {
			t.Fatalf("byte %d flipped: Open succeeded", i)
		}
	}
	for _, short := range [][]byte{nil, sealed[:1], sealed[:20], sealed[:len(sealed)-1]} {
		if _, err := s.Open(short, []byte("row-a")); err == nil {
			t.Errorf("truncated to %d bytes: Open succeeded", len(short))
		}
	}
}

func TestNewChecksKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := aesgcm.New(make([]byte, n)); err == nil {
			t.Errorf("New accepted a %d-byte key", n)
		}
	}
	key, err := aesgcm.GenerateKey()
	if err != nil || len(key) != aesgcm.KeySize || bytes.Equal(key, make([]byte, aesgcm.KeySize)) {
		t.Fatalf("GenerateKey = %x, %v", key, err)
	}
}
