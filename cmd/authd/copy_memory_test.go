package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/sqlstore"
	"github.com/authd/authd/domain"
)

// maxCopyRSS is the peak resident memory `authd copy` may reach, whatever the
// number of accounts: it holds one batch at a time.
const maxCopyRSS = 200 << 20

// TestCopyMemory seeds accounts (each with a TOTP factor, ten recovery codes
// and a live session) into SQLite, copies them into PostgreSQL with the real
// binary, and reports the copy's time and peak RSS, which must stay under
// 200 MiB. In the test suite it copies 2,000 accounts (four batches); make
// bench-copy sets AUTH_BENCH_COPY_ACCOUNTS=100000, which takes a minute or two.
func TestCopyMemory(t *testing.T) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("AUTH_BENCH_COPY_ACCOUNTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	src, dst := backendtest.URL(t, "sqlite"), backendtest.URL(t, "postgres")
	seedStart := time.Now()
	seedAccounts(t, ctx, src, n)
	t.Logf("seeded %d accounts into SQLite in %v", n, time.Since(seedStart).Round(time.Millisecond))

	bin := buildBinary(t)
	cmd := binaryCommand(t, bin, nil, "copy", "--from", src, "--to", dst)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("authd copy: %v\n%s", err, stderr.String())
	}
	took := time.Since(start)
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	want := fmt.Sprintf("user=%d factor=%d recovery_codes=%d passkey=0 session=%d", n, n, n, n)
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("copy counts: %q, want %s", stderr.String(), want)
	}
	line := fmt.Sprintf("authd copy sqlite→postgres: %d accounts in %v (%.0f accounts/s), peak RSS %.1f MiB",
		n, took.Round(100*time.Millisecond), float64(n)/took.Seconds(), float64(rss)/(1<<20))
	t.Log(line)
	fmt.Println(line)
	if rss >= maxCopyRSS {
		t.Fatalf("peak RSS %d bytes, want under %d", rss, maxCopyRSS)
	}
}

// seedAccounts writes n synthetic accounts straight through the Archive port, a
// thousand a transaction.
func seedAccounts(t *testing.T, ctx context.Context, url string, n int) {
	t.Helper()
	s, err := sqlstore.Open(ctx, url, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	batch := make([]domain.Account, 0, 1000)
	for i := range n {
		id := fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
		acc := domain.Account{
			User: domain.User{ID: id, Email: fmt.Sprintf("user%d@example.com", i), Role: domain.RoleUser, Status: domain.StatusActive,
				PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
				CreatedAt:    now, UpdatedAt: now, ActivatedAt: &now, MFAEnabled: true, Locale: "en"},
			Factors: []domain.Factor{{ID: id[:24] + "f" + id[25:], Type: domain.FactorTOTP, Status: domain.FactorActive,
				Secret: []byte(strings.Repeat("s", 57)), LastStep: 1, CreatedAt: now}},
			Sessions: []domain.Session{{ID: id[:24] + "5" + id[25:], Counter: 3, RotatedAt: now, CreatedAt: now,
				ExpiresAt: now.Add(24 * time.Hour), UserAgent: "bench/1.0", IP: "192.0.2.1", AAL: domain.AAL2,
				AMR: []string{"pwd", "otp", "mfa"}, AuthTime: now}},
		}
		for j := range 10 {
			acc.RecoveryCodes = append(acc.RecoveryCodes, fmt.Sprintf("%064d", i*10+j))
		}
		batch = append(batch, acc)
		if len(batch) == cap(batch) || i == n-1 {
			if _, err := s.Archive().Restore(ctx, batch, false, domain.Effects{}); err != nil {
				t.Fatalf("seed: %v", err)
			}
			batch = batch[:0]
		}
	}
}
