package main

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/totp"
	"github.com/authd/authd/adapters/webauthn/webauthntest"
)

// movedAccount is what a pair test sets up on the source and checks on the target.
type movedAccount struct {
	email, password, secret string
	access, refresh, first  string
	recovery                []string
	reset                   string // a password-reset token mailed by the source
	key                     *webauthntest.Authenticator
	passkey                 *webauthntest.Credential
	// A second account, made by a sign-in through the provider "corp": its
	// identity moves with it.
	idp    *mockoidc.MockOIDC
	fedID  string
	fedSub string
}

// moveEnv is the configuration shared by source and target: the same keys come
// from the store's generated secrets, which the move carries.
var moveEnv = map[string]string{"AUTH_REQUIRE_ACTIVATION": "false"}

// setUpSource, through the real wiring on url, signs in a provider's user (a
// passwordless account with its identity), then signs up, logs in and enrols
// TOTP, then stops the server: the second account has a password, an active
// factor, recovery codes and one live aal2 session whose refresh token has
// rotated once.
func setUpSource(t *testing.T, url string) movedAccount {
	t.Helper()
	idp := startIdP(t)
	s := startServer(t, testConfig(t, url, providerEnv(idp, moveEnv)))
	defer s.stop()
	a := movedAccount{email: "mover@example.com", password: "correct horse battery", idp: idp, fedSub: "fed-" + rand.Text()}
	a.fedID = str(signInViaProvider(t, s, idp, a.fedSub, "fed@example.com"), "user", "id")
	s.expect(201, "POST", "/v1/auth/signup", "", map[string]any{"email": a.email, "password": a.password, "username": "mover"})
	access := str(s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": a.email, "password": a.password}), "access_token")
	a.secret = str(s.expect(201, "POST", "/v1/auth/mfa/totp", access, nil), "secret")
	conf := s.expect(200, "POST", "/v1/auth/mfa/totp/confirm", access, map[string]any{"code": totpCode(t, a.secret, time.Now())})
	for _, c := range conf["recovery_codes"].([]any) {
		a.recovery = append(a.recovery, c.(string))
	}
	// A passkey too (aal2, with the confirmation's token), from a virtual
	// authenticator on the default origin.
	a.key = &webauthntest.Authenticator{Origin: "http://localhost:8080", UserVerified: true}
	c := s.expect(200, "POST", "/v1/auth/passkeys/register/options", str(conf, "access_token"), nil)
	pk, _ := json.Marshal(c["publicKey"])
	body, cred, err := a.key.Create(pk, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	a.passkey = cred
	s.expect(201, "POST", "/v1/auth/passkeys/register", str(conf, "access_token"), map[string]any{
		"ceremony_id": str(c, "ceremony_id"), "credential": json.RawMessage(body), "name": "laptop"})
	a.first = str(conf, "refresh_token")
	rotated := s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": a.first})
	a.access, a.refresh = str(rotated, "access_token"), str(rotated, "refresh_token")
	// A reset link mailed (logged) before the move, used after it.
	s.expect(202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": a.email})
	a.reset = s.linkToken("reset-password", a.email)
	return a
}

// checkTarget starts authd on url with the source's configuration and checks that
// nobody has to sign in again.
func checkTarget(t *testing.T, url string, a movedAccount) {
	t.Helper()
	s := startServer(t, testConfig(t, url, providerEnv(a.idp, moveEnv)))
	// The provider's user signs in to the same account, found by its moved
	// identity (not made anew, not refused as account_exists).
	if got := str(signInViaProvider(t, s, a.idp, a.fedSub, "fed@example.com"), "user", "id"); got != a.fedID {
		t.Fatalf("provider sign-in on the target: account %q, want the moved %q", got, a.fedID)
	}
	if got := str(s.expect(200, "GET", "/v1/auth/me", a.access, nil), "user", "email"); got != a.email {
		t.Fatalf("me with the old access token: email %q, want %q", got, a.email)
	}
	rotated := s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": a.refresh})
	s.expect(200, "GET", "/v1/auth/me", str(rotated, "access_token"), nil)
	// The counter moved on from where the source left it: the new token rotates
	// again, and a token from before the source's rotation is a detected reuse.
	again := s.expect(200, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": str(rotated, "refresh_token")})
	if str(again, "refresh_token") == str(rotated, "refresh_token") {
		t.Fatal("a second refresh on the target returned the same token")
	}
	s.expect(401, "POST", "/v1/auth/refresh", "", map[string]any{"refresh_token": a.first})

	// Password, then the TOTP code: the factor's secret opened under the moved key.
	// The next step's code is after every step the source accepted.
	mfa := s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": a.email, "password": a.password})
	if got := str(mfa, "code"); got != "mfa_required" {
		t.Fatalf("login on the target: code %q, want mfa_required", got)
	}
	login := s.expect(200, "POST", "/v1/auth/login/mfa", "", map[string]any{
		"mfa_token": str(mfa, "mfa_token"), "code": totpCode(t, a.secret, time.Now().Add(30*time.Second))})
	s.expect(200, "GET", "/v1/auth/me", str(login, "access_token"), nil)
	// A recovery code moved as its hash.
	mfa = s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"username": "mover", "password": a.password})
	s.expect(200, "POST", "/v1/auth/login/mfa", "", map[string]any{"mfa_token": str(mfa, "mfa_token"), "recovery_code": a.recovery[0]})
	s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": a.email, "password": "not the password"})

	// The passkey logs in on its own (discoverable), its sign counter moving on
	// from the source's.
	c := s.expect(200, "POST", "/v1/auth/passkeys/login/options", "", map[string]any{})
	pk, _ := json.Marshal(c["publicKey"])
	body, err := a.key.Get(pk, a.passkey)
	if err != nil {
		t.Fatal(err)
	}
	login = s.expect(200, "POST", "/v1/auth/passkeys/login", "", map[string]any{"ceremony_id": str(c, "ceremony_id"), "credential": json.RawMessage(body)})
	if got := str(s.expect(200, "GET", "/v1/auth/me", str(login, "access_token"), nil), "user", "email"); got != a.email {
		t.Fatalf("passkey login on the target: %q, want %q", got, a.email)
	}

	// Last (it ends every session): the reset link the source mailed still works.
	s.expect(204, "POST", "/v1/auth/password/reset", "", map[string]any{"token": a.reset, "new_password": "a whole new password"})
	s.expect(401, "GET", "/v1/auth/me", str(login, "access_token"), nil)
	if got := str(s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": a.email, "password": "a whole new password"}), "code"); got != "mfa_required" {
		t.Fatalf("login with the reset password: code %q, want mfa_required (the password is right, MFA is still on)", got)
	}
}

// totpCode is the code of the base32 secret at `at`.
func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err != nil {
		t.Fatal(err)
	}
	c, err := totp.Code(raw, totp.Step(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCounts is the closing line of a move of such accounts: three generated
// secrets (signing key, refresh key, encryption key), the two users, the
// password account's factor, codes, passkey and live reset token, one live
// session each, and the provider account's identity.
var wantCounts = regexp.MustCompile(`secret=3 user=2 factor=1 recovery_codes=1 passkey=1 session=2 token=1 identity=1 event=0 skipped=0`)

// TestCopyEveryPair copies an account from every backend to every other through
// `authd copy` and checks on the target that tokens, password, TOTP and recovery
// codes still work (ARCHITECTURE.md §13).
func TestCopyEveryPair(t *testing.T) {
	names := backendtest.Names()
	for _, from := range names {
		for _, to := range names {
			if from == to {
				continue
			}
			t.Run(from+"_to_"+to, func(t *testing.T) {
				src, dst := backendtest.URL(t, from), backendtest.URL(t, to)
				a := setUpSource(t, src)
				code, _, errOut := runCLI(t, nil, "", "copy", "--from", src, "--to", dst)
				if code != 0 {
					t.Fatalf("copy: exit %d, stderr:\n%s", code, errOut)
				}
				if !wantCounts.MatchString(errOut) {
					t.Fatalf("copy counts: stderr %q, want %s", errOut, wantCounts)
				}
				checkTarget(t, dst, a)

				// A second copy finds the account there and skips it; with fail it
				// stops and says which.
				code, _, errOut = runCLI(t, nil, "", "copy", "--from", src, "--to", dst)
				if code != 0 || !strings.Contains(errOut, "user=0") || !strings.Contains(errOut, "skipped=2") {
					t.Fatalf("second copy: exit %d, stderr %q; want 0, user=0 and skipped=2", code, errOut)
				}
				code, _, errOut = runCLI(t, nil, "", "copy", "--from", src, "--to", dst, "--on-conflict", "fail")
				if code != 1 || !strings.Contains(errOut, "exist in the target") {
					t.Fatalf("copy --on-conflict fail: exit %d, stderr %q; want 1 and the conflict", code, errOut)
				}
			})
		}
	}
}

// TestExportImport moves an account through a file: export writes it with mode
// 0600, import reads it into another backend, and everything works there.
func TestExportImport(t *testing.T) {
	names := backendtest.Names()
	from, to := names[0], names[len(names)-1]
	src, dst := backendtest.URL(t, from), backendtest.URL(t, to)
	a := setUpSource(t, src)
	file := filepath.Join(t.TempDir(), "accounts.jsonl")
	code, out, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": src}, "", "export", "--out", file, "--events")
	if code != 0 || out != "" || !strings.Contains(errOut, "exported secret=3 user=2 factor=1 recovery_codes=1 passkey=1 session=2 token=1 identity=1") {
		t.Fatalf("export: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	info, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("export file mode = %v, want 0600", info.Mode().Perm())
	}
	data, _ := os.ReadFile(file)
	if strings.Contains(string(data), a.password) {
		t.Error("the export holds the password in the clear")
	}
	code, _, errOut = runCLI(t, map[string]string{"AUTH_DATABASE_URL": dst}, "", "import", "--in", file)
	if code != 0 || !strings.Contains(errOut, "user=2 factor=1 recovery_codes=1 passkey=1 session=2 token=1 identity=1") || strings.Contains(errOut, "event=0") {
		t.Fatalf("import: exit %d, stderr %q; want the account and its events", code, errOut)
	}
	checkTarget(t, dst, a)

	// A damaged file changes nothing: the last line (the end record) cut off.
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
	if err := os.WriteFile(cut, []byte(strings.Join(lines[:len(lines)-1], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh := backendtest.URL(t, to)
	code, _, errOut = runCLI(t, map[string]string{"AUTH_DATABASE_URL": fresh}, "", "import", "--in", cut)
	if code != 1 || !strings.Contains(errOut, "cut off") {
		t.Fatalf("import of a cut file: exit %d, stderr %q; want 1 and cut off", code, errOut)
	}
}

// TestImportForeignArchive imports the README's hand-written archive of one
// Django account: its PBKDF2 hash logs in and is argon2id afterwards.
func TestImportForeignArchive(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	user := regexp.MustCompile("(?m)^\\{\"kind\":\"user\".*\\}$").Find(readme)
	if user == nil {
		t.Fatal("README has no one-line user record")
	}
	archive := `{"kind":"header","format":"authd-archive","version":1}` + "\n" + string(user) + "\n" + `{"kind":"end","counts":{"user":1}}` + "\n"
	file := filepath.Join(t.TempDir(), "django.jsonl")
	if err := os.WriteFile(file, []byte(archive), 0o600); err != nil {
		t.Fatal(err)
	}
	url := backendtest.URL(t, "sqlite")
	code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "import", "--in", file)
	if code != 0 || !strings.Contains(errOut, "user=1 ") {
		t.Fatalf("import: exit %d, stderr %q", code, errOut)
	}
	cfg := testConfig(t, url, nil)
	s := startServer(t, cfg)
	s.expect(401, "POST", "/v1/auth/login", "", map[string]any{"email": "ann@example.com", "password": "letmein"})
	s.expect(200, "POST", "/v1/auth/login", "", map[string]any{"email": "ann@example.com", "password": "lètmein"})
	b, err := openBackend(t.Context(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u, err := b.Users().ByEmail(t.Context(), "ann@example.com")
	if err != nil || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("stored hash after login: %.10q, %v; want argon2id", u.PasswordHash, err)
	}
}

// TestImportRefusesBadAccounts imports files whose second account authd would
// refuse: the import fails naming it, and the first (valid) account is not
// written either — the file is checked whole before any batch.
func TestImportRefusesBadAccounts(t *testing.T) {
	good := `{"kind":"user","user":{"id":"0190c0de-0000-7000-8000-000000000001","email":"ok@example.com","role":"user","status":"active","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}}`
	user := func(fields string) string {
		return `{"kind":"user","user":{"id":"0190c0de-0000-7000-8000-000000000002","email":"bad@example.com","role":"user","status":"active","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z",` + fields + `}}`
	}
	cases := map[string]struct{ line, want string }{
		"role":         {user(`"role":"superadmin"`), "role"},
		"status":       {user(`"status":"root"`), "status"},
		"hash":         {user(`"password_hash":"5f4dcc3b5aa765d61d8327deb882cf99"`), "no format authd verifies"},
		"email":        {user(`"email":"not an address"`), "email"},
		"id":           {strings.Replace(user(`"name":"x"`), `"id":"0190c0de-0000-7000-8000-000000000002"`, `"id":"../../etc"`, 1), "id"},
		"username":     {user(`"username":"Has Spaces"`), "username"},
		"control name": {user(`"name":"line\nbreak"`), "name"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			archive := `{"kind":"header","format":"authd-archive","version":1}` + "\n" + good + "\n" + c.line + "\n" + `{"kind":"end","counts":{"user":2}}` + "\n"
			file := filepath.Join(t.TempDir(), "bad.jsonl")
			if err := os.WriteFile(file, []byte(archive), 0o600); err != nil {
				t.Fatal(err)
			}
			url := backendtest.URL(t, "sqlite")
			code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "import", "--in", file, "--batch", "1")
			if code != 1 || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "nothing was imported") {
				t.Fatalf("import: exit %d, stderr %q; want 1, %q and nothing was imported", code, errOut, c.want)
			}
			b, err := openBackend(t.Context(), testConfig(t, url, nil), false)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if users, err := b.Users().List(t.Context(), "", 10); err != nil || len(users) != 0 {
				t.Fatalf("after a refused import the target holds %d users (%v), want none", len(users), err)
			}
		})
	}
}

// TestMoveCommandLine checks the flags: missing or equal URLs, a bad policy or
// batch are usage errors (exit 2) that open no database.
func TestMoveCommandLine(t *testing.T) {
	for _, args := range [][]string{
		{"copy", "--to", "sqlite:///tmp/x.db"},
		{"copy", "--from", "sqlite:///tmp/x.db", "--to", "sqlite:///tmp/x.db"},
		{"copy", "--from", "a", "--to", "b", "--on-conflict", "overwrite"},
		{"import", "--batch", "0"},
		{"import", "--in", "a", "--from-gotrue", "b"},
		{"export", "stray"},
	} {
		if code, _, errOut := runCLI(t, nil, "", args...); code != 2 {
			t.Errorf("%v: exit %d (stderr %q), want 2", args, code, errOut)
		}
	}
	// An existing file keeps no wider mode than 0600.
	dir := t.TempDir()
	file := filepath.Join(dir, "out.jsonl")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	url := backendtest.URL(t, "sqlite")
	if code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": url}, "", "export", "--out", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("export over a 0644 file: mode %v (%v), want 0600", info.Mode().Perm(), err)
	}
}

// TestCopyRefusesATargetWithItsOwnKeys copies into a database authd has run on:
// its generated keys differ from the source's, so the copy stops before any
// account, whatever --on-conflict says.
func TestCopyRefusesATargetWithItsOwnKeys(t *testing.T) {
	src, dst := backendtest.URL(t, "sqlite"), backendtest.URL(t, "sqlite")
	setUpSource(t, src)
	startServer(t, testConfig(t, dst, moveEnv)).stop()
	for _, policy := range []string{"skip", "fail"} {
		code, _, errOut := runCLI(t, nil, "", "copy", "--from", src, "--to", dst, "--on-conflict", policy)
		if code != 1 || !strings.Contains(errOut, "another value of the generated secret") {
			t.Fatalf("copy --on-conflict %s into a used target: exit %d, stderr %q; want 1 and the secret", policy, code, errOut)
		}
	}
	b, err := openBackend(t.Context(), testConfig(t, dst, nil), false)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if users, err := b.Users().List(t.Context(), "", 10); err != nil || len(users) != 0 {
		t.Fatalf("the refused copy wrote %d users (%v), want none", len(users), err)
	}
}
