package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/authd/authd/cmd/authbench/internal/loadgen"
)

// TestOverloadAnswers checks how the client reads a 503: its Retry-After is kept,
// and one without it is marked, since the contract says every 503 carries one;
// /healthz is asked through Health.
func TestOverloadAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case loadgen.PathHealth:
			w.WriteHeader(http.StatusOK)
			return
		case loadgen.PathLogin:
			w.Header().Set("Retry-After", "2")
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"code":"unavailable"}`))
	}))
	defer srv.Close()
	base, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c := loadgen.NewClient(base, 1, 5*time.Second, false)
	defer c.Close()
	ctx := context.Background()

	o := c.Login(ctx, "a@example.com", "pw", nil)
	if o.OK || o.Status != 503 || o.Code != "unavailable" || o.RetryAfter != 2*time.Second {
		t.Errorf("login = %+v, want 503 unavailable with RetryAfter 2s", o)
	}
	o = c.Signup(ctx, "a@example.com", "pw")
	if want := "unavailable " + loadgen.NoRetryAfter; o.Code != want || o.RetryAfter != 0 {
		t.Errorf("signup = %+v, want code %q and no RetryAfter", o, want)
	}
	if o := c.Health(ctx); !o.OK {
		t.Errorf("health = %+v, want OK", o)
	}
}
