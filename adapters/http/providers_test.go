package httpapi_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/authd/authd/adapters/backendtest"
	authdjwt "github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/adapters/oidc"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// appRedirect is the single-page app's callback in the provider tests.
const appRedirect = "http://127.0.0.1:5173/callback"

// appClient is what a single-page app keeps across the round trip: its PKCE
// verifier and its state.
type appClient struct {
	verifier, challenge, state, redirect string
}

func newAppClient() appClient {
	v := base64.RawURLEncoding.EncodeToString([]byte(rand.Text() + rand.Text())[:32])
	sum := sha256.Sum256([]byte(v))
	return appClient{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:]), state: "app-" + rand.Text(),
		redirect: appRedirect}
}

func (c appClient) query() string {
	return url.Values{"redirect_uri": {c.redirect}, "code_challenge": {c.challenge},
		"code_challenge_method": {"S256"}, "state": {c.state}}.Encode()
}

// browser follows no redirect: each hop is looked at.
var browser = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func location(t testing.TB, r response) *url.URL {
	t.Helper()
	if r.Status != http.StatusFound {
		t.Fatalf("status = %d, want 302; body %s", r.Status, r.Body)
	}
	u, err := url.Parse(r.Header.Get("Location"))
	if err != nil || u.Host == "" {
		t.Fatalf("Location %q: %v", r.Header.Get("Location"), err)
	}
	return u
}

// atProvider is the browser at the provider's authorization URL, tampered
// with first when bend is not nil; it returns where the provider sends it:
// authd's callback.
func atProvider(t testing.TB, to *url.URL, bend func(url.Values)) *url.URL {
	t.Helper()
	if bend != nil {
		q := to.Query()
		bend(q)
		to.RawQuery = q.Encode()
	}
	res, err := browser.Get(to.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("provider authorize: status %d, want 302", res.StatusCode)
	}
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return cb
}

// viaProvider runs authorize → provider → callback and returns authd's answer
// at the callback.
func (e *env) viaProvider(t testing.TB, provider string, c appClient, bend func(url.Values)) response {
	t.Helper()
	to := location(t, e.do(t, "GET", "/v1/auth/providers/"+provider+"/authorize?"+c.query(), nil))
	cb := atProvider(t, to, bend)
	return e.do(t, "GET", cb.RequestURI(), nil)
}

// backToApp checks that r sends the browser back to the app with its state and
// returns the query the app reads.
func backToApp(t testing.TB, r response, c appClient) url.Values {
	t.Helper()
	u := location(t, r)
	u2 := *u
	u2.RawQuery = ""
	if u2.String() != c.redirect {
		t.Fatalf("redirected to %s, want the app's %s", u, c.redirect)
	}
	q := u.Query()
	if q.Get("state") != c.state {
		t.Fatalf("state = %q, want the app's %q", q.Get("state"), c.state)
	}
	return q
}

// wantBackError fails unless r sends the app the error code.
func wantBackError(t testing.TB, r response, c appClient, code string) {
	t.Helper()
	q := backToApp(t, r, c)
	if q.Get("error") != code || q.Get("code") != "" {
		t.Fatalf("back to the app with %v, want error=%s and no code", q, code)
	}
}

// providerEnv is an env with the test providers; mocklink auto-links.
func providerEnv(t *testing.T, backend string) (*env, *idps) {
	t.Helper()
	p := newIdPs(t)
	e := newEnvWith(t, backend, envSetup{providers: p.providers, config: func(c *app.Config) {
		c.ProviderAutoLink = map[string]bool{"mocklink": true}
		allow, err := domain.ParseRedirectAllowList([]string{appRedirect})
		if err != nil {
			t.Fatal(err)
		}
		c.RedirectURLs = allow
	}})
	return e, p
}

// member signs up, activates and logs in an account with a password.
func (e *env) member(t testing.TB, email string) tokens {
	t.Helper()
	e.activeUser(t, email)
	return e.login(t, email)
}

