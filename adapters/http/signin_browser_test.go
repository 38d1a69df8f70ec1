package httpapi_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSignInLinkInBrowser opens a sign-in mail's link in headless Chromium, on
// authd's own page under its Content-Security-Policy, presses the button and
// follows the browser to the app — a native app's loopback listener on a port
// the allow-list does not name — whose code then redeems for a session.
func TestSignInLinkInBrowser(t *testing.T) {
	browser := chromium(t)
	got := make(chan url.Values, 1)
	appSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/native" {
			select {
			case got <- r.URL.Query():
			default:
			}
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><title>app</title><p id=app>the app</p>"))
	}))
	defer appSrv.Close()
	callback := appSrv.URL + "/native" // http://127.0.0.1:PORT/native

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, "sqlite", envSetup{config: redirecting})
	serveOn(t, e, ln)
	origin := "http://" + ln.Addr().String()
	email := uniqEmail("browser-link")
	e.activeUser(t, email)
	verifier, challenge := pkce(t)
	token := e.linkToApp(t, email, callback, challenge, "st")

	bctx := browserTab(t, browser)
	err = chromedp.Do(bctx,
		chromedp.Navigate(origin+"/sign-in?token="+url.QueryEscape(token)),
		chromedp.WaitVisible(chromedp.CSS("#submit")),
	)
	if err != nil {
		t.Fatalf("opening the link: %v", err)
	}
	saveScreenshot(t, bctx, "sign-in.png")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#submit")), chromedp.WaitVisible(chromedp.CSS("#app"))); err != nil {
		t.Fatalf("pressing the button: %v", err)
	}
	var q url.Values
	select {
	case q = <-got:
	case <-bctx.Done():
		t.Fatal("the browser never reached the app")
	}
	if q.Get("state") != "st" || q.Get("code") == "" {
		t.Fatalf("the app got %v, want a code and state st", q)
	}
	location, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href`))
	if err != nil || !strings.HasPrefix(location, callback+"?") {
		t.Fatalf("the browser is at %q (%v), want the app's callback", location, err)
	}
	e.redeem(t, q.Get("code"), verifier, callback).expect(t, 200, "")
	e.redeem(t, q.Get("code"), verifier, callback).expect(t, 401, "token_invalid")
}
