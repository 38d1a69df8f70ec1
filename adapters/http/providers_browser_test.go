package httpapi_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/authd/authd/adapters/oidc"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// readmeSPASnippet is the README's single-page-app JavaScript for sign-in
// through a provider, as the README shows it.
func readmeSPASnippet(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### A single-page app's side")
	m := regexp.MustCompile("(?s)```js\n(.*?)```").FindStringSubmatch(section)
	if !ok || m == nil {
		t.Fatal("README has no JavaScript block under \"A single-page app's side\"")
	}
	return m[1]
}

// TestProviderSignInFromTheREADMEInBrowser runs the README's single-page-app
// snippet in headless Chromium on an app's own origin: its button sends the
// browser to authd, on to a real OpenID Connect provider (mockoidc, which
// approves at once), back through authd's callback to the app's callback page,
// whose code the snippet exchanges cross-origin with its PKCE verifier.
func TestProviderSignInFromTheREADMEInBrowser(t *testing.T) {
	browser := chromium(t)
	snippet := readmeSPASnippet(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	authd := "http://" + ln.Addr().String()
	appMux := http.NewServeMux()
	appSrv := httptest.NewServer(appMux)
	defer appSrv.Close()
	callback := appSrv.URL + "/auth/callback"

	const head = `const AUTHD = "https://auth.example.com", CALLBACK = "https://app.example.com/auth/callback";`
	if !strings.HasPrefix(snippet, head) {
		t.Fatalf("the snippet no longer starts with %s", head)
	}
	script := `const AUTHD = "` + authd + `", CALLBACK = "` + callback + `";` + strings.TrimPrefix(snippet, head)
	page := func(run string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<!doctype html><title>app</title><script>" + script + "\n" + run + "</script>"))
		}
	}
	appMux.HandleFunc("/", page(`document.title = "start";`))
	appMux.HandleFunc("/auth/callback", page(`onCallback().then(r => { window.__result = JSON.stringify(r); },
  e => { window.__result = "error: " + e.message; });`))

	idp := newIdPs(t).oidc
	ps := oidc.New([]oidc.Config{{Name: "browser", Kind: oidc.KindOIDC, ClientID: idp.ClientID, ClientSecret: idp.ClientSecret,
		Issuer: idp.Issuer(), RedirectURL: authd + "/v1/auth/providers/browser/callback"}},
		oidc.Options{RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	t.Cleanup(ps.Close)
	waitReady(t, ps, "browser")
	e := newEnvWith(t, "sqlite", envSetup{providers: ps, config: func(c *app.Config) {
		c.RedirectURLs, _ = domain.ParseRedirectAllowList([]string{callback})
	}})
	serveOn(t, e, ln)
	email := uniqEmail("spa")
	idp.QueueUser(mockUser("spa-"+email, email, true))

	bctx := browserTab(t, browser)
	// The app's "Sign in with …" button: signIn("browser").
	if err := chromedp.Do(bctx, chromedp.Navigate(appSrv.URL+"/")); err != nil {
		t.Fatalf("opening the app: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[string](`signIn("browser"); "started"`)); err != nil {
		t.Fatalf("signIn in the app: %v", err)
	}
	var result string
	for result == "" {
		if bctx.Err() != nil {
			t.Fatal("no result on the app's callback page in time")
		}
		time.Sleep(100 * time.Millisecond)
		result, _ = chromedp.Run(bctx, chromedp.Evaluate[string](`window.__result || ""`))
	}
	if !strings.Contains(result, `"access_token"`) || !strings.Contains(result, `"email":"`+email+`"`) {
		t.Fatalf("the snippet's onCallback gave %s, want the token response of %s", result, email)
	}
	loc, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.origin + location.pathname`))
	if err != nil || loc != callback {
		t.Fatalf("the browser ended at %q (%v), want the app's callback %s", loc, err, callback)
	}
}