func identitiesOf(t testing.TB, e *env, access string) []map[string]any {
	t.Helper()
	var body struct {
		Identities []map[string]any `json:"identities"`
	}
	r := e.do(t, "GET", "/v1/auth/identities", nil, bearer(access))
	r.expect(t, 200, "")
	r.decode(t, &body)
	return body.Identities
}

func TestProviderFlowRefusals(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, p := providerEnv(t, backend)

		t.Run("an unknown provider is 404", func(t *testing.T) {
			c := newAppClient()
			e.do(t, "GET", "/v1/auth/providers/nope/authorize?"+c.query(), nil).expect(t, 404, "not_found")
		})

		t.Run("a bad challenge goes back to the app as invalid_request", func(t *testing.T) {
			c := newAppClient()
			c.challenge = "short"
			wantBackError(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil), c, "invalid_request")
		})

		t.Run("a tampered state is refused without a redirect", func(t *testing.T) {
			c := newAppClient()
			to := location(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil))
			cb := atProvider(t, to, nil)
			q := cb.Query()
			q.Set("state", q.Get("state")+"x")
			cb.RawQuery = q.Encode()
			r := e.do(t, "GET", cb.RequestURI(), nil)
			r.expect(t, 401, "token_invalid")
			if r.Header.Get("Location") != "" {
				t.Fatalf("a tampered state redirected to %s", r.Header.Get("Location"))
			}
		})

		t.Run("a replayed callback is refused: the flow is single use", func(t *testing.T) {
			c := newAppClient()
			p.oidc.QueueUser(mockUser("replay-"+rand.Text(), uniqEmail("replay"), true))
			to := location(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil))
			cb := atProvider(t, to, nil)
			first := e.do(t, "GET", cb.RequestURI(), nil)
			location(t, first)
			e.do(t, "GET", cb.RequestURI(), nil).expect(t, 401, "token_invalid")
		})

		t.Run("a flow of one provider is not spent at another's callback", func(t *testing.T) {
			c := newAppClient()
			to := location(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil))
			cb := atProvider(t, to, nil)
			e.do(t, "GET", "/v1/auth/providers/mocklink/callback?"+cb.RawQuery, nil).expect(t, 401, "token_invalid")
		})

		t.Run("a wrong nonce is provider_error", func(t *testing.T) {
			c := newAppClient()
			p.oidc.QueueUser(mockUser("nonce-"+rand.Text(), uniqEmail("nonce"), true))
			r := e.viaProvider(t, "mock", c, func(q url.Values) { q.Set("nonce", "attackers-nonce") })
			wantBackError(t, r, c, "provider_error")
		})

		t.Run("an ID token for another audience is provider_error", func(t *testing.T) {
			c := newAppClient()
			p.oidc.QueueUser(oidcUser{MockUser: mockUser("aud-"+rand.Text(), uniqEmail("aud"), true),
				bend: func(ic *mockoidc.IDTokenClaims) { ic.Audience = jwt.ClaimStrings{"another-client"} }})
			wantBackError(t, e.viaProvider(t, "mock", c, nil), c, "provider_error")
		})

		t.Run("an expired ID token is provider_error", func(t *testing.T) {
			c := newAppClient()
			p.oidc.QueueUser(oidcUser{MockUser: mockUser("exp-"+rand.Text(), uniqEmail("exp"), true),
				bend: func(ic *mockoidc.IDTokenClaims) { ic.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)) }})
			wantBackError(t, e.viaProvider(t, "mock", c, nil), c, "provider_error")
		})

		t.Run("a wrong PKCE verifier at the provider is provider_error", func(t *testing.T) {
			c := newAppClient()
			p.oidc.QueueUser(mockUser("pkce-"+rand.Text(), uniqEmail("pkce"), true))
			// The browser swaps authd's challenge for its own: authd's verifier
			// no longer matches at the token endpoint.
			r := e.viaProvider(t, "mock", c, func(q url.Values) { q.Set("code_challenge", newAppClient().challenge) })
			wantBackError(t, r, c, "provider_error")
		})

		t.Run("a provider that answers 500 is provider_error", func(t *testing.T) {
			c := newAppClient()
			to := location(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil))
			cb := atProvider(t, to, nil)
			p.oidc.QueueError(&mockoidc.ServerError{Code: 500, Error: "server_error", Description: "down"})
			wantBackError(t, e.do(t, "GET", cb.RequestURI(), nil), c, "provider_error")
		})

		t.Run("the user refusing at the provider is access_denied", func(t *testing.T) {
			c := newAppClient()
			to := location(t, e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil))
			cb := atProvider(t, to, nil)
			q := url.Values{"state": {cb.Query().Get("state")}, "error": {"access_denied"}}
			wantBackError(t, e.do(t, "GET", "/v1/auth/providers/mock/callback?"+q.Encode(), nil), c, "access_denied")
		})

		t.Run("auto-link off: an existing account's address is account_exists", func(t *testing.T) {
			email := uniqEmail("exists")
			tk := e.member(t, email)
			c := newAppClient()
			p.oidc.QueueUser(mockUser("exists-"+rand.Text(), email, true))
			wantBackError(t, e.viaProvider(t, "mock", c, nil), c, "account_exists")
			if ids := identitiesOf(t, e, tk.AccessToken); len(ids) != 0 {
				t.Fatalf("identities after account_exists = %v, want none", ids)
			}
		})

		t.Run("auto-link on: an unverified address is not linked", func(t *testing.T) {
			email := uniqEmail("unverified")
			tk := e.member(t, email)
			c := newAppClient()
			p.oidc.QueueUser(mockUser("unverified-"+rand.Text(), email, false))
			wantBackError(t, e.viaProvider(t, "mocklink", c, nil), c, "email_not_verified")
			if ids := identitiesOf(t, e, tk.AccessToken); len(ids) != 0 {
				t.Fatalf("identities after an unverified address = %v, want none", ids)
			}
		})

		t.Run("auto-link on: a pending account is not linked", func(t *testing.T) {
			email := uniqEmail("pending")
			e.signUp(t, email)
			c := newAppClient()
			p.oidc.QueueUser(mockUser("pending-"+rand.Text(), email, true))
			wantBackError(t, e.viaProvider(t, "mocklink", c, nil), c, "account_exists")
		})

		t.Run("github: no verified primary address makes no account", func(t *testing.T) {
			c := newAppClient()
			p.gh.queue(ghUser{ID: 9001, Login: "octo", Emails: []map[string]any{
				{"email": uniqEmail("octo"), "primary": true, "verified": false}}})
			wantBackError(t, e.viaProvider(t, "github", c, nil), c, "email_not_verified")
		})
	})
}

