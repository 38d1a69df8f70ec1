package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	httpapi "github.com/authd/authd/adapters/http"
)

// docsPolicy is the Content-Security-Policy /docs must carry.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'" +
	"; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// TestDocsRoutes checks the headers of the documentation routes: status, media
// type, policy, caching and compression.
func TestDocsRoutes(t *testing.T) {
	e := newEnv(t, "sqlite")
	cases := []struct {
		name, path, acceptEncoding      string
		status                          int
		contentType, policy, cache      string
		contentEncoding, vary, location string
		offSpec                         string
	}{
		{name: "swagger ui page", path: "/docs", status: 200, contentType: "text/html; charset=utf-8",
			policy: docsPolicy, cache: "public, max-age=300"},
		{name: "page with a trailing slash", path: "/docs/", status: 301, location: "../docs",
			cache: "public, max-age=300", offSpec: slashed},
		{name: "reference page", path: "/docs/reference", status: 200, contentType: "text/html; charset=utf-8",
			policy: "default-src 'none'; style-src 'unsafe-inline'; script-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
			cache:  "public, max-age=300"},
		{name: "reference with a trailing slash", path: "/docs/reference/", status: 301, location: "../reference",
			cache: "public, max-age=300", offSpec: slashed},
		{name: "bundle, no Accept-Encoding", path: "/docs/assets/swagger-ui-bundle.js", status: 200,
			contentType: "text/javascript; charset=utf-8", cache: "public, max-age=86400", vary: "Accept-Encoding"},
		{name: "bundle, gzip accepted", path: "/docs/assets/swagger-ui-bundle.js", acceptEncoding: "br, gzip;q=0.8", status: 200,
			contentType: "text/javascript; charset=utf-8", cache: "public, max-age=86400", contentEncoding: "gzip", vary: "Accept-Encoding"},
		{name: "style, gzip refused", path: "/docs/assets/swagger-ui.css", acceptEncoding: "gzip;q=0, *", status: 200,
			contentType: "text/css; charset=utf-8", cache: "public, max-age=86400", vary: "Accept-Encoding"},
		{name: "start-up script", path: "/docs/assets/docs.js", acceptEncoding: "gzip", status: 200,
			contentType: "text/javascript; charset=utf-8", cache: "public, max-age=86400"},
		{name: "icon", path: "/docs/assets/favicon-32x32.png", status: 200, contentType: "image/png", cache: "public, max-age=86400"},
		{name: "unknown asset", path: "/docs/assets/swagger-ui.js", status: 404, contentType: "application/problem+json",
			cache: "no-store", offSpec: "the name is not one of the assets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts []reqOption
			if c.acceptEncoding != "" {
				opts = append(opts, header("Accept-Encoding", c.acceptEncoding))
			}
			if c.offSpec != "" {
				opts = append(opts, invalidRequest(c.offSpec))
			}
			var r response
			if c.offSpec == slashed {
				r = e.raw(t, "GET", c.path)
			} else {
				r = e.do(t, "GET", c.path, nil, opts...)
			}
			if r.Status != c.status {
				t.Fatalf("status = %d, want %d; body: %.200s", r.Status, c.status, r.Body)
			}
			for _, h := range []struct{ name, want string }{
				{"Content-Type", c.contentType},
				{"Content-Security-Policy", c.policy},
				{"Cache-Control", c.cache},
				{"Content-Encoding", c.contentEncoding},
				{"Location", c.location},
			} {
				if got := r.Header.Get(h.name); got != h.want && (h.name != "Content-Type" || h.want != "") {
					t.Errorf("%s = %q, want %q", h.name, got, h.want)
				}
			}
			if c.vary != "" && !slices.Contains(splitList(r.Header.Values("Vary")), c.vary) {
				t.Errorf("Vary = %q, want it to name %s", r.Header.Values("Vary"), c.vary)
			}
			if c.status == 200 && r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", r.Header.Get("X-Content-Type-Options"))
			}
		})
	}
}

