package sqlstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/authd/authd/adapters/sqlstore"
)

// lockedBuffer is a bytes.Buffer safe for the driver's goroutines and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hangUpServer accepts TCP connections and closes each at once, so that a MySQL
// client loses its connection in the middle of the handshake.
func hangUpServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return ln.Addr().String()
}

// TestLibraryLogsGoToSlog checks that what go-sql-driver/mysql and bun log about a
// server that hangs up reaches the logger given to SetLogger as JSON WARN records
// naming the library, and carries no password.
func TestLibraryLogsGoToSlog(t *testing.T) {
	logs := &lockedBuffer{}
	sqlstore.SetLogger(slog.New(slog.NewJSONHandler(logs, nil)))
	t.Cleanup(func() { sqlstore.SetLogger(nil) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sqlstore.Open(ctx, "mysql://u:s3cret-pw@"+hangUpServer(t)+"/db", sqlstore.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if err := s.Ping(ctx); err == nil {
		t.Fatalf("Ping of a server that hangs up succeeded")
	}

	sources := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var rec struct{ Level, Msg, Source string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if rec.Level != "WARN" || rec.Msg == "" {
			t.Errorf("library log record level %q msg %q, want WARN and a message", rec.Level, rec.Msg)
		}
		sources[rec.Source]++
	}
	if sources["mysql"] == 0 || sources["bun"] == 0 {
		t.Errorf("records by source = %v, want some from mysql (the driver) and bun (the version probe); log:\n%s", sources, logs)
	}
	if strings.Contains(logs.String(), "s3cret-pw") {
		t.Errorf("library log carries the password:\n%s", logs)
	}
}
