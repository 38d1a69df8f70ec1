package jwt_test

import (
	"testing"

	"github.com/authd/authd/domain"
)

func BenchmarkMint(b *testing.B) {
	for _, c := range algCases() {
		b.Run(c.alg, func(b *testing.B) {
			iss := newIssuer(c.keySet(b))
			claims := testClaims()
			for b.Loop() {
				if _, err := iss.Mint(b.Context(), claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, c := range algCases() {
		b.Run(c.alg, func(b *testing.B) {
			iss := newIssuer(c.keySet(b))
			tok := mint(b, iss, testClaims())
			for b.Loop() {
				if _, err := iss.Verify(b.Context(), tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkRefreshEncode(b *testing.B) {
	codec := mustCodec(b, refreshKey)
	rt := domain.RefreshToken{SessionID: testSession, Counter: 42}
	for b.Loop() {
		_ = codec.Encode(rt)
	}
}

func BenchmarkRefreshDecode(b *testing.B) {
	codec := mustCodec(b, refreshKey)
	tok := codec.Encode(domain.RefreshToken{SessionID: testSession, Counter: 42})
	for b.Loop() {
		if _, err := codec.Decode(tok); err != nil {
			b.Fatal(err)
		}
	}
}