// slashed marks the page paths with a trailing slash: the document has no such
// path (Fiber routes it to the page without one), so env.do, which wants a
// problem document for an undocumented path, cannot send them.
const slashed = "the document's path has no trailing slash"

// raw sends one request through the Fiber app without checking it against the
// document.
func (e *env) raw(t *testing.T, method, path string) response {
	t.Helper()
	res, err := e.api.Test(httptest.NewRequest(method, path, nil), -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: body}
}

func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

// TestDocsAssetsCompressed checks that the gzip form of an asset is the plain one
// compressed, and that the bundle is Swagger UI's.
func TestDocsAssetsCompressed(t *testing.T) {
	e := newEnv(t, "sqlite")
	for _, name := range []string{"swagger-ui-bundle.js", "swagger-ui.css"} {
		plain := e.do(t, "GET", "/docs/assets/"+name, nil)
		gz := e.do(t, "GET", "/docs/assets/"+name, nil, header("Accept-Encoding", "gzip"))
		zr, err := gzip.NewReader(bytes.NewReader(gz.Body))
		if err != nil {
			t.Fatalf("%s: gzip body: %v", name, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: gzip body: %v", name, err)
		}
		if !bytes.Equal(unzipped, plain.Body) || len(plain.Body) < 10_000 || len(gz.Body) >= len(plain.Body) {
			t.Errorf("%s: %d bytes plain, %d gzip, %d unzipped; want the same plain bytes (over 10 kB) both ways, gzip smaller",
				name, len(plain.Body), len(gz.Body), len(unzipped))
		}
	}
	bundle := e.do(t, "GET", "/docs/assets/swagger-ui-bundle.js", nil)
	if !bytes.Contains(bundle.Body, []byte("SwaggerUIBundle")) {
		t.Errorf("swagger-ui-bundle.js does not define SwaggerUIBundle")
	}
}

// TestDocsPageAssets checks that every file the page loads is served, is one of
// the names openapi.json lists, and that the page has no inline script or style
// for its policy to refuse.
func TestDocsPageAssets(t *testing.T) {
	e := newEnv(t, "sqlite")
	page := e.do(t, "GET", "/docs", nil)
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
	var documented []string
	for _, v := range specDoc(t).Paths.Find("/docs/assets/{name}").Get.Parameters[0].Value.Schema.Value.Enum {
		documented = append(documented, v.(string))
	}
	loaded := 0
	for _, m := range refs {
		ref := m[1]
		if strings.Contains(ref, ":") || strings.HasPrefix(ref, "/") {
			t.Errorf("page refers to %q; want a URL relative to the page", ref)
			continue
		}
		name, isAsset := strings.CutPrefix(ref, "docs/assets/")
		if !isAsset {
			continue
		}
		loaded++
		if !slices.Contains(documented, name) {
			t.Errorf("page loads %s, which openapi.json does not list", name)
		}
	}
	if loaded < 4 {
		t.Errorf("page loads %d assets, want the bundle, its style, the start-up script and style", loaded)
	}
	for _, name := range documented {
		if r := e.do(t, "GET", "/docs/assets/"+name, nil); r.Status != 200 || len(r.Body) == 0 {
			t.Errorf("GET /docs/assets/%s = %d with %d bytes, want 200 with the file", name, r.Status, len(r.Body))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllStringSubmatch(string(page.Body), -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("page has an inline script %q; the policy allows only served files", m[0])
		}
	}
	if bytes.Contains(page.Body, []byte("<style")) || bytes.Contains(page.Body, []byte("style=")) {
		t.Errorf("page has inline style; the policy allows only served style sheets")
	}
}

// TestAcceptsGzip checks the reading of Accept-Encoding, q=0 included.
func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"br, gzip;q=0.5", true},
		{"x-gzip", true},
		{"deflate, br", false},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=1.0", true},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"identity", false},
	} {
		if got := httpapi.AcceptsGzip(c.header); got != c.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", c.header, got, c.want)
		}
	}
}
