package jwt_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/domain"
)

func mustCodec(tb testing.TB, key []byte) *jwt.RefreshCodec {
	tb.Helper()
	c, err := jwt.NewRefreshCodec(key)
	if err != nil {
		tb.Fatalf("NewRefreshCodec: %v", err)
	}
	return c
}

var refreshKey = bytes.Repeat([]byte{0x5a}, 32)

func TestRefreshRoundTrip(t *testing.T) {
	t.Parallel()
	codec := mustCodec(t, refreshKey)
	tests := []domain.RefreshToken{
		{SessionID: testSession, Counter: 0},
		{SessionID: testSession, Counter: 1},
		{SessionID: testSession, Counter: ^uint64(0)},
		{SessionID: "00000000-0000-0000-0000-000000000000", Counter: 7},
		{SessionID: "session-42", Counter: 3},                 // not a UUID
		{SessionID: strings.ToUpper(testSession), Counter: 3}, // not canonical
		{SessionID: "", Counter: 9},                           // empty
		{SessionID: "{" + testSession + "}", Counter: 1},      // braces
		{SessionID: strings.Repeat("x", 255), Counter: 1},     // longest
		{SessionID: "ünïcödé-session", Counter: 1 << 40},      // bytes, not runes
	}
	for _, want := range tests {
		tok := codec.Encode(want)
		if strings.ContainsAny(tok, ".=+/") {
			t.Errorf("Encode(%+v) = %q, want unpadded base64url without dots", want, tok)
		}
		got, err := codec.Decode(tok)
		if err != nil || got != want {
			t.Errorf("Decode(Encode(%+v)) = %+v, %v; want the same, nil", want, got, err)
		}
	}
	if got := len(codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 1})); got != 76 {
		t.Errorf("length of a UUID session's token = %d, want 76 (57 bytes)", got)
	}
	a := codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 1})
	b := codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 2})
	if a == b {
		t.Errorf("tokens for counters 1 and 2 are equal (%q)", a)
	}
}

func TestNewRefreshCodecKeyLength(t *testing.T) {
	t.Parallel()
	if _, err := jwt.NewRefreshCodec(make([]byte, 31)); err == nil {
		t.Error("NewRefreshCodec(31 bytes) = nil error, want a refusal")
	}
	if _, err := jwt.NewRefreshCodec(make([]byte, 64)); err != nil {
		t.Errorf("NewRefreshCodec(64 bytes) = %v, want nil", err)
	}
}

func TestRefreshDecodeRefuses(t *testing.T) {
	t.Parallel()
	codec := mustCodec(t, refreshKey)
	good := codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 5})
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	edit := func(f func(b []byte) []byte) string { return enc(f(bytes.Clone(raw))) }
	otherKey := mustCodec(t, bytes.Repeat([]byte{0xa5}, 32)).Encode(domain.RefreshToken{SessionID: testSession, Counter: 5})
	access := mint(t, newIssuer(mustKeySet(t, edKey)), testClaims())

	tests := map[string]string{
		"empty":                    "",
		"garbage":                  "not a refresh token",
		"access token":             access,
		"another key's token":      otherKey,
		"padded":                   good + "=",
		"standard alphabet":        strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/",
		"truncated":                good[:len(good)-1],
		"truncated by a byte":      enc(raw[:len(raw)-1]),
		"extended":                 enc(append(bytes.Clone(raw), 0)),
		"counter edited":           edit(func(b []byte) []byte { b[17]++; return b }),
		"session edited":           edit(func(b []byte) []byte { b[1] ^= 0x80; return b }),
		"forged MAC":               edit(func(b []byte) []byte { b[len(b)-1] ^= 0x01; return b }),
		"zero MAC":                 edit(func(b []byte) []byte { clear(b[len(b)-32:]); return b }),
		"unknown layout":           edit(func(b []byte) []byte { b[0] = 9; return b }),
		"raw layout, wrong length": edit(func(b []byte) []byte { b[0], b[1] = 2, 200; return b }),
		"too long":                 strings.Repeat("A", 1000),
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := codec.Decode(tok)
			if err == nil {
				t.Fatalf("Decode accepted %q as %+v", tok, got)
			}
			assertCode(t, "Decode", err, domain.CodeTokenInvalid)
			if got != (domain.RefreshToken{}) {
				t.Errorf("Decode returned content %+v with its error, want the zero value", got)
			}
		})
	}
}

// TestRefreshConcurrentCodecs checks the reused MAC states: two codecs under other
// keys, used from many goroutines at once, each accept only their own tokens, and
// each token stays what a fresh codec makes of it.
func TestRefreshConcurrentCodecs(t *testing.T) {
	t.Parallel()
	a, b := mustCodec(t, refreshKey), mustCodec(t, bytes.Repeat([]byte{0xa5}, 32))
	fresh := mustCodec(t, refreshKey)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				rt := domain.RefreshToken{SessionID: testSession, Counter: uint64(g*1000 + i)}
				ta, tb := a.Encode(rt), b.Encode(rt)
				if ta == tb {
					t.Errorf("codecs under two keys gave one token %q", ta)
					return
				}
				if _, err := a.Decode(tb); err == nil {
					t.Errorf("codec a accepted b's token for %+v", rt)
					return
				}
				if got, err := a.Decode(ta); err != nil || got != rt {
					t.Errorf("a.Decode(a.Encode(%+v)) = %+v, %v", rt, got, err)
					return
				}
				if i%50 == 0 && fresh.Encode(rt) != ta {
					t.Errorf("token for %+v differs from a fresh codec's", rt)
					return
				}
			}
		})
	}
	wg.Wait()
}
