package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	t.Parallel()
	var known []string
	for _, f := range configFields() {
		known = append(known, f.key)
	}
	for _, c := range []struct{ name, want string }{
		{"AUTH_ACESS_TTL", "AUTH_ACCESS_TTL"},     // a letter left out
		{"AUTH_ACCESS_TLT", "AUTH_ACCESS_TTL"},    // two letters swapped
		{"AUTH_LOGLEVEL", "AUTH_LOG_LEVEL"},       // the underscore left out
		{"AUTH_CORS_ORIGIN", "AUTH_CORS_ORIGINS"}, // singular
		{"AUTH_JWT_KEY", "AUTH_JWT_KEYS"},         // singular
		{"auth_access_ttl", "AUTH_ACCESS_TTL"},    // case
		{"AUTH_DATABASE", "AUTH_DATABASE_URL"},    // the only longer name
		{"AUTH_LISTEN_ADDR", "AUTH_LISTEN"},       // a known name with a word added
		{"AUTH_SMTP", ""},                         // AUTH_SMTP_URL or AUTH_SMTP_TIMEOUT: no guess
		{"AUTH_FROBNICATE", ""},                   // nothing near
		{"AUTH_RATE_LIMIT_LOGINS", "AUTH_RATE_LIMIT_LOGIN"},
	} {
		if got := suggest(c.name, known); got != c.want {
			t.Errorf("suggest(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"", "ab", 2}, {"abc", "abc", 0},
		{"abc", "acb", 1}, {"abc", "ab", 1}, {"abc", "xbc", 1}, {"kitten", "sitting", 3},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestUnknownVars(t *testing.T) {
	t.Parallel()
	environ := []string{
		"PATH=/usr/bin",
		"AUTH_ACCESS_TTL=5m",           // known
		"AUTH_ACESS_TTL=5m",            // typo
		"AUTH_TEST_POSTGRES_URL=x",     // test suites' own
		"AUTH_TEST_ANYTHING_ELSE=x",    // also reserved
		"AUTH_REFRSH_TTL=1h",           // typo, from .env
		"AUTH_FROBNICATE=secret=value", // unknown, nothing near
		"AUTH_ACESS_TTL=dup",           // listed once
	}
	got := unknownVars(environ, map[string]bool{"AUTH_REFRSH_TTL": true})
	want := []unknownVar{
		{name: "AUTH_ACESS_TTL", source: "environment", suggestion: "AUTH_ACCESS_TTL"},
		{name: "AUTH_FROBNICATE", source: "environment"},
		{name: "AUTH_REFRSH_TTL", source: ".env", suggestion: "AUTH_REFRESH_TTL"},
	}
	if len(got) != len(want) {
		t.Fatalf("unknownVars = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("unknownVars[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestUnknownVariablesAreWarned runs a command with a typo in the environment and
// one in .env: each gets one WARN line naming it and the variable it probably
// means, and neither value is printed. AUTH_TEST_* variables are not warned about.
func TestUnknownVariablesAreWarned(t *testing.T) {
	dir := t.TempDir()
	for _, k := range []string{"AUTH_ACESS_TTL", "AUTH_REFRSH_TTL", "AUTH_TEST_SOMETHING"} {
		t.Setenv(k, "") // restored (unset) after the test, also when .env set it
		os.Unsetenv(k)
	}
	env := map[string]string{
		"AUTH_DATABASE_URL":   "sqlite://" + filepath.Join(dir, "authd.db"),
		"AUTH_ACESS_TTL":      "5m-env-value",
		"AUTH_TEST_SOMETHING": "1",
	}
	code, _, errOut := runCLIWithDotenv(t, env, "AUTH_REFRSH_TTL=dotenv-secret-value\n", "migrate")
	if code != 0 {
		t.Fatalf("migrate: code %d, stderr %q", code, errOut)
	}
	warned := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(errOut))
	for sc.Scan() {
		var rec map[string]string
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec["level"] != "WARN" || rec["variable"] == "" {
			continue
		}
		if _, dup := warned[rec["variable"]]; dup {
			t.Errorf("%s warned twice", rec["variable"])
		}
		warned[rec["variable"]] = rec["msg"]
	}
	for name, mean := range map[string]string{"AUTH_ACESS_TTL": "AUTH_ACCESS_TTL", "AUTH_REFRSH_TTL": "AUTH_REFRESH_TTL"} {
		if msg := warned[name]; !strings.Contains(msg, name) || !strings.Contains(msg, "did you mean "+mean+"?") {
			t.Errorf("warning for %s = %q, want it named and \"did you mean %s?\"", name, msg, mean)
		}
	}
	if _, ok := warned["AUTH_TEST_SOMETHING"]; ok {
		t.Errorf("AUTH_TEST_SOMETHING was warned about; AUTH_TEST_* variables belong to the tests")
	}
	for _, v := range []string{"5m-env-value", "dotenv-secret-value"} {
		if strings.Contains(errOut, v) {
			t.Errorf("stderr repeats the value %q:\n%s", v, errOut)
		}
	}
}

// runCLIWithDotenv is runCLI with a .env file in the working directory.
func runCLIWithDotenv(t *testing.T, env map[string]string, dotenv string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(t.TempDir())
	if err := os.WriteFile(".env", []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	clearConfigEnv(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