func TestProviderLinkAndUnlink(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, p := providerEnv(t, backend)
		link := func(t *testing.T, access, provider string, c appClient) response {
			t.Helper()
			r := e.do(t, "POST", "/v1/auth/identities/"+provider, map[string]string{"redirect_uri": c.redirect,
				"code_challenge": c.challenge, "code_challenge_method": "S256", "state": c.state}, bearer(access))
			r.expect(t, 200, "")
			var body struct {
				URL string `json:"url"`
			}
			r.decode(t, &body)
			to, err := url.Parse(body.URL)
			if err != nil {
				t.Fatal(err)
			}
			return e.do(t, "GET", atProvider(t, to, nil).RequestURI(), nil)
		}

		t.Run("link, list, unlink; a subject linked elsewhere is identity_taken", func(t *testing.T) {
			ann, bob := uniqEmail("ann"), uniqEmail("bob")
			annTk, bobTk := e.member(t, ann), e.member(t, bob)
			ghID := time.Now().UnixNano()
			p.gh.queue(ghUser{ID: ghID, Login: "ann", Emails: []map[string]any{{"email": ann, "primary": true, "verified": true}}})
			c := newAppClient()
			q := backToApp(t, link(t, annTk.AccessToken, "github", c), c)
			if q.Get("linked") != "github" || q.Get("error") != "" {
				t.Fatalf("link answered %v, want linked=github", q)
			}
			ids := identitiesOf(t, e, annTk.AccessToken)
			if len(ids) != 1 || ids[0]["provider"] != "github" || ids[0]["email"] != ann {
				t.Fatalf("identities = %v, want ann's github", ids)
			}

			p.gh.queue(ghUser{ID: ghID, Login: "ann", Emails: []map[string]any{{"email": ann, "primary": true, "verified": true}}})
			c = newAppClient()
			wantBackError(t, link(t, bobTk.AccessToken, "github", c), c, "identity_taken")
			if ids := identitiesOf(t, e, bobTk.AccessToken); len(ids) != 0 {
				t.Fatalf("bob's identities = %v, want none", ids)
			}

			e.do(t, "DELETE", "/v1/auth/identities/github", nil, bearer(annTk.AccessToken)).expect(t, 204, "")
			if ids := identitiesOf(t, e, annTk.AccessToken); len(ids) != 0 {
				t.Fatalf("identities after unlink = %v, want none", ids)
			}
			e.do(t, "DELETE", "/v1/auth/identities/github", nil, bearer(annTk.AccessToken)).expect(t, 404, "not_found")
			// The freed subject links to bob now.
			p.gh.queue(ghUser{ID: ghID, Login: "ann", Emails: []map[string]any{{"email": ann, "primary": true, "verified": true}}})
			c = newAppClient()
			if q := backToApp(t, link(t, bobTk.AccessToken, "github", c), c); q.Get("linked") != "github" {
				t.Fatalf("link of the freed subject answered %v", q)
			}
		})

		t.Run("a bad link request is a validation error, never a redirect", func(t *testing.T) {
			tk := e.member(t, uniqEmail("badlink"))
			c := newAppClient()
			for _, tc := range []struct {
				body  map[string]string
				field string
			}{
				{map[string]string{"redirect_uri": "https://evil.example/cb", "code_challenge": c.challenge, "code_challenge_method": "S256"}, "redirect_uri"},
				{map[string]string{"redirect_uri": c.redirect, "code_challenge": "short", "code_challenge_method": "S256"}, "code_challenge"},
				{map[string]string{"redirect_uri": c.redirect, "code_challenge": c.challenge, "code_challenge_method": "plain"}, "code_challenge_method"},
			} {
				opts := []reqOption{bearer(tk.AccessToken)}
				if tc.field != "redirect_uri" {
					opts = append(opts, invalidRequest("a challenge the schema refuses, on purpose"))
				}
				p := e.do(t, "POST", "/v1/auth/identities/github", tc.body, opts...).expect(t, 422, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
					t.Fatalf("%v: errors %+v, want one on %s", tc.body, p.Errors, tc.field)
				}
			}
			e.do(t, "POST", "/v1/auth/identities/nope", map[string]string{"redirect_uri": c.redirect,
				"code_challenge": c.challenge, "code_challenge_method": "S256"}, bearer(tk.AccessToken)).expect(t, 404, "not_found")
		})

		t.Run("linking needs a fresh token", func(t *testing.T) {
			tk := e.member(t, uniqEmail("stale"))
			r := e.refresh(t, tk.RefreshToken)
			var fresh tokens
			r.decode(t, &fresh)
			c := newAppClient()
			e.do(t, "POST", "/v1/auth/identities/github", map[string]string{"redirect_uri": c.redirect,
				"code_challenge": c.challenge, "code_challenge_method": "S256"}, bearer(fresh.AccessToken)).
				expect(t, 401, "fresh_token_required")
			e.do(t, "DELETE", "/v1/auth/identities/github", nil, bearer(fresh.AccessToken)).expect(t, 401, "fresh_token_required")
		})
	})
}

