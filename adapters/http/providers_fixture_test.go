package httpapi_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/authd/authd/adapters/oidc"
)

// The identity providers of the provider tests, running in the test process: a
// real OpenID Connect provider (mockoidc) configured twice — "mock" without and
// "mocklink" with auto-linking — and a GitHub-shaped OAuth 2.0 server.

const testCallbackBase = "http://localhost:8080/v1/auth/providers/"

// idps are one test's providers.
type idps struct {
	oidc      *mockoidc.MockOIDC
	gh        *fakeGitHub
	providers *oidc.Providers
}

func newIdPs(t *testing.T, extra ...oidc.Config) *idps {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	gh := newFakeGitHub(t)
	cfg := func(name string) oidc.Config {
		return oidc.Config{Name: name, Kind: oidc.KindOIDC, ClientID: m.ClientID, ClientSecret: m.ClientSecret,
			Issuer: m.Issuer(), RedirectURL: testCallbackBase + name + "/callback"}
	}
	cfgs := append([]oidc.Config{cfg("mock"), cfg("mocklink"), {Name: "github", Kind: oidc.KindGitHub,
		ClientID: gh.clientID, ClientSecret: gh.clientSecret, AuthURL: gh.srv.URL + "/login/oauth/authorize",
		TokenURL: gh.srv.URL + "/login/oauth/access_token", APIURL: gh.srv.URL + "/api/v3",
		RedirectURL: testCallbackBase + "github/callback"}}, extra...)
	ps := oidc.New(cfgs, oidc.Options{RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	t.Cleanup(ps.Close)
	waitReady(t, ps, "mock", "mocklink")
	return &idps{oidc: m, gh: gh, providers: ps}
}

func waitReady(t *testing.T, ps *oidc.Providers, names ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range names {
		for !ps.Ready(n) {
			if time.Now().After(deadline) {
				t.Fatalf("provider %s not discovered within 10s", n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// freePort returns a loopback address nobody listens on (for a provider that
// is down).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// oidcUser is a mockoidc user whose ID token claims a test may bend (another
// audience, say).
type oidcUser struct {
	*mockoidc.MockUser
	bend func(*mockoidc.IDTokenClaims)
}

func (u oidcUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.bend != nil {
		u.bend(c)
	}
	return u.MockUser.Claims(scope, c)
}

func mockUser(subject, email string, verified bool) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: subject, Email: email, EmailVerified: verified, PreferredUsername: "ann"}
}

// fakeGitHub answers like github.com's OAuth endpoints and REST API: the
// authorize page approves at once as the queued user, the token endpoint
// checks client, code (single use) and PKCE verifier.
type fakeGitHub struct {
	srv                    *httptest.Server
	clientID, clientSecret string

	mu    sync.Mutex
	next  []ghUser
	codes map[string]ghGrant // code → grant
	users map[string]ghUser  // access token → user
}

type ghUser struct {
	ID     int64
	Login  string
	Emails []map[string]any
}

type ghGrant struct {
	user      ghUser
	challenge string
	redirect  string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	f := &fakeGitHub{clientID: "gh-client", clientSecret: "gh-secret", codes: map[string]ghGrant{}, users: map[string]ghUser{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", f.authorize)
	mux.HandleFunc("POST /login/oauth/access_token", f.token)
	mux.HandleFunc("GET /api/v3/user", f.user)
	mux.HandleFunc("GET /api/v3/user/emails", f.emails)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) queue(u ghUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, u)
}

func (f *fakeGitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != f.clientID || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorize request", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	if len(f.next) == 0 {
		f.mu.Unlock()
		http.Error(w, "no user queued", http.StatusInternalServerError)
		return
	}
	u := f.next[0]
	f.next = f.next[1:]
	code := rand.Text()
	f.codes[code] = ghGrant{user: u, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	f.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	v := to.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (f *fakeGitHub) token(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	g, ok := f.codes[r.Form.Get("code")]
	delete(f.codes, r.Form.Get("code"))
	sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
	w.Header().Set("Content-Type", "application/json")
	if !ok || r.Form.Get("client_id") != f.clientID || r.Form.Get("client_secret") != f.clientSecret ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge || r.Form.Get("redirect_uri") != g.redirect {
		f.mu.Unlock()
		// GitHub answers a bad code 200 with an error member.
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "bad_verification_code"})
		return
	}
	tok := rand.Text()
	f.users[tok] = g.user
	f.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer", "scope": "read:user,user:email"})
}

func (f *fakeGitHub) bearer(w http.ResponseWriter, r *http.Request) (ghUser, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok {
		http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
	}
	return u, ok
}

func (f *fakeGitHub) user(w http.ResponseWriter, r *http.Request) {
	if u, ok := f.bearer(w, r); ok {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": u.ID, "login": u.Login, "name": nil})
	}
}

func (f *fakeGitHub) emails(w http.ResponseWriter, r *http.Request) {
	if u, ok := f.bearer(w, r); ok {
		_ = json.NewEncoder(w).Encode(u.Emails)
	}
}

func netListen(addr string) (net.Listener, error) { return net.Listen("tcp", addr) }
