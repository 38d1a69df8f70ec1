package httpapi_test

import (
	"context"
	"net"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/authd/authd/adapters/webauthn"
)

// passkeyPageScript is the README's browser snippet, as the page runs it.
const passkeyPageScript = `
const API = "";
async function post(path, body, token) {
  const r = await fetch(API + path, { method: "POST", body: JSON.stringify(body ?? {}),
    headers: { "Content-Type": "application/json", ...(token && { Authorization: "Bearer " + token }) } });
  if (!r.ok) throw new Error(JSON.stringify(await r.json()));
  return r.json();
}
async function registerPasskey(token, name) {
  const { ceremony_id, publicKey } = await post("/v1/auth/passkeys/register/options", null, token);
  const cred = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey) });
  return post("/v1/auth/passkeys/register", { ceremony_id, credential: cred.toJSON(), name }, token);
}
async function loginWithPasskey(mfa_token) {
  const { ceremony_id, publicKey } = await post("/v1/auth/passkeys/login/options", mfa_token ? { mfa_token } : {});
  const cred = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey) });
  return post("/v1/auth/passkeys/login", { ceremony_id, credential: cred.toJSON(), mfa_token });
}
`

// TestPasskeysInBrowser registers a passkey and logs in with it from a page on
// authd's origin in headless Chromium, whose DevTools virtual authenticator (a
// CTAP2 platform authenticator with user verification) answers the ceremonies.
// The screenshot is in the test's temp dir.
func TestPasskeysInBrowser(t *testing.T) {
	browser := chromium(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// localhost is a secure context and a valid RP ID; an IP address is neither.
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	origin := "http://localhost:" + port
	rp, err := webauthn.New(webauthn.Config{RPID: "localhost", RPName: "authd", Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, "sqlite", envSetup{relyingParty: rp})
	serveOn(t, e, ln)
	email := uniqEmail("browser")
	e.activeUser(t, email)
	access := e.login(t, email).AccessToken

	bctx := browserTab(t, browser)

	err = chromedp.Do(bctx,
		chromedp.Navigate(origin+"/healthz"),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
				Options: &cdpwebauthn.VirtualAuthenticatorOptions{
					Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
					Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true,
					HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
				}})
			return err
		}),
	)
	if err != nil {
		t.Fatalf("starting Chromium with a virtual authenticator: %v", err)
	}
	run := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string]("(async () => {"+passkeyPageScript+"return await ("+expr+");})()", chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("in the page: %v", err)
		}
		return v
	}
	reg := run(`registerPasskey("` + access + `", "Chromium").then(r => r.passkey.name + " " + r.recovery_codes.length + " " + r.user.mfa_enabled)`)
	if reg != "Chromium 10 true" {
		t.Fatalf("registration in the browser: %q, want the passkey, 10 codes, MFA on", reg)
	}
	got := run(`loginWithPasskey().then(r => JSON.parse(atob(r.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))).amr.join(" ") + " " + r.user.email)`)
	if got != "hwk mfa "+email {
		t.Fatalf("passwordless login in the browser: %q, want amr hwk mfa for %s", got, email)
	}
	saveScreenshot(t, bctx, "passkeys.png")
	// The first passkey turned MFA on: the session that registered it is revoked.
	if status := run(`fetch("/v1/auth/passkeys", {headers: {Authorization: "Bearer ` + access + `"}}).then(r => String(r.status))`); status != "401" {
		t.Errorf("the pre-passkey session answers %s after MFA went on, want 401", status)
	}
}
