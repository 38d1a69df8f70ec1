package httpapi_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

const appCallback = "https://app.example.com/auth/callback"

// redirecting turns sign-in by mail on with the app's callback and a native
// app's loopback URL allowed.
func redirecting(c *app.Config) {
	passwordless(false)(c)
	c.LockoutThreshold = 20
	var err error
	if c.RedirectURLs, err = domain.ParseRedirectAllowList([]string{appCallback, "http://127.0.0.1/native"}); err != nil {
		panic(err)
	}
}

// pkce is an app's verifier and its S256 challenge (RFC 7636 §4.1–4.2).
func pkce(t testing.TB) (verifier, challenge string) {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	verifier = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// linkToApp asks for a sign-in mail that ends at redirectURI and returns the
// mail's link token.
func (e *env) linkToApp(t *testing.T, email, redirectURI, challenge, state string) string {
	t.Helper()
	e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email, "redirect_uri": redirectURI,
		"code_challenge": challenge, "code_challenge_method": "S256", "state": state}).expect(t, 202, "")
	e.settle(t)
	mails := e.mail.signInsFor(email)
	if len(mails) == 0 {
		t.Fatalf("no sign-in mail to %s", email)
	}
	return mails[len(mails)-1].Token
}

// authorize presses the sign-in page's button and returns the URL the browser
// is sent to, parsed.
func (e *env) authorize(t *testing.T, token string) *url.URL {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/otp/authorize", map[string]string{"token": token})
	r.expect(t, 200, "")
	var body struct {
		RedirectTo string `json:"redirect_to"`
	}
	r.decode(t, &body)
	u, err := url.Parse(body.RedirectTo)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// codeFrom checks that to is redirectURI with the state and returns its code.
func codeFrom(t *testing.T, to *url.URL, redirectURI, state string) string {
	t.Helper()
	q := to.Query()
	base := *to
	base.RawQuery = ""
	if base.String() != redirectURI || q.Get("state") != state || len(q.Get("code")) < 43 || q.Get("error") != "" {
		t.Fatalf("redirect to %s: want %s with a code and state %q", to, redirectURI, state)
	}
	return q.Get("code")
}

func (e *env) redeem(t *testing.T, code, verifier, redirectURI string) response {
	t.Helper()
	return e.do(t, "POST", "/v1/auth/token", map[string]string{"grant_type": "authorization_code", "code": code,
		"code_verifier": verifier, "redirect_uri": redirectURI})
}

func TestSignInLinkToTheApp(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, redirecting)

		t.Run("page, button, redirect with a code, PKCE exchange: a session with amr email", func(t *testing.T) {
			email := uniqEmail("rd")
			e.activeUser(t, email)
			verifier, challenge := pkce(t)
			token := e.linkToApp(t, email, appCallback, challenge, "s t/ate")
			for range 2 { // opening the page spends nothing
				page := e.do(t, "GET", "/sign-in?token="+url.QueryEscape(token), nil)
				if page.Status != 200 || !strings.Contains(string(page.Body), "Continue signing in") {
					t.Fatalf("sign-in page = %d %s", page.Status, page.Body)
				}
			}
			code := codeFrom(t, e.authorize(t, token), appCallback, "s t/ate")
			r := e.redeem(t, code, verifier, appCallback)
			r.expect(t, 200, "")
			var tk tokens
			r.decode(t, &tk)
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"email"}) {
				t.Fatalf("aal %q amr %v, want aal1 [email]", aal, amr)
			}
			e.do(t, "GET", "/v1/auth/me", nil, bearer(tk.AccessToken)).expect(t, 200, "")
			if p := e.redeem(t, code, verifier, appCallback).expect(t, 401, "token_invalid"); p.Error != "invalid_grant" {
				t.Fatalf("replayed code: error %q, want invalid_grant", p.Error)
			}
			e.do(t, "POST", "/v1/auth/otp/authorize", map[string]string{"token": token}).expect(t, 401, "token_invalid")
			if page := e.do(t, "GET", "/sign-in?token="+url.QueryEscape(token), nil); page.Status != 400 ||
				!strings.Contains(string(page.Body), "no longer valid") {
				t.Fatalf("page of a used link = %d %s", page.Status, page.Body)
			}
		})

		t.Run("a wrong verifier or another redirect_uri spends the code", func(t *testing.T) {
			email := uniqEmail("rd-pkce")
			e.activeUser(t, email)
			verifier, challenge := pkce(t)
			other, _ := pkce(t)
			code := codeFrom(t, e.authorize(t, e.linkToApp(t, email, appCallback, challenge, "")), appCallback, "")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {other}, "redirect_uri": {appCallback}}
			p := e.do(t, "POST", "/v1/auth/token", form.Encode(), header("Content-Type", "application/x-www-form-urlencoded")).
				expect(t, 401, "token_invalid")
			if p.Error != "invalid_grant" || p.ErrorDescription == "" {
				t.Fatalf("wrong verifier: error %q %q, want invalid_grant", p.Error, p.ErrorDescription)
			}
			e.redeem(t, code, verifier, appCallback).expect(t, 401, "token_invalid")

			code = codeFrom(t, e.authorize(t, e.linkToApp(t, email, appCallback, challenge, "")), appCallback, "")
			e.redeem(t, code, verifier, appCallback+"?x").expect(t, 401, "token_invalid")
			e.redeem(t, code, verifier, appCallback).expect(t, 401, "token_invalid")
		})

		t.Run("the form encoding works as OAuth libraries send it, client_id and all", func(t *testing.T) {
			email := uniqEmail("rd-form")
			e.activeUser(t, email)
			verifier, challenge := pkce(t)
			code := codeFrom(t, e.authorize(t, e.linkToApp(t, email, appCallback, challenge, "x")), appCallback, "x")
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {appCallback}, "client_id": {"my-spa"}}
			e.do(t, "POST", "/v1/auth/token", form.Encode(), header("Content-Type", "application/x-www-form-urlencoded")).expect(t, 200, "")
			form.Set("grant_type", "password")
			p := e.do(t, "POST", "/v1/auth/token", form.Encode(), header("Content-Type", "application/x-www-form-urlencoded")).
				expect(t, 422, "validation_failed")
			if p.Error != "unsupported_grant_type" {
				t.Fatalf("grant_type password: error %q, want unsupported_grant_type", p.Error)
			}
			twice := form.Encode() + "&code=another"
			e.do(t, "POST", "/v1/auth/token", twice, header("Content-Type", "application/x-www-form-urlencoded")).
				expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/otp/authorize", url.Values{"token": {"x"}}.Encode(),
				header("Content-Type", "application/x-www-form-urlencoded"), invalidRequest("a form where only JSON is accepted")).
				expect(t, 415, "unsupported_media_type")
		})

		t.Run("an expired code is refused", func(t *testing.T) {
			email := uniqEmail("rd-exp")
			e.activeUser(t, email)
			verifier, challenge := pkce(t)
			code := codeFrom(t, e.authorize(t, e.linkToApp(t, email, appCallback, challenge, "")), appCallback, "")
			e.clock.Advance(domain.AuthCodeTTL)
			e.redeem(t, code, verifier, appCallback).expect(t, 401, "token_expired")
		})

		t.Run("redirect_uri must be on the list exactly; loopback IPs on any port", func(t *testing.T) {
			email := uniqEmail("rd-list")
			e.activeUser(t, email)
			_, challenge := pkce(t)
			for _, bad := range []string{"https://evil.example/cb", appCallback + "/", appCallback + "?next=https://evil.example",
				"https://app.example.com.evil.example/auth/callback", "https://app.example.com/auth/callback#x", "http://localhost:8080/native",
				"http://127.0.0.1.evil.example/native", "javascript:alert(1)"} {
				p := e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email, "redirect_uri": bad,
					"code_challenge": challenge, "code_challenge_method": "S256"}).expect(t, 422, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != "redirect_uri" || p.Errors[0].Code != "not_allowed" {
					t.Fatalf("redirect_uri %q: %+v, want not_allowed", bad, p.Errors)
				}
			}
			e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email, "redirect_uri": appCallback,
				"code_challenge": challenge, "code_challenge_method": "plain"},
				invalidRequest("the document allows S256 only")).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email, "redirect_uri": appCallback}).expect(t, 422, "validation_failed")
			e.do(t, "POST", "/v1/auth/otp", map[string]string{"email": email, "redirect_uri": appCallback,
				"code_challenge": challenge, "code_challenge_method": "S256", "state": strings.Repeat("s", 1025)},
				invalidRequest("state longer than the document allows")).expect(t, 422, "validation_failed")
			e.settle(t)
			if n := len(e.mail.signInsFor(email)); n != 0 {
				t.Fatalf("%d mails after refused requests, want none", n)
			}
			verifier, challenge := pkce(t)
			native := "http://127.0.0.1:49152/native"
			code := codeFrom(t, e.authorize(t, e.linkToApp(t, email, native, challenge, "n")), native, "n")
			e.redeem(t, code, verifier, native).expect(t, 200, "")
		})

		t.Run("a link made without a redirect stays for the code; the page says so and spends nothing", func(t *testing.T) {
			email := uniqEmail("rd-none")
			e.activeUser(t, email)
			m, _ := e.requestSignIn(t, email)
			page := e.do(t, "GET", "/sign-in?token="+url.QueryEscape(m.Token), nil)
			if page.Status != 400 || !strings.Contains(string(page.Body), "type the code") {
				t.Fatalf("page of a link without redirect = %d %s", page.Status, page.Body)
			}
			e.do(t, "POST", "/v1/auth/otp/authorize", map[string]string{"token": m.Token}).expect(t, 422, "validation_failed")
			e.verifySignIn(t, map[string]string{"email": email, "code": m.Code}).expect(t, 200, "")
			if page := e.do(t, "GET", "/sign-in", nil); page.Status != 400 || !strings.Contains(string(page.Body), "incomplete") {
				t.Fatalf("page without token = %d %s", page.Status, page.Body)
			}
		})

		t.Run("after the link, an account with MFA still needs its second factor", func(t *testing.T) {
			email := uniqEmail("rd-mfa")
			e.activeUser(t, email)
			secret, _ := e.enableMFA(t, e.login(t, email).AccessToken)
			verifier, challenge := pkce(t)
			code := codeFrom(t, e.authorize(t, e.linkToApp(t, email, appCallback, challenge, "")), appCallback, "")
			r := e.redeem(t, code, verifier, appCallback)
			r.expect(t, 401, "mfa_required")
			var p mfaProblem
			r.decode(t, &p)
			r = e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": codeAt(t, secret, e.clock.Now().Add(30*time.Second))})
			r.expect(t, 200, "")
			var tk tokens
			r.decode(t, &tk)
			if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal2" || !slices.Contains(amr, "email") || !slices.Contains(amr, "otp") {
				t.Fatalf("after MFA: aal %q amr %v, want aal2 with email and otp", aal, amr)
			}
		})

		t.Run("an account disabled after the mail: the app gets the error, not a code", func(t *testing.T) {
			email := uniqEmail("rd-off")
			id := e.activeUser(t, email)
			_, challenge := pkce(t)
			token := e.linkToApp(t, email, appCallback, challenge, "z")
			_, adm := e.admin(t)
			e.do(t, "PATCH", "/v1/users/"+id, map[string]string{"status": "disabled"}, bearer(adm.AccessToken)).expect(t, 200, "")
			to := e.authorize(t, token)
			if q := to.Query(); q.Get("error") != "account_disabled" || q.Get("code") != "" || q.Get("state") != "z" ||
				!strings.HasPrefix(to.String(), appCallback+"?") {
				t.Fatalf("redirect for a disabled account = %s", to)
			}
		})
	})
}
