package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTakenPortFailsBeforeTheDatabase starts serve on a port that is already taken:
// it fails naming AUTH_LISTEN and the address, before it has opened (and so
// created) the database.
func TestTakenPortFailsBeforeTheDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	db := filepath.Join(t.TempDir(), "authd.db")
	env := map[string]string{"AUTH_DATABASE_URL": "sqlite://" + db, "AUTH_LISTEN": addr, "AUTH_LOG_LEVEL": "error"}
	code, _, errOut := runCLI(t, env, "", "serve")
	if code != 1 || !strings.Contains(errOut, "AUTH_LISTEN="+addr) || !strings.Contains(errOut, "address already in use") {
		t.Fatalf("serve on a taken port: code %d, stderr %q; want 1, AUTH_LISTEN=%s and the cause", code, errOut, addr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("serve created %s before finding the port taken; the listener must be bound first", db)
	}
}

// TestDatabaseStartupErrors checks that a database authd cannot open or migrate at
// start is reported with the variable, the target without its password, the cause
// once and a hint.
func TestDatabaseStartupErrors(t *testing.T) {
	missingDir := filepath.Join(t.TempDir(), "no", "such", "dir")
	for _, c := range []struct {
		name, url string
		want      []string
		cause     string // appears exactly once
	}{
		{"postgres unreachable", "postgres://u:secret@127.0.0.1:1/db?password=secret&sslmode=prefer",
			[]string{"AUTH_DATABASE_URL=postgres://u:xxxxx@127.0.0.1:1/db:", `PostgreSQL database "db" on 127.0.0.1:1`, "hint: is the PostgreSQL server running"},
			"connection refused"},
		{"mysql unreachable", "mysql://u:secret@127.0.0.1:1/db",
			[]string{"AUTH_DATABASE_URL=mysql://u:xxxxx@127.0.0.1:1/db:", `MySQL database "db" on 127.0.0.1:1`, "hint: is the MySQL/MariaDB server running"},
			"connection refused"},
		{"sqlite in a missing directory", "sqlite://" + filepath.Join(missingDir, "authd.db"),
			[]string{"AUTH_DATABASE_URL=sqlite://" + missingDir, "hint: does the directory " + missingDir + " exist"},
			"unable to open database file"},
		{"dynamodb unreachable", "dynamodb://authd?region=us-east-1&endpoint=http://127.0.0.1:1",
			[]string{"AUTH_DATABASE_URL=dynamodb://authd:", `DynamoDB table "authd" (region us-east-1, endpoint http://127.0.0.1:1)`, "credentials"},
			"connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, map[string]string{"AUTH_DATABASE_URL": c.url, "AUTH_LOG_LEVEL": "error"}, "", "migrate")
			if code != 1 {
				t.Fatalf("migrate: code %d, want 1; stderr %q", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if n := strings.Count(errOut, c.cause); n != 1 {
				t.Errorf("stderr has the cause %q %d times, want once:\n%s", c.cause, n, errOut)
			}
			if strings.Contains(errOut, "secret") {
				t.Errorf("stderr repeats the password:\n%s", errOut)
			}
		})
	}
}
