package jwt_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/authd/authd/adapters/jwt"
)

func pemBlock(tb testing.TB, typ string, der []byte) []byte {
	tb.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(tb testing.TB, k any) []byte {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	return pemBlock(tb, "PRIVATE KEY", der)
}

func writeFile(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestLoadKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sec1, err := x509.MarshalECPrivateKey(ecKey())
	if err != nil {
		t.Fatal(err)
	}
	ecParams := pemBlock(t, "EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})
	files := []struct {
		name string
		data []byte
		alg  string
	}{
		{"ed25519.pem", pkcs8(t, edKey), "EdDSA"},
		{"rsa-pkcs8.pem", pkcs8(t, rsaKey()), "RS256"},
		{"ec-pkcs8.pem", pkcs8(t, ecKey()), "ES256"},
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, writeFile(t, dir, f.name, f.data))
	}
	ks, err := jwt.LoadKeys(paths)
	if err != nil {
		t.Fatalf("LoadKeys: %v", err)
	}
	want := mustKeySet(t, edKey, rsaKey(), ecKey()).KeyIDs()
	if got := ks.KeyIDs(); !slices.Equal(got, want) {
		t.Errorf("KeyIDs = %v, want %v (file order)", got, want)
	}
	if got, wantAlgs := newIssuer(ks).Algorithms(), []string{"EdDSA", "RS256", "ES256"}; !slices.Equal(got, wantAlgs) {
		t.Errorf("Algorithms = %v, want %v", got, wantAlgs)
	}

	// The legacy encodings load to the same keys.
	legacy := []string{
		writeFile(t, dir, "rsa-pkcs1.pem", pemBlock(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey()))),
		writeFile(t, dir, "ec-sec1.pem", append(ecParams, pemBlock(t, "EC PRIVATE KEY", sec1)...)),
	}
	ks, err = jwt.LoadKeys(legacy)
	if err != nil {
		t.Fatalf("LoadKeys(PKCS#1, SEC1): %v", err)
	}
	if got, want := ks.KeyIDs(), want[1:]; !slices.Equal(got, want) {
		t.Errorf("KeyIDs of PKCS#1 and SEC1 files = %v, want %v", got, want)
	}
}

func TestLoadKeysErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	smallRSA, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(edKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	good := writeFile(t, dir, "good.pem", pkcs8(t, edKey))
	tests := []struct {
		name    string
		files   []string
		wantErr string
	}{
		{"no files", nil, "no key files"},
		{"missing file", []string{filepath.Join(dir, "absent.pem")}, "read key"},
		{"empty file", []string{writeFile(t, dir, "empty.pem", nil)}, "no PEM private key"},
		{"not PEM", []string{writeFile(t, dir, "text.pem", []byte("hello"))}, "no PEM private key"},
		{"small RSA", []string{writeFile(t, dir, "rsa1024.pem", pkcs8(t, smallRSA))}, "1024 bits, want at least 2048"},
		{"P-384", []string{writeFile(t, dir, "p384.pem", pkcs8(t, p384))}, "want P-256"},
		{"public key", []string{writeFile(t, dir, "pub.pem", pemBlock(t, "PUBLIC KEY", pubDER))}, "private key is needed"},
		{"encrypted", []string{writeFile(t, dir, "enc.pem", pemBlock(t, "ENCRYPTED PRIVATE KEY", []byte{1}))}, "encrypted"},
		{"corrupt", []string{writeFile(t, dir, "bad.pem", pemBlock(t, "PRIVATE KEY", []byte{1, 2, 3}))}, "parse PRIVATE KEY"},
		{"two keys in a file", []string{writeFile(t, dir, "two.pem", append(pkcs8(t, edKey), pkcs8(t, ecKey())...))}, "more than one private key"},
		{"duplicate", []string{good, good}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ks, err := jwt.LoadKeys(tt.files)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("LoadKeys = %v, %v; want an error containing %q", ks, err, tt.wantErr)
			}
		})
	}
}

func TestHMACKeySet(t *testing.T) {
	t.Parallel()
	if _, err := jwt.HMACKeySet(make([]byte, 31)); err == nil {
		t.Error("HMACKeySet(31 bytes) = nil error, want a refusal")
	}
	a, err := jwt.HMACKeySet(hmacSecret)
	if err != nil {
		t.Fatalf("HMACKeySet: %v", err)
	}
	b, err := jwt.HMACKeySet(bytes.Clone(hmacSecret))
	if err != nil {
		t.Fatalf("HMACKeySet: %v", err)
	}
	other, err := jwt.HMACKeySet(append(bytes.Clone(hmacSecret), '!'))
	if err != nil {
		t.Fatalf("HMACKeySet: %v", err)
	}
	kid := kidOf(t, a)
	if kid != kidOf(t, b) {
		t.Errorf("kid of one secret differs between key sets: %q and %q", kid, kidOf(t, b))
	}
	if kid == kidOf(t, other) {
		t.Errorf("kids of two secrets are equal (%q), want distinct", kid)
	}
	if strings.Contains(kid, string(hmacSecret[:8])) {
		t.Errorf("kid %q contains the secret", kid)
	}
	// A token from one secret does not verify under another.
	tok := mint(t, newIssuer(a), testClaims())
	if _, err := newIssuer(other).Verify(t.Context(), tok); err == nil {
		t.Error("a token signed with one HS256 secret verified under another")
	}
}