// TestProviderDownAtStart: a provider that cannot be reached when authd starts
// answers provider_error, and works once it is up, without a restart.
func TestProviderDownAtStart(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	ps := oidc.New([]oidc.Config{{Name: "late", Kind: oidc.KindOIDC, ClientID: "c", ClientSecret: "s",
		Issuer: "http://" + addr + "/oidc", RedirectURL: testCallbackBase + "late/callback"}},
		oidc.Options{RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	t.Cleanup(ps.Close)
	e := newEnvWith(t, "sqlite", envSetup{providers: ps, config: func(c *app.Config) {
		c.RedirectURLs, _ = domain.ParseRedirectAllowList([]string{appRedirect})
	}})
	c := newAppClient()
	e.do(t, "GET", "/v1/auth/providers/late/authorize?"+c.query(), nil).expect(t, 502, "provider_error")

	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := netListen(addr)
	if err != nil {
		t.Skipf("the port went to someone else: %v", err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	waitReady(t, ps, "late")
	to := location(t, e.do(t, "GET", "/v1/auth/providers/late/authorize?"+c.query(), nil))
	if to.Host != addr {
		t.Fatalf("authorize sent the browser to %s, want the provider at %s", to, addr)
	}
}

// exchange redeems the app's code at POST /v1/auth/token.
func (e *env) exchange(t testing.TB, code string, c appClient) response {
	t.Helper()
	return e.do(t, "POST", "/v1/auth/token", map[string]string{"grant_type": "authorization_code", "code": code,
		"code_verifier": c.verifier, "redirect_uri": c.redirect})
}

// signInVia runs the whole round trip as a new app client and returns the
// session's tokens.
func (e *env) signInVia(t testing.TB, provider string) tokens {
	t.Helper()
	c := newAppClient()
	q := backToApp(t, e.viaProvider(t, provider, c, nil), c)
	if q.Get("code") == "" {
		t.Fatalf("back to the app with %v, want a code", q)
	}
	r := e.exchange(t, q.Get("code"), c)
	r.expect(t, 200, "")
	var tk tokens
	r.decode(t, &tk)
	return tk
}

func TestNoProvidersListed(t *testing.T) {
	e := newEnv(t, "sqlite")
	r := e.do(t, "GET", "/v1/auth/providers", nil)
	r.expect(t, 200, "")
	if string(r.Body) != `{"providers":[]}` {
		t.Fatalf("without providers: %s", r.Body)
	}
}

func TestProviderSignIn(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		raw, err := authdjwt.GenerateEd25519Seed()
		if err != nil {
			t.Fatal(err)
		}
		seed := ed25519.NewKeyFromSeed(raw)
		p := newIdPs(t)
		e := newEnvWith(t, backend, envSetup{providers: p.providers, signingKey: seed, config: func(c *app.Config) {
			c.ProviderAutoLink = map[string]bool{"mocklink": true}
			c.RedirectURLs, _ = domain.ParseRedirectAllowList([]string{appRedirect})
		}})
		pub := seed.Public().(ed25519.PublicKey)

		t.Run("the configured providers are listed in order, for a login page", func(t *testing.T) {
			var body struct {
				Providers []struct {
					Name string `json:"name"`
				} `json:"providers"`
			}
			e.do(t, "GET", "/v1/auth/providers", nil).decode(t, &body)
			var names []string
			for _, p := range body.Providers {
				names = append(names, p.Name)
			}
			if !slices.Equal(names, []string{"mock", "mocklink", "github"}) {
				t.Fatalf("providers %v, want mock, mocklink, github", names)
			}
		})

		t.Run("a new subject makes an active account without a password; it returns to the same account", func(t *testing.T) {
			email := uniqEmail("new")
			sub := "new-" + rand.Text()
			p.oidc.QueueUser(mockUser(sub, email, true))
			tk := e.signInVia(t, "mock")
			if tk.User.Email != email || tk.User.Status != "active" {
				t.Fatalf("user = %+v, want an active %s", tk.User, email)
			}
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"fed"}) {
				t.Fatalf("aal %q amr %v, want aal1 [fed]", aal, amr)
			}
			e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 401, "invalid_credentials")
			var evs struct {
				Events []struct {
					Type string         `json:"type"`
					Data map[string]any `json:"data"`
				} `json:"events"`
			}
			e.do(t, "GET", "/v1/auth/events", nil, bearer(tk.AccessToken)).decode(t, &evs)
			var got []string
			for _, ev := range evs.Events {
				got = append(got, ev.Type)
				if ev.Type == "identity.linked" && ev.Data["provider"] != "mock" || ev.Type == "login.succeeded" && ev.Data["method"] != "fed" {
					t.Errorf("event %s data %v", ev.Type, ev.Data)
				}
			}
			if !slices.Contains(got, "user.created") || !slices.Contains(got, "identity.linked") || !slices.Contains(got, "login.succeeded") {
				t.Fatalf("events = %v, want user.created, identity.linked and login.succeeded", got)
			}
			p.oidc.QueueUser(mockUser(sub, email, true))
			again := e.signInVia(t, "mock")
			if again.User.ID != tk.User.ID {
				t.Fatalf("returning user got account %s, want %s", again.User.ID, tk.User.ID)
			}
			ids := identitiesOf(t, e, again.AccessToken)
			if len(ids) != 1 || ids[0]["subject"] != sub || ids[0]["last_used_at"] == nil {
				t.Fatalf("identities = %v, want the mock one, used", ids)
			}
			// The only way in: unlinking is refused; with a second identity it is not.
			e.do(t, "DELETE", "/v1/auth/identities/mock", nil, bearer(again.AccessToken)).expect(t, 409, "last_login_method")
			p.gh.queue(ghUser{ID: time.Now().UnixNano(), Login: "new", Emails: []map[string]any{{"email": email, "primary": true, "verified": true}}})
			c := newAppClient()
			r := e.do(t, "POST", "/v1/auth/identities/github", map[string]string{"redirect_uri": c.redirect,
				"code_challenge": c.challenge, "code_challenge_method": "S256", "state": c.state}, bearer(again.AccessToken))
			r.expect(t, 200, "")
			var link struct {
				URL string `json:"url"`
			}
			r.decode(t, &link)
			to, _ := url.Parse(link.URL)
			if q := backToApp(t, e.do(t, "GET", atProvider(t, to, nil).RequestURI(), nil), c); q.Get("linked") != "github" {
				t.Fatalf("link answered %v", q)
			}
			e.do(t, "DELETE", "/v1/auth/identities/mock", nil, bearer(again.AccessToken)).expect(t, 204, "")
			e.do(t, "DELETE", "/v1/auth/identities/github", nil, bearer(again.AccessToken)).expect(t, 409, "last_login_method")
		})

		t.Run("an account made by a provider sets a password by the forgot mail; then it may unlink", func(t *testing.T) {
			email := uniqEmail("fed-pw")
			p.oidc.QueueUser(mockUser("pw-"+rand.Text(), email, true))
			tk := e.signInVia(t, "mock")
			e.do(t, "DELETE", "/v1/auth/identities/mock", nil, bearer(tk.AccessToken)).expect(t, 409, "last_login_method")
			e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 202, "")
			e.settle(t)
			reset := e.mail.resetFor(email)
			if reset == "" {
				t.Fatal("no reset mail to the provider's account")
			}
			e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": reset, "new_password": password}).expect(t, 204, "")
			fresh := e.login(t, email) // the password works now
			e.do(t, "DELETE", "/v1/auth/identities/mock", nil, bearer(fresh.AccessToken)).expect(t, 204, "")
			if ids := identitiesOf(t, e, fresh.AccessToken); len(ids) != 0 {
				t.Fatalf("identities after unlink = %v, want none", ids)
			}
		})

		t.Run("auto-link on: a verified address links the active account", func(t *testing.T) {
			email := uniqEmail("autolink")
			id := e.activeUser(t, email)
			p.oidc.QueueUser(mockUser("autolink-"+rand.Text(), email, true))
			tk := e.signInVia(t, "mocklink")
			if tk.User.ID != id {
				t.Fatalf("signed in to %s, want the existing account %s", tk.User.ID, id)
			}
			// The account keeps its password; unlinking leaves it that.
			e.do(t, "DELETE", "/v1/auth/identities/mocklink", nil, bearer(tk.AccessToken)).expect(t, 204, "")
		})

		t.Run("github: a verified primary address makes the account", func(t *testing.T) {
			email := uniqEmail("octo")
			p.gh.queue(ghUser{ID: time.Now().UnixNano(), Login: "octocat", Emails: []map[string]any{
				{"email": uniqEmail("secondary"), "primary": false, "verified": true},
				{"email": email, "primary": true, "verified": true}}})
			tk := e.signInVia(t, "github")
			if tk.User.Email != email || tk.User.Name != "octocat" {
				t.Fatalf("user = %+v, want %s named octocat", tk.User, email)
			}
		})

		t.Run("the code is single use and needs the app's verifier and redirect_uri", func(t *testing.T) {
			p.oidc.QueueUser(mockUser("code-"+rand.Text(), uniqEmail("code"), true))
			c := newAppClient()
			code := backToApp(t, e.viaProvider(t, "mock", c, nil), c).Get("code")
			wrong := c
			wrong.verifier = newAppClient().verifier
			e.exchange(t, code, wrong).expect(t, 401, "token_invalid")
			// The wrong verifier spent it: the right one finds nothing now.
			e.exchange(t, code, c).expect(t, 401, "token_invalid")

			p.oidc.QueueUser(mockUser("code2-"+rand.Text(), uniqEmail("code"), true))
			c = newAppClient()
			code = backToApp(t, e.viaProvider(t, "mock", c, nil), c).Get("code")
			e.exchange(t, code, c).expect(t, 200, "")
			e.exchange(t, code, c).expect(t, 401, "token_invalid")
		})

		t.Run("a redirect_uri not on the list is refused without a redirect", func(t *testing.T) {
			for _, uri := range []string{"https://evil.example/callback", "http://127.0.0.1:5173/callback/../x", "http://localhost.evil.example:5173/callback"} {
				c := newAppClient()
				c.redirect = uri
				r := e.do(t, "GET", "/v1/auth/providers/mock/authorize?"+c.query(), nil)
				p := r.expect(t, 422, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != "redirect_uri" || r.Header.Get("Location") != "" {
					t.Fatalf("%s: %+v, Location %q; want a redirect_uri error and no redirect", uri, p, r.Header.Get("Location"))
				}
			}
			// Another loopback port is the same app (RFC 8252 §7.3).
			c := newAppClient()
			c.redirect = "http://127.0.0.1:49152/callback"
			p.oidc.QueueUser(mockUser("port-"+rand.Text(), uniqEmail("port"), true))
			if q := backToApp(t, e.viaProvider(t, "mock", c, nil), c); q.Get("code") == "" {
				t.Fatalf("loopback on another port: %v, want a code", q)
			}
		})

		t.Run("a disabled account is account_disabled, with no code", func(t *testing.T) {
			email, sub := uniqEmail("disabled"), "disabled-"+rand.Text()
			p.oidc.QueueUser(mockUser(sub, email, true))
			tk := e.signInVia(t, "mock")
			if _, err := e.backend.Users().Update(t.Context(), tk.User.ID, func(u *domain.User) (domain.Effects, error) {
				u.Status = domain.StatusDisabled
				return domain.Effects{}, nil
			}); err != nil {
				t.Fatal(err)
			}
			p.oidc.QueueUser(mockUser(sub, email, true))
			c := newAppClient()
			wantBackError(t, e.viaProvider(t, "mock", c, nil), c, "account_disabled")
		})

		t.Run("MFA still applies", func(t *testing.T) {
			email := uniqEmail("mfa")
			sub := "mfa-" + rand.Text()
			p.oidc.QueueUser(mockUser(sub, email, true))
			tk := e.signInVia(t, "mock")
			e.enableMFA(t, tk.AccessToken)
			p.oidc.QueueUser(mockUser(sub, email, true))
			c := newAppClient()
			code := backToApp(t, e.viaProvider(t, "mock", c, nil), c).Get("code")
			e.exchange(t, code, c).expect(t, 401, "mfa_required")
		})
	})
}
