package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestHelpActsOnNothing asks every command for help in every spelling: the help goes
// to stdout with exit code 0, and nothing is done — no database file appears in the
// working directory, and serve does not start (its context is already cancelled, so
// a serve that did start would still create the file before stopping).
func TestHelpActsOnNothing(t *testing.T) {
	cases := []struct {
		args []string
		want []string // in stdout, besides the configuration pointer
	}{
		{[]string{"-h"}, []string{"usage: authd [command]", "migrate", "keygen"}},
		{[]string{"--help"}, []string{"usage: authd [command]"}},
		{[]string{"help"}, []string{"usage: authd [command]"}},
		{[]string{"serve", "--help"}, []string{"usage: authd [serve]", "AUTH_LISTEN"}},
		{[]string{"serve", "-h"}, []string{"usage: authd [serve]"}},
		{[]string{"serve", "help"}, []string{"usage: authd [serve]"}},
		{[]string{"help", "serve"}, []string{"usage: authd [serve]"}},
		{[]string{"migrate", "--help"}, []string{"usage: authd migrate", "schema"}},
		{[]string{"migrate", "-h"}, []string{"usage: authd migrate"}},
		{[]string{"migrate", "help"}, []string{"usage: authd migrate"}},
		{[]string{"admin", "--help"}, []string{"usage: authd admin create"}},
		{[]string{"admin", "help"}, []string{"usage: authd admin create"}},
		{[]string{"admin", "create", "--help"}, []string{"usage: authd admin create", "-email", "-username", "stdin"}},
		{[]string{"admin", "create", "--email", "a@example.com", "-h"}, []string{"-email"}},
		{[]string{"admin", "create", "help"}, []string{"-email"}},
		{[]string{"help", "admin", "create"}, []string{"-email"}},
		{[]string{"keygen", "--help"}, []string{"usage: authd keygen", "-alg", "EdDSA"}},
		{[]string{"keygen", "-h"}, []string{"-alg"}},
		{[]string{"keygen", "help"}, []string{"-alg"}},
		{[]string{"help", "keygen"}, []string{"-alg"}},
		{[]string{"check-identities", "--help"}, []string{"usage: authd check-identities", "Writes nothing"}},
		{[]string{"help", "check-identities"}, []string{"usage: authd check-identities"}},
		{[]string{"version", "--help"}, []string{"usage: authd version"}},
		{[]string{"version", "help"}, []string{"usage: authd version"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			code, out, errOut := runCancelledCLI(t, "admin password\n", c.args...)
			if code != 0 || errOut != "" {
				t.Fatalf("authd %v: code %d, stderr %q; want 0 and nothing on stderr", c.args, code, errOut)
			}
			for _, w := range append(c.want, "Configuration table") {
				if !strings.Contains(out, w) {
					t.Errorf("authd %v printed no %q:\n%s", c.args, w, out)
				}
			}
			if strings.Contains(out, "PRIVATE KEY") {
				t.Errorf("authd %v generated a key instead of helping", c.args)
			}
			entries, err := os.ReadDir(".")
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				t.Errorf("authd %v created %s; help must not act", c.args, e.Name())
			}
		})
	}
}

// runCancelledCLI is runCLI with an already cancelled context and the default
// (relative) SQLite database, so that a command that wrongly acts leaves authd.db in
// the test's working directory instead of blocking.
func runCancelledCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(t.TempDir())
	clearConfigEnv(t)
	t.Setenv("AUTH_LISTEN", freeAddr(t))
	t.Setenv("AUTH_LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr strings.Builder
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestBadArgumentsAreUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--port", "80"},
		{"serve", "extra"},
		{"migrate", "now"},
		{"keygen", "--bogus"},
		{"version", "-x"},
		{"help", "frobnicate"},
	} {
		code, out, errOut := runCancelledCLI(t, "", args...)
		if code != 2 || out != "" || errOut == "" {
			t.Errorf("authd %v: code %d, stdout %q, stderr %q; want 2, nothing on stdout and a message", args, code, out, errOut)
		}
		if entries, _ := os.ReadDir("."); len(entries) > 0 {
			t.Errorf("authd %v acted: created %s", args, entries[0].Name())
		}
	}
}
