package jwt_test

import (
	"testing"

	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/domain"
)

// FuzzVerify feeds Verify arbitrary strings, seeded with genuine tokens of every
// algorithm and their mutilations. It must never panic, must answer only
// token_invalid or token_expired, and must accept nothing but the tokens Mint made.
func FuzzVerify(f *testing.F) {
	ks := mustKeySet(f, edKey, rsaKey(), ecKey())
	issuers := []*jwt.Issuer{newIssuer(ks), newIssuer(mustKeySet(f, ecKey(), edKey)), newIssuer(algCase{jwt.AlgHS256, nil}.keySet(f))}
	verifier := newIssuer(ks)
	hsVerifier := issuers[2]
	minted := map[string]bool{}
	for _, iss := range issuers {
		tok := mint(f, iss, testClaims())
		minted[tok] = true
		f.Add(tok)
		f.Add(tok[:len(tok)/2])
		f.Add(tok[:len(tok)-1])
		f.Add(tok + "A")
	}
	codec := mustCodec(f, refreshKey)
	for _, s := range []string{
		"", ".", "..", "...", "a.b.c", "eyJ.eyJ.", "eyJhbGciOiJub25lIn0.e30.",
		"\x00\xff", codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 1}),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		for _, v := range []*jwt.Issuer{verifier, hsVerifier} {
			claims, err := v.Verify(t.Context(), token)
			if err == nil {
				if !minted[token] {
					t.Fatalf("Verify accepted a token Mint never made: %q → %+v", token, claims)
				}
				continue
			}
			if code := domain.ErrorCode(err); code != domain.CodeTokenInvalid && code != domain.CodeTokenExpired {
				t.Fatalf("Verify(%q) error code = %q (%v), want token_invalid or token_expired", token, code, err)
			}
		}
	})
}

// FuzzRefreshDecode feeds Decode arbitrary strings, seeded with genuine refresh
// tokens and their mutilations. It must never panic, must answer only
// token_invalid, and may accept only strings Encode produces for what it decoded.
func FuzzRefreshDecode(f *testing.F) {
	codec := mustCodec(f, refreshKey)
	for _, rt := range []domain.RefreshToken{
		{SessionID: testSession, Counter: 0},
		{SessionID: testSession, Counter: 1 << 63},
		{SessionID: "session-42", Counter: 2},
		{SessionID: "", Counter: 0},
	} {
		tok := codec.Encode(rt)
		f.Add(tok)
		f.Add(tok[:len(tok)-1])
		f.Add(tok[1:])
		f.Add(tok + "A")
	}
	f.Add("")
	f.Add("AQ")
	f.Add("Ag")
	f.Add("\x00")
	f.Add(mint(f, newIssuer(mustKeySet(f, edKey)), testClaims()))
	f.Fuzz(func(t *testing.T, token string) {
		rt, err := codec.Decode(token)
		if err != nil {
			if code := domain.ErrorCode(err); code != domain.CodeTokenInvalid {
				t.Fatalf("Decode(%q) error code = %q, want token_invalid", token, code)
			}
			return
		}
		if again := codec.Encode(rt); again != token {
			t.Fatalf("Decode accepted %q as %+v, which Encode writes as %q", token, rt, again)
		}
	})
}
