package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/adapters/backendtest"
)

// pyjwtScript is the downstream example a Python service would copy.
var pyjwtScript = filepath.Join("..", "..", "deploy", "examples", "verify_pyjwt.py")

// pythonWithPyJWT returns a Python interpreter that imports PyJWT with its crypto
// backend: AUTH_TEST_PYTHON, python3 on PATH, or Debian's /usr/bin/python3 (where
// apt's python3-jwt lives even when another python3 comes first on PATH). Without
// one the test is skipped with the reason, or fails under AUTH_TEST_REQUIRE_ALL=1.
func pythonWithPyJWT(t *testing.T) string {
	t.Helper()
	candidates := []string{"python3", "/usr/bin/python3"}
	if p := os.Getenv("AUTH_TEST_PYTHON"); p != "" {
		candidates = []string{p}
	}
	var reasons []string
	for _, c := range candidates {
		path, err := exec.LookPath(c)
		if err != nil {
			reasons = append(reasons, c+": not found")
			continue
		}
		out, err := exec.Command(path, "-c", "import jwt, cryptography; print(jwt.__version__)").CombinedOutput()
		if err != nil {
			reasons = append(reasons, c+": "+strings.TrimSpace(lastLine(string(out))))
			continue
		}
		t.Logf("PyJWT %s under %s", strings.TrimSpace(string(out)), path)
		return path
	}
	msg := "no python3 with PyJWT and cryptography (apt-get install python3-jwt python3-cryptography): " + strings.Join(reasons, "; ")
	if os.Getenv("AUTH_TEST_REQUIRE_ALL") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestPyJWTVerifiesDownstream runs deploy/examples/verify_pyjwt.py against a real
// authd: it takes a fresh access token through discovery and the JWKS, and refuses
// one for another audience, one typed JWT (an ID token's shape) and an expired one,
// all signed with authd's own key.
func TestPyJWTVerifiesDownstream(t *testing.T) {
	python := pythonWithPyJWT(t)
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writeFile(t, "signing.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	addr := freeAddr(t)
	base := "http://" + addr
	s := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), map[string]string{
		"AUTH_LISTEN": addr, "AUTH_PUBLIC_URL": base, "AUTH_JWT_KEYS": keyFile, "AUTH_REQUIRE_ACTIVATION": "false",
	}))
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": "py@example.com", "password": "correct horse battery"})
	login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "py@example.com", "password": "correct horse battery"})
	access := str(login, "access_token")

	header, claims := decodeJWT(t, access)
	forge := func(typ string, change func(gjwt.MapClaims)) string {
		c := gjwt.MapClaims{}
		for k, v := range claims {
			c[k] = v
		}
		change(c)
		tok := gjwt.NewWithClaims(gjwt.SigningMethodEdDSA, c)
		tok.Header["typ"], tok.Header["kid"] = typ, header["kid"]
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	same := func(gjwt.MapClaims) {}
	tests := []struct {
		name, token string
		// refusal is a word of PyJWT's reason for refusing; empty for a valid token.
		refusal string
	}{
		{"the access token authd minted", access, ""},
		{"re-signed unchanged (the forging itself is sound)", forge("at+jwt", same), ""},
		{"another audience", forge("at+jwt", func(c gjwt.MapClaims) { c["aud"] = "billing" }), "audience"},
		{"typ JWT", forge("JWT", same), "at+jwt"},
		{"expired", forge("at+jwt", func(c gjwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }), "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(python, pyjwtScript, base, "authd", tt.token)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			switch {
			case err != nil && !errors.As(err, &exit):
				t.Fatalf("running %s: %v", pyjwtScript, err)
			case tt.refusal == "" && err != nil:
				t.Errorf("verify_pyjwt.py refused the token: %v\n%s", err, stderr.String())
			case tt.refusal == "" && strings.TrimSpace(stdout.String()) != claims["sub"]:
				t.Errorf("verify_pyjwt.py printed %q, want the subject %v", stdout.String(), claims["sub"])
			case tt.refusal != "" && (exit == nil || exit.ExitCode() != 1 || !strings.HasPrefix(stderr.String(), "rejected:") ||
				!strings.Contains(strings.ToLower(stderr.String()), tt.refusal)):
				t.Errorf("verify_pyjwt.py: %v, stdout %q, stderr %q; want exit 1 and a rejection naming %q", err, stdout.String(), stderr.String(), tt.refusal)
			}
		})
	}
}

// decodeJWT returns the header and claims of a compact JWS without verifying it.
func decodeJWT(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d segments, want 3", len(parts))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return header, claims
}