func TestEd25519KeySet(t *testing.T) {
	t.Parallel()
	seed, err := jwt.GenerateEd25519Seed()
	if err != nil {
		t.Fatalf("GenerateEd25519Seed: %v", err)
	}
	if len(seed) != ed25519.SeedSize {
		t.Fatalf("seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	a, err := jwt.Ed25519KeySet(seed)
	if err != nil {
		t.Fatalf("Ed25519KeySet: %v", err)
	}
	b, err := jwt.Ed25519KeySet(bytes.Clone(seed))
	if err != nil {
		t.Fatalf("Ed25519KeySet: %v", err)
	}
	// The same stored seed gives the same key after a restart: tokens survive it.
	tok := mint(t, newIssuer(a), testClaims())
	if _, err := newIssuer(b).Verify(t.Context(), tok); err != nil {
		t.Errorf("token of a key set from one seed fails under another from the same seed: %v", err)
	}
	if _, err := jwt.Ed25519KeySet(seed[:31]); err == nil {
		t.Error("Ed25519KeySet(31 bytes) = nil error, want a refusal")
	}
	key, err := jwt.GenerateRefreshKey()
	if err != nil || len(key) != jwt.MinRefreshKey {
		t.Errorf("GenerateRefreshKey = %d bytes, %v; want %d, nil", len(key), err, jwt.MinRefreshKey)
	}
}

func TestNewKeySetErrors(t *testing.T) {
	t.Parallel()
	if _, err := jwt.NewKeySet(); err == nil {
		t.Error("NewKeySet() = nil error, want a refusal of an empty set")
	}
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwt.NewKeySet(edKey, p224); err == nil || !strings.Contains(err.Error(), "key 2") {
		t.Errorf("NewKeySet(ed, P-224) = %v, want an error naming key 2", err)
	}
}

func TestGenerateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		alg  string
		want string // the Go type of the parsed key
	}{
		{"EdDSA", "ed25519.PrivateKey"},
		{"eddsa", "ed25519.PrivateKey"},
		{"ES256", "*ecdsa.PrivateKey"},
		{"RS256", "*rsa.PrivateKey"},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			t.Parallel()
			if tt.alg == "RS256" && testing.Short() {
				t.Skip("3072-bit RSA generation is slow; skipped in -short")
			}
			data, err := jwt.GenerateKey(tt.alg)
			if err != nil {
				t.Fatalf("GenerateKey(%q): %v", tt.alg, err)
			}
			if !bytes.HasPrefix(data, []byte("-----BEGIN PRIVATE KEY-----\n")) {
				t.Errorf("GenerateKey(%q) = %.40q…, want a PKCS#8 PEM block", tt.alg, data)
			}
			signer, err := jwt.ParsePrivateKey(data)
			if err != nil {
				t.Fatalf("ParsePrivateKey(generated): %v", err)
			}
			if got := typeName(signer); got != tt.want {
				t.Errorf("generated key type = %s, want %s", got, tt.want)
			}
			if rk, ok := signer.(*rsa.PrivateKey); ok && rk.N.BitLen() != jwt.GeneratedRSABits {
				t.Errorf("RSA key has %d bits, want %d", rk.N.BitLen(), jwt.GeneratedRSABits)
			}
			ks, err := jwt.NewKeySet(signer)
			if err != nil {
				t.Fatalf("NewKeySet(generated): %v", err)
			}
			iss := newIssuer(ks)
			if _, err := iss.Verify(t.Context(), mint(t, iss, testClaims())); err != nil {
				t.Errorf("token of a generated key does not verify: %v", err)
			}
		})
	}
	for _, alg := range []string{"HS256", "PS256", "ES384", ""} {
		if _, err := jwt.GenerateKey(alg); err == nil {
			t.Errorf("GenerateKey(%q) = nil error, want a refusal", alg)
		}
	}
}

func typeName(k crypto.Signer) string {
	switch k.(type) {
	case ed25519.PrivateKey:
		return "ed25519.PrivateKey"
	case *ecdsa.PrivateKey:
		return "*ecdsa.PrivateKey"
	case *rsa.PrivateKey:
		return "*rsa.PrivateKey"
	}
	return "unknown"
}
