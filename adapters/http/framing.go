package httpapi

import (
	"bytes"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/authd/authd/domain"
)

// Framing and header rules, checked on the raw header block before the body is
// read and before any handler runs.
//
// A request whose body length two HTTP implementations could read differently is
// how requests are smuggled through a proxy (RFC 9112 §6.3, §11.2): if the proxy
// frames by Content-Length and authd by Transfer-Encoding, the bytes the proxy
// forwarded as one body reach authd as a second request. fasthttp's parsed header
// is no ground to judge that on: v1.51 (the least Fiber v2 asks for) keeps only the
// last of two Host or Content-Length headers and frames any coding but identity as
// chunked; v1.78 refuses most of that, but not everything below. So the rules read
// the header lines as they arrived on the wire (RequestHeader.RawHeaders), and hold
// whichever fasthttp is linked. Everything refused here answers 400 invalid_request
// and closes the connection: once the framing is in doubt, nothing after it on the
// connection can be trusted either.
//
// The rules:
//   - Content-Length and Transfer-Encoding together are refused (RFC 9112 §6.1
//     allows that, and no client needs both).
//   - Transfer-Encoding must be exactly one `chunked` (any case), and only in
//     HTTP/1.1; a request has no other coding authd can decode.
//   - Content-Length appears at most once and is digits only.
//   - HTTP/1.1 carries exactly one Host, HTTP/1.0 at most one (RFC 9112 §3.2).
//   - A line is a token name, a colon and a value, and ends in CRLF: a line starting
//     with a space or tab (obsolete folding, §5.2) or ending in a bare LF is refused.
//   - A value holds no control character but HTAB: no NUL, bare CR, ESC or DEL
//     (RFC 9110 §5.5), which a log, a proxy or a database downstream would each
//     treat differently.

// maxContentLengthDigits bounds Content-Length before fasthttp parses it: the body
// limit is far below 10^18, and a number that long is no honest client's.
const maxContentLengthDigits = 18

// errBadFraming builds the refusal; detail names the rule and never echoes input.
func errBadFraming(detail string) *domain.Error {
	return domain.Errorf(domain.CodeInvalidRequest, "%s", detail)
}

// checkHead applies the rules to the raw header block (the lines after the request
// line, as RequestHeader.RawHeaders returns them). It returns nil for a request
// whose framing and headers are sound, and the refusal otherwise.
func checkHead(raw []byte, http11 bool) *domain.Error {
	var hosts, lengths, codings int
	var coding []byte
	for len(raw) > 0 {
		var line []byte
		line, raw, _ = bytes.Cut(raw, []byte("\r\n"))
		if len(line) == 0 {
			break // the empty line that ends the header block
		}
		// A folded line (obs-fold, one starting with a space or tab) has no token
		// before its colon, so it is refused here too.
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !isToken(name) {
			return errBadFraming("A header line is not a name, a colon and a value; folded lines are refused.")
		}
		value = bytes.Trim(value, " \t")
		if i := slices.IndexFunc(value, isControl); i >= 0 {
			if value[i] == '\r' || value[i] == '\n' {
				return errBadFraming("A header line holds a bare CR or LF.")
			}
			return errBadFraming("A header value holds a control character.")
		}
		switch {
		case bytes.EqualFold(name, []byte(fiber.HeaderHost)):
			hosts++
		case bytes.EqualFold(name, []byte(fiber.HeaderContentLength)):
			lengths++
			if len(value) == 0 || len(value) > maxContentLengthDigits || !isDigits(value) {
				return errBadFraming("Content-Length must be a decimal number.")
			}
		case bytes.EqualFold(name, []byte(fiber.HeaderTransferEncoding)):
			codings++
			coding = value
		}
	}
	switch {
	case hosts > 1 || (http11 && hosts == 0):
		return errBadFraming("An HTTP/1.1 request carries exactly one Host header.")
	case lengths > 1 || codings > 1:
		return errBadFraming("Content-Length and Transfer-Encoding may each appear only once.")
	case lengths > 0 && codings > 0:
		return errBadFraming("A request may not carry both Content-Length and Transfer-Encoding.")
	case codings > 0 && (!http11 || !bytes.EqualFold(coding, []byte("chunked"))):
		return errBadFraming("The only Transfer-Encoding accepted is chunked, in HTTP/1.1.")
	}
	return nil
}

// isControl reports a byte no header value may hold: C0 controls but HTAB, and DEL.
func isControl(b byte) bool {
	return (b < 0x20 && b != '\t') || b == 0x7f
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty RFC 9110 §5.6.2 token, the syntax of a
// header name.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// guardFraming installs the rules on f's fasthttp server, in front of Fiber:
//
//   - when the header block has been read, before the body: a request the rules
//     refuse gets its body length set to zero and its connection marked to close,
//     so that a body whose length is in doubt is never read as one;
//   - before Fiber's router: such a request is answered through obs (so it is
//     counted, logged and given a request id), and so is an unknown method (501),
//     which Fiber would otherwise answer in text/plain.
//
// The errors fasthttp raises itself while reading a request (malformed request
// line, header block over the read buffer, body over the limit) reach obs through
// Fiber's server error handler, with the connection closed by fasthttp.
func guardFraming(f *fiber.App, obs *observer) {
	srv := f.Server()
	srv.HeaderReceived = func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		if checkHead(h.RawHeaders(), h.IsHTTP11()) != nil {
			h.SetConnectionClose()
			h.SetContentLength(0)
		}
		return fasthttp.RequestConfig{}
	}
	route := srv.Handler
	srv.Handler = func(fc *fasthttp.RequestCtx) {
		var err error
		if de := checkHead(fc.Request.Header.RawHeaders(), fc.Request.Header.IsHTTP11()); de != nil {
			err = de
		} else if !slices.Contains(fiber.DefaultMethods, string(fc.Method())) {
			err = fiber.ErrNotImplemented
		}
		if err == nil {
			route(fc)
			return
		}
		c := f.AcquireCtx(fc)
		defer f.ReleaseCtx(c)
		fc.SetConnectionClose()
		_ = obs.handleOutside(c, err) // writing into the fasthttp response cannot fail
	}
}
