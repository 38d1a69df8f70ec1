package loadgen_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

func TestCheckTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw         string
		allowRemote bool
		want        string // the normalised base URL; empty when an error is expected
		remote      bool   // the error must be ErrRemoteTarget
	}{
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{raw: "https://127.3.2.1", want: "https://127.3.2.1"},
		{raw: "http://[::1]:9000", want: "http://[::1]:9000"},
		{raw: "http://[::ffff:127.0.0.1]:9000", want: "http://[::ffff:127.0.0.1]:9000"},
		{raw: "http://localhost:8080", want: "http://localhost:8080"},
		{raw: "http://10.0.0.1:8080", remote: true},
		{raw: "http://[2001:db8::1]:8080", remote: true},
		{raw: "http://[::ffff:10.0.0.1]:8080", remote: true},
		{raw: "http://0.0.0.0:8080", remote: true},
		{raw: "http://10.0.0.1:8080", allowRemote: true, want: "http://10.0.0.1:8080"},
		{raw: "ftp://127.0.0.1"},
		{raw: "127.0.0.1:8080"},
		{raw: "http://"},
		{raw: "http://127.0.0.1:8080/v1/auth"},
		{raw: "http://127.0.0.1:8080?x=1"},
		{raw: "http://bench:secret@127.0.0.1:8080"},
		{raw: "http://no-such-host.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			u, err := loadgen.CheckTarget(context.Background(), tt.raw, tt.allowRemote)
			switch {
			case tt.want != "":
				if err != nil || u.String() != tt.want {
					t.Errorf("CheckTarget(%q, %v) = %v, %v; want %s, nil", tt.raw, tt.allowRemote, u, err, tt.want)
				}
			case err == nil:
				t.Errorf("CheckTarget(%q, %v) = %v, nil; want an error", tt.raw, tt.allowRemote, u)
			case errors.Is(err, loadgen.ErrRemoteTarget) != tt.remote:
				t.Errorf("CheckTarget(%q) error %v: is ErrRemoteTarget = %v, want %v", tt.raw, err, !tt.remote, tt.remote)
			}
		})
	}
}

// The dialer refuses a non-loopback address even when CheckTarget was bypassed,
// before any packet leaves: 192.0.2.1 (TEST-NET-1) would otherwise hang until the
// connect timeout.
func TestClientRefusesToDialRemote(t *testing.T) {
	t.Parallel()
	c := loadgen.NewClient(&url.URL{Scheme: "http", Host: "192.0.2.1:9"}, 1, 5*time.Second, false)
	defer c.Close()
	start := time.Now()
	o := c.Ready(context.Background())
	if o.OK || o.Status != 0 || o.Code != "remote_refused" {
		t.Errorf("Ready against 192.0.2.1 = %+v, want no response with code remote_refused", o)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("refusal took %v, want it immediate (no connect attempt)", took)
	}
}

// A redirect is reported as the status it is, never followed to another host.
func TestClientDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.RedirectHandler("http://192.0.2.1/readyz", http.StatusFound))
	defer srv.Close()
	base, err := loadgen.CheckTarget(context.Background(), srv.URL, false)
	if err != nil {
		t.Fatalf("CheckTarget(%s) = %v, want nil", srv.URL, err)
	}
	c := loadgen.NewClient(base, 1, 5*time.Second, false)
	defer c.Close()
	if o := c.Ready(context.Background()); o.OK || o.Status != http.StatusFound {
		t.Errorf("Ready against a redirect = %+v, want not OK with status 302", o)
	}
}
