package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing, so that the
// validator itself can be tested.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// TestValidatorCatchesMismatches proves that the OpenAPI check in env.do can fail:
// otherwise every other test's "matches openapi.json" would be hollow.
func TestValidatorCatchesMismatches(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	problemJSON := http.Header{"Content-Type": {"application/problem+json"}}
	cases := []struct {
		name         string
		method, path string
		r            response
		wantFailure  bool
	}{
		{"healthz as documented", "GET", "/healthz", response{200, json, []byte(`{"status":"ok"}`)}, false},
		{"healthz with a wrong enum", "GET", "/healthz", response{200, json, []byte(`{"status":"fine"}`)}, true},
		{"undocumented status", "GET", "/healthz", response{418, json, []byte(`{}`)}, true},
		{"user missing fields", "GET", "/v1/auth/me", response{200, json, []byte(`{"user":{"id":"x"}}`)}, true},
		{"problem with an unknown code", "GET", "/v1/auth/me", response{401, problemJSON,
			[]byte(`{"type":"about:blank","title":"t","status":401,"detail":"d","code":"nope"}`)}, true},
		{"429 without Retry-After", "POST", "/v1/auth/login", response{429, problemJSON,
			[]byte(`{"type":"https://authd.dev/problems/rate_limited","title":"t","status":429,"detail":"d","code":"rate_limited"}`)}, true},
		{"unknown path answered with a non-problem", "GET", "/nowhere", response{404, json, []byte(`{"x":1}`)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			validate(rec, tc.method, tc.path, tc.r)
			if got := len(rec.failures) > 0; got != tc.wantFailure {
				t.Errorf("validation failed = %v (%v), want %v", got, rec.failures, tc.wantFailure)
			}
		})
	}
}
