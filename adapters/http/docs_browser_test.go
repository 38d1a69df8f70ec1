package httpapi_test

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// recordViolations runs in the page before its own scripts (DevTools injects it,
// outside the page's policy) and keeps every securitypolicyviolation event.
const recordViolations = `window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + e.blockedURI + " (" + e.sourceFile + ":" + e.lineNumber + ")");
});`

// chromium returns the path of the Debian chromium package's browser, or skips
// the test (fails it under AUTH_TEST_REQUIRE_ALL=1) when there is none.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const why = "no chromium on PATH (Debian: apt-get install chromium)"
	if os.Getenv("AUTH_TEST_REQUIRE_ALL") == "1" {
		t.Fatal(why + "; AUTH_TEST_REQUIRE_ALL=1 requires the browser test")
	}
	t.Skip(why)
	return ""
}

// headless is how the browser tests start Debian's chromium: headless, with a fresh
// profile, and without the background connections this machine's closed network
// refuses; extra options follow.
// saveScreenshot writes the page of bctx as a PNG named name in the test's temp
// dir and logs where.
func saveScreenshot(t *testing.T, bctx context.Context, name string) {
	t.Helper()
	screenshot, err := chromedp.Run(bctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(screenshot))
}

func headless(t *testing.T, browser string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	return append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(browser),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)
}

// browserTab starts the headless browser with headless's options and returns a
// tab's context, bounded at 90 s; the test's cleanup closes the tab and the browser
// (before the servers and the profile directory registered earlier go).
func browserTab(t *testing.T, browser string, extra ...chromedp.ExecAllocatorOption) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, headless(t, browser, extra...)...)
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	return bctx
}

// pageLog is what the page did, as DevTools reports it.
type pageLog struct {
	mu       sync.Mutex
	requests []string // every URL the page requested
	problems []string // console errors, CSP reports and uncaught exceptions
}

func (l *pageLog) add(list *[]string, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, s)
}

func (l *pageLog) snapshot() (requests, problems []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...), append([]string(nil), l.problems...)
}

// TestDocsInBrowser opens /docs of the real HTTP app in headless Chromium and
// checks that Swagger UI renders every operation, that "Try it out" reaches the
// origin serving the page, that every request the page made went to that origin,
// and that nothing broke the page's Content-Security-Policy. The screenshot is in
// the test's temp dir, and also at $AUTH_TEST_SCREENSHOT when that is set.
func TestDocsInBrowser(t *testing.T) {
	browser := chromium(t)
	e := newEnv(t, "sqlite")
	srv := served(t, e)
	origin := srv.base

	bctx := browserTab(t, browser, chromedp.WindowSize(1280, 1600))

	var pl pageLog
	err := chromedp.Listen(bctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			pl.add(&pl.requests, ev.Request.URL)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Source == log.EntrySourceSecurity {
				pl.add(&pl.problems, "log "+string(ev.Entry.Source)+": "+ev.Entry.Text)
			}
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				pl.add(&pl.problems, "console "+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			pl.add(&pl.problems, "exception: "+ev.ExceptionDetails.Text+" "+exceptionText(ev.ExceptionDetails))
		}
	})

	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	operations := 0
	for _, item := range specDoc(t).Paths.Map() {
		operations += len(item.Operations())
	}
	const healthz = "#operations-operations-healthz"
	err = chromedp.Do(bctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, tg, log.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, tg, runtime.Enable, cdp.Empty{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations})
			return err
		}),
		chromedp.Navigate(origin+"/docs"),
		chromedp.WaitVisible(chromedp.CSS(".opblock")),
	)
	if err != nil {
		_, problems := pl.snapshot()
		t.Fatalf("opening %s/docs in Chromium: %v\npage problems: %q", origin, err, problems)
	}
	rendered, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll(".opblock").length`))
	if err != nil {
		t.Fatal(err)
	}
	screenshot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	// Try it out on GET /healthz: the call must reach this origin and answer 200.
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(healthz+" .opblock-summary-control")),
		chromedp.Click(chromedp.CSS(healthz+" .try-out__btn")),
		chromedp.Click(chromedp.CSS(healthz+" .execute")),
		chromedp.WaitVisible(chromedp.CSS(healthz+" .live-responses-table tbody .response-col_status")),
	)
	if err != nil {
		_, problems := pl.snapshot()
		t.Fatalf("Try it out on GET /healthz: %v\npage problems: %q", err, problems)
	}
	status, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(healthz+" .live-responses-table tbody .response-col_status")))
	if err != nil {
		t.Fatal(err)
	}
	violations, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`window.__cspViolations`))
	if err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "docs.png")
	if dst := os.Getenv("AUTH_TEST_SCREENSHOT"); dst != "" {
		path = dst
	}
	if err := os.WriteFile(path, screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(screenshot))

	if rendered < operations {
		t.Errorf("Swagger UI rendered %d operations, want at least the document's %d", rendered, operations)
	}
	if strings.TrimSpace(status) != "200" {
		t.Errorf("Try it out on GET /healthz shows status %q, want 200", status)
	}
	requests, problems := pl.snapshot()
	sawHealthz := false
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("page requested %q, which is no URL", r)
			continue
		}
		if u.Scheme == "data" {
			continue // an inline image of swagger-ui.css, no request to any host
		}
		if u.Scheme+"://"+u.Host != origin {
			t.Errorf("page requested %s; want only requests to %s", r, origin)
		}
		sawHealthz = sawHealthz || u.Path == "/healthz"
	}
	if len(requests) < 6 || !sawHealthz {
		t.Errorf("page made %d requests (GET /healthz among them: %v), want the page, its assets, the document and the try-it call:\n%s",
			len(requests), sawHealthz, strings.Join(requests, "\n"))
	}
	if len(violations) > 0 {
		t.Errorf("the page broke its Content-Security-Policy:\n%s", strings.Join(violations, "\n"))
	}
	if len(problems) > 0 {
		t.Errorf("the page reported errors:\n%s", strings.Join(problems, "\n"))
	}
}

// exceptionText is the message of an uncaught exception.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d.Exception == nil {
		return ""
	}
	if d.Exception.Description != "" {
		return d.Exception.Description
	}
	var s string
	_ = json.Unmarshal(d.Exception.Value, &s)
	return s
}
