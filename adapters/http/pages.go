package httpapi

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"

	"github.com/gofiber/fiber/v2"
)

// The pages behind the links in activation and reset mails. Opening one never
// consumes its token — mail scanners and link previews follow links — the page's
// form does, by POSTing to the API with fetch. They are self-contained (inline
// style and script, no external assets) so they work behind any proxy and under a
// strict Content-Security-Policy.

//go:embed templates/*.html.tmpl
var pageFiles embed.FS

var pages = template.Must(template.ParseFS(pageFiles, "templates/*.html.tmpl"))

// pageData fills a page template.
type pageData struct {
	Title string
	Token string
	Nonce string
	// Ready and Message are the sign-in page's: the link can be used here, or
	// why not.
	Ready   bool
	Message string
}

func activationPage(c *fiber.Ctx) error {
	return renderPage(c, "activate.html.tmpl", "Activate your account")
}

func resetPage(c *fiber.Ctx) error {
	return renderPage(c, "reset.html.tmpl", "Choose a new password")
}

// renderPage renders a token page. A link without a token still gets the page (400),
// which tells the user the link is incomplete instead of showing a JSON error.
func renderPage(c *fiber.Ctx, name, title string) error {
	status := fiber.StatusOK
	if c.Query("token") == "" {
		status = fiber.StatusBadRequest
	}
	return writePage(c, status, name, pageData{Title: title, Token: c.Query("token")})
}

// writePage renders the page name with data and a fresh script nonce.
func writePage(c *fiber.Ctx, status int, name string, data pageData) error {
	nonce, err := newNonce()
	if err != nil {
		return err
	}
	data.Nonce = nonce
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	setPageHeaders(c, nonce)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

// setPageHeaders sets the security headers of an HTML page: only inline style and
// the script carrying nonce may run, the page may talk only to its own origin, no
// other site may frame it, and neither caches nor Referer headers keep the token.
func setPageHeaders(c *fiber.Ctx, nonce string) {
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"+nonce+
		"'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	// The token is in the URL: nothing may cache the page or carry it on in a Referer.
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
}

func newNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(b), nil
}
