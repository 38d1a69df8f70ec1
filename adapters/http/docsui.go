package httpapi

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	swaggerui "github.com/swaggest/swgui/v5/static"

	"github.com/authd/authd/domain"
)

// The browsable reference at /docs is Swagger UI (swagger-api/swagger-ui, v5), from
// the Go module github.com/swaggest/swgui: its v5/static package embeds the
// swagger-ui-dist files gzip-compressed, so the pinned version and its checksum are
// go.mod's and go.sum's, a fresh clone builds with plain `go build`, and the binary
// grows by the compressed size only. The page, its start-up script and its style
// are authd's own (docsui/): the module's own handler starts Swagger UI from an
// inline script, which the page's Content-Security-Policy forbids.
//
// Everything the page loads comes from authd under /docs/assets/, so the reference
// works offline and its policy allows only the page's own origin.

//go:embed docsui/index.html docsui/docs.js docsui/docs.css
var docsUIFiles embed.FS

// docsAssetCache is how long a browser may keep an asset: the names carry no
// version, so an upgrade reaches browsers within a day.
const docsAssetCache = "public, max-age=86400"

// docsPolicy is the Content-Security-Policy of the Swagger UI page: scripts,
// styles, images and fonts only from the page's origin (plus the data: images
// swagger-ui.css draws its icons with), requests only to that origin (the document
// and "Try it out"), no framing.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'" +
	"; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// docsAsset is one file under /docs/assets/: its bytes as stored, gzip-compressed
// or not, and its media type.
type docsAsset struct {
	contentType string
	// gzipped is the compressed form, sent as is to a client that accepts gzip; nil
	// for a file stored plain.
	gzipped []byte
	// plain returns the uncompressed bytes (decompressed once, on first use).
	plain func() []byte
}

// docsAssets are the files under /docs/assets/, by name; openapi.json lists the
// same names.
var docsAssets = sync.OnceValue(func() map[string]docsAsset {
	const js, css, png = "text/javascript; charset=utf-8", "text/css; charset=utf-8", "image/png"
	return map[string]docsAsset{
		"swagger-ui-bundle.js": gzippedAsset(swaggerui.FS, "swagger-ui-bundle.js.gz", js),
		"swagger-ui.css":       gzippedAsset(swaggerui.FS, "swagger-ui.css.gz", css),
		"favicon-32x32.png":    plainAsset(swaggerui.FS, "favicon-32x32.png", png),
		"favicon-16x16.png":    plainAsset(swaggerui.FS, "favicon-16x16.png", png),
		"docs.js":              plainAsset(docsUIFiles, "docsui/docs.js", js),
		"docs.css":             plainAsset(docsUIFiles, "docsui/docs.css", css),
	}
})

// mustRead reads an embedded file; a missing one is a build defect.
func mustRead(fsys fs.FS, name string) []byte {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		panic("httpapi: embedded docs asset: " + err.Error())
	}
	return b
}

func plainAsset(fsys fs.FS, name, contentType string) docsAsset {
	b := mustRead(fsys, name)
	return docsAsset{contentType: contentType, plain: func() []byte { return b }}
}

func gzippedAsset(fsys fs.FS, name, contentType string) docsAsset {
	gz := mustRead(fsys, name)
	return docsAsset{contentType: contentType, gzipped: gz, plain: sync.OnceValue(func() []byte {
		r, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			panic("httpapi: embedded docs asset " + name + ": " + err.Error())
		}
		b, err := io.ReadAll(r)
		if err != nil {
			panic("httpapi: embedded docs asset " + name + ": " + err.Error())
		}
		return b
	})}
}

// docsIndex is the Swagger UI page.
var docsIndex = sync.OnceValue(func() []byte { return mustRead(docsUIFiles, "docsui/index.html") })

// setDocsHeaders sets the security headers of the two reference pages; policy is
// their Content-Security-Policy.
func setDocsHeaders(c *fiber.Ctx, policy string) {
	c.Set(fiber.HeaderContentSecurityPolicy, policy)
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
}

// slashRedirect answers a page path with a trailing slash (Fiber's routing ignores
// it) with a redirect to the path without one, since the page's relative links
// resolve against it. The Location is relative too, so a path prefix in front of
// authd survives. It reports whether it answered.
func slashRedirect(c *fiber.Ctx) bool {
	p := c.Path()
	if len(p) <= 1 || !strings.HasSuffix(p, "/") {
		return false
	}
	p = strings.TrimRight(p, "/")
	c.Set(fiber.HeaderLocation, "../"+p[strings.LastIndexByte(p, '/')+1:])
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	c.Status(fiber.StatusMovedPermanently)
	return true
}

// docs serves the Swagger UI page.
func (w *wellKnown) docs(c *fiber.Ctx) error {
	if slashRedirect(c) {
		return nil
	}
	setDocsHeaders(c, docsPolicy)
	return c.Send(docsIndex())
}

// docsReference serves the hand-rendered reference: every operation, parameter,
// response and schema on one page with no script.
func (w *wellKnown) docsReference(c *fiber.Ctx) error {
	if slashRedirect(c) {
		return nil
	}
	setDocsHeaders(c, "default-src 'none'; style-src 'unsafe-inline'; script-src 'none'"+
		"; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	return c.Send(w.docsPage)
}

// docsAsset serves one file of the Swagger UI page, compressed when the client
// accepts gzip.
func (w *wellKnown) docsAsset(c *fiber.Ctx) error {
	a, ok := docsAssets()[c.Params("name")]
	if !ok {
		return domain.Errorf(domain.CodeNotFound, "No such documentation asset.")
	}
	c.Set(fiber.HeaderCacheControl, docsAssetCache)
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if a.gzipped == nil {
		return c.Send(a.plain())
	}
	c.Vary(fiber.HeaderAcceptEncoding)
	if acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(a.gzipped)
	}
	return c.Send(a.plain())
}

// acceptsGzip reports whether an Accept-Encoding header admits gzip (RFC 9110
// §12.5.3): listed, or covered by *, and not with q=0.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		refused := false
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				v = strings.TrimRight(strings.TrimSpace(v), "0.")
				refused = v == "" // q=0, q=0.0, q=0.000
			}
		}
		switch coding {
		case "gzip", "x-gzip":
			return !refused
		case "*":
			star = !refused
		}
	}
	return star
}
