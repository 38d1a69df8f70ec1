package main

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// TestSignInByMailOverSMTP runs sign-in by mail through the real wiring on every
// backend, with the mail read from a real SMTP server as a client reads it: the
// code from the text part, the link from both parts. With the variable off, the
// endpoints are not there.
// appCallback is the app's callback the e2e tests allow (AUTH_REDIRECT_URLS).
const appCallback = "https://app.example.test/auth/callback"

func TestSignInByMailOverSMTP(t *testing.T) {
	const publicURL = "https://auth.example.test"
	backendtest.Each(t, func(t *testing.T, backend string) {
		mb := smtptest.Start(t, smtptest.Options{})
		s := startServer(t, testConfig(t, backendtest.URL(t, backend), map[string]string{
			"AUTH_SMTP_URL": "smtp://" + mb.Addr(), "AUTH_MAIL_FROM": "authd <no-reply@example.com>",
			"AUTH_PUBLIC_URL": publicURL, "AUTH_SMTP_TIMEOUT": "5s",
			"AUTH_PASSWORDLESS": "true", "AUTH_PASSWORDLESS_SIGNUP": "true",
			"AUTH_REDIRECT_URLS": appCallback,
		}))
		email := "sol-" + strings.ToLower(backend) + "@example.com"
		s.expect(202, "POST", "/v1/auth/otp", "", map[string]any{"email": email})
		d := mb.Next(t, 15*time.Second)
		_, parts := readMail(t, d.Data)
		// The code stands on a line of its own in the text part.
		m := regexp.MustCompile(`(?m)^\s+([0-9]{6})\s*$`).FindStringSubmatch(parts["text/plain"])
		code := ""
		if m != nil {
			code = m[1]
		}
		if code == "" || !strings.Contains(parts["text/html"], code) {
			t.Fatalf("no 6-digit code in both parts:\n%s\n%s", parts["text/plain"], parts["text/html"])
		}
		token := mailToken(t, d, email, "Your sign-in code: "+code, publicURL, "/sign-in")
		out := s.expect(200, "POST", "/v1/auth/otp/verify", "", map[string]any{"email": email, "code": code})
		if u, _ := out["user"].(map[string]any); u["email"] != email || u["status"] != "active" {
			t.Fatalf("verify: user %v, want the new active account of %s", out["user"], email)
		}
		// One pair: the code spent it, so its link is spent too.
		s.expect(401, "POST", "/v1/auth/otp/verify", "", map[string]any{"token": token})

		// A link that ends at the app: the page, its button, the code, PKCE.
		verifier := "e2e-verifier-" + strings.Repeat("v", 40)
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		s.expect(202, "POST", "/v1/auth/otp", "", map[string]any{"email": email, "redirect_uri": appCallback,
			"code_challenge": challenge, "code_challenge_method": "S256", "state": "s1"})
		d = mb.Next(t, 15*time.Second)
		h, _ := readMail(t, d.Data)
		token = mailToken(t, d, email, h.Get("Subject"), publicURL, "/sign-in")
		page, err := http.Get(s.base + "/sign-in?token=" + url.QueryEscape(token))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if page.StatusCode != 200 || !strings.Contains(string(body), "Continue signing in") ||
			!strings.Contains(page.Header.Get("Content-Security-Policy"), "script-src 'nonce-") {
			t.Fatalf("sign-in page: %d %s", page.StatusCode, body)
		}
		out = s.expect(200, "POST", "/v1/auth/otp/authorize", "", map[string]any{"token": token})
		to, err := url.Parse(out["redirect_to"].(string))
		if err != nil || !strings.HasPrefix(to.String(), appCallback+"?") || to.Query().Get("state") != "s1" {
			t.Fatalf("redirect_to %v (%v), want the app with state s1", out["redirect_to"], err)
		}
		res, err := http.PostForm(s.base+"/v1/auth/token", url.Values{"grant_type": {"authorization_code"},
			"code": {to.Query().Get("code")}, "code_verifier": {verifier}, "redirect_uri": {appCallback}})
		if err != nil {
			t.Fatal(err)
		}
		var tk struct {
			AccessToken string `json:"access_token"`
		}
		err = json.NewDecoder(res.Body).Decode(&tk)
		res.Body.Close()
		if res.StatusCode != 200 || err != nil || tk.AccessToken == "" {
			t.Fatalf("token exchange: %d %v", res.StatusCode, err)
		}
		s.expect(200, "GET", "/v1/auth/me", tk.AccessToken, nil)
	})

	off := startServer(t, testConfig(t, backendtest.URL(t, "sqlite"), nil))
	off.expect(404, "POST", "/v1/auth/otp", "", map[string]any{"email": "sol@example.com"})
}
