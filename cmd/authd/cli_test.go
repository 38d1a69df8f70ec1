package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs one authd command in a fresh directory with the given environment
// (through the process environment, as the binary reads it).
func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(t.TempDir())
	clearConfigEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestCLIVersionAndUsage(t *testing.T) {
	if code, out, _ := runCLI(t, nil, "", "version"); code != 0 || !strings.HasPrefix(out, "authd ") {
		t.Errorf("version: code %d, out %q; want 0 and \"authd …\"", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "", "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: code %d, stderr %q; want 2 and a usage", code, errOut)
	}
}

func TestCLIKeygen(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "", "keygen")
	if code != 0 {
		t.Fatalf("keygen: code %d, stderr %q", code, errOut)
	}
	block, _ := pem.Decode([]byte(out))
	if block == nil {
		t.Fatalf("keygen printed no PEM block: %q", out)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatalf("keygen PEM is not PKCS#8: %v", err)
	}
	if _, ok := key.(ed25519.PrivateKey); !ok {
		t.Fatalf("keygen default key is %T, want ed25519.PrivateKey", key)
	}
	for _, alg := range []string{"RS256", "ES256"} {
		if code, out, _ := runCLI(t, nil, "", "keygen", "--alg", alg); code != 0 || !strings.Contains(out, "PRIVATE KEY") {
			t.Errorf("keygen --alg %s: code %d", alg, code)
		}
	}
	if code, _, _ := runCLI(t, nil, "", "keygen", "--alg", "HS256"); code != 2 {
		t.Errorf("keygen --alg HS256: code %d, want 2", code)
	}
}

// TestCLIKeygenIntoAFile redirects keygen into a file the way the README does
// (`authd keygen > key.pem`): the shell made it 0644, keygen leaves it 0600.
func TestCLIKeygenIntoAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key.pem")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"keygen"}, strings.NewReader(""), f, &stderr); code != 0 {
		t.Fatalf("keygen > file: code %d, stderr %q", code, stderr.String())
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode after keygen = %o, want 600", mode)
	}
	if b, _ := os.ReadFile(path); !bytes.Contains(b, []byte("PRIVATE KEY")) {
		t.Errorf("key file holds no PEM key: %q", b)
	}
}

// TestCLIMigrateAndAdminCreate bootstraps an admin the way the README says, and the
// service then lets it log in.
func TestCLIMigrateAndAdminCreate(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "authd.db")
	env := map[string]string{"AUTH_DATABASE_URL": db, "AUTH_ARGON2": "m=1024,t=1,p=1", "AUTH_LOG_LEVEL": "error"}
	if code, _, errOut := runCLI(t, env, "", "migrate"); code != 0 || !strings.Contains(errOut, "migrated") {
		t.Fatalf("migrate: code %d, stderr %q", code, errOut)
	}
	code, out, errOut := runCLI(t, env, "admin password 1\n", "admin", "create", "--email", "Root@Example.com", "--username", "root")
	if code != 0 || !strings.Contains(out, "created admin root@example.com") {
		t.Fatalf("admin create: code %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, env, "another password\n", "admin", "create", "--email", "root@example.com"); code != 1 || !strings.Contains(errOut, "email_taken") {
		t.Errorf("admin create of an existing e-mail: code %d, stderr %q; want 1 and email_taken", code, errOut)
	}
	if code, _, errOut := runCLI(t, env, "", "admin", "create", "--email", "x@example.com"); code != 1 || !strings.Contains(errOut, "no password") {
		t.Errorf("admin create without a password: code %d, stderr %q", code, errOut)
	}
	if code, _, _ := runCLI(t, env, "pw\n", "admin", "create"); code != 2 {
		t.Errorf("admin create without --email: code %d, want 2", code)
	}
	if code, out, errOut := runCLI(t, env, "", "check-identities"); code != 0 || !strings.Contains(out, "no account needs attention") {
		t.Errorf("check-identities on normalised accounts: code %d, stdout %q, stderr %q; want 0", code, out, errOut)
	}

	cfg := testConfig(t, db, nil)
	s := startServer(t, cfg)
	login := s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "root@example.com", "password": "admin password 1"})
	if got := str(login, "user", "role"); got != "admin" {
		t.Fatalf("bootstrapped account role = %q, want admin", got)
	}
	s.expect(200, "GET", "/v1/users", str(login, "access_token"), nil)
}

func TestCLIBadConfigNamesTheVariable(t *testing.T) {
	code, _, errOut := runCLI(t, map[string]string{"AUTH_ACCESS_TTL": "soon"}, "", "serve")
	if code != 1 || !strings.Contains(errOut, "AUTH_ACCESS_TTL") {
		t.Fatalf("serve with a bad AUTH_ACCESS_TTL: code %d, stderr %q; want 1 and the variable named", code, errOut)
	}
}
