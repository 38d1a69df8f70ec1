package httpapi_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	httpapi "github.com/authd/authd/adapters/http"
	"github.com/authd/authd/domain"
)

// These tests speak HTTP/1.1 over a raw socket to a really served API: net/http
// and app.Test both normalise requests (one Content-Length, one Host, clean header
// values), so the hostile inputs can only be written by hand.

// smuggled is a second request appended after every refused one. If the server
// framed the first request's body differently from a proxy in front of it, these
// are the bytes the proxy forwarded as body and the server would serve as a request.
const smuggled = "GET /v1/smuggled HTTP/1.1\r\nHost: authd\r\n\r\n"

// exchange is what came back on one connection.
type exchange struct {
	responses []response
	// announced says, per response, that it carried Connection: close (net/http
	// moves that header into Response.Close).
	announced []bool
	// closed says the server closed the connection after the last response; false
	// means it stayed open (nothing more arrived within the wait).
	closed bool
}

// rawExchange writes raw on a fresh connection to s and reads responses until the
// server closes the connection, want responses have arrived, or none arrives for a
// while. Reading stops at want so that a kept-alive connection costs no waiting.
func (s liveServer) rawExchange(t *testing.T, raw string, want int) exchange {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	var x exchange
	br := bufio.NewReader(conn)
	for len(x.responses) < want {
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
			case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
				x.closed = true
			default:
				t.Fatalf("reading response %d: %v", len(x.responses)+1, err)
			}
			return x
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			t.Fatalf("reading body %d: %v", len(x.responses)+1, err)
		}
		x.responses = append(x.responses, response{Status: res.StatusCode, Header: res.Header, Body: body})
		x.announced = append(x.announced, res.Close)
	}
	return x
}

// expectRefused fails unless x is exactly one problem+json response with status and
// code, announced with Connection: close, after which the server closed the
// connection without serving anything else.
func (x exchange) expectRefused(t *testing.T, status int, code string) {
	t.Helper()
	if len(x.responses) != 1 {
		t.Fatalf("got %d responses (%s), want 1", len(x.responses), statuses(x.responses))
	}
	r := x.responses[0]
	expectProblem(t, r, status, code)
	if !x.announced[0] {
		t.Errorf("the refusal did not carry Connection: close")
	}
	if !x.closed {
		t.Errorf("the connection stayed open after the refusal, want it closed")
	}
}

// expectProblem fails unless r is an application/problem+json document matching the
// Problem schema, with the given status and code.
func expectProblem(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json; body: %q", ct, r.Body)
	}
	var doc map[string]any
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("problem body %q: %v", r.Body, err)
	}
	if err := specDoc(t).Components.Schemas["Problem"].Value.VisitJSON(doc); err != nil {
		t.Errorf("body does not match the Problem schema: %v", err)
	}
	if doc["code"] != code || doc["status"] != float64(status) {
		t.Errorf("code, status = %v, %v; want %s, %d", doc["code"], doc["status"], code, status)
	}
}

// head splits a raw request into what fasthttp hands the rules: the header block
// after the request line, through the empty line, and whether it is HTTP/1.1.
func head(t *testing.T, request string) ([]byte, bool) {
	t.Helper()
	line, rest, ok := strings.Cut(request, "\r\n")
	if !ok {
		t.Fatalf("no request line in %q", request)
	}
	if strings.HasPrefix(rest, "\r\n") {
		return nil, strings.HasSuffix(line, "HTTP/1.1")
	}
	block, _, ok := strings.Cut(rest, "\r\n\r\n")
	if !ok {
		t.Fatalf("no end of the header block in %q", request)
	}
	return []byte(block + "\r\n\r\n"), strings.HasSuffix(line, "HTTP/1.1")
}

// expectHeadRefused fails unless the framing rules by themselves refuse request's
// header block: fasthttp refuses some of these requests first, and the rules must
// hold without it (as with fasthttp before v1.7x).
func expectHeadRefused(t *testing.T, request string) {
	t.Helper()
	if err := httpapi.CheckHead(head(t, request)); err == nil {
		t.Errorf("the framing rules accept the header block, want them to refuse it")
	} else if code := domain.ErrorCode(err); code != domain.CodeInvalidRequest {
		t.Errorf("the framing rules refuse with %q, want invalid_request", code)
	}
}

func statuses(rs []response) string {
	var s []string
	for _, r := range rs {
		s = append(s, http.StatusText(r.Status))
	}
	return strings.Join(s, ", ")
}

// login is a POST of an empty JSON object to /v1/auth/login with extra header
// lines and a raw body: framed as intended it answers 422 (no email, no password).
func login(headers, body string) string {
	return "POST /v1/auth/login HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n" + headers + "\r\n" + body
}

// TestAmbiguousFramingIsRefused sends every framing a proxy and authd could read
// differently (RFC 9112 §6): each must be answered 400 and the connection closed,
// so the smuggled request behind it is never served.
func TestAmbiguousFramingIsRefused(t *testing.T) {
	t.Parallel()
	s := served(t, newEnv(t, "sqlite"))
	chunkedEmpty := "2\r\n{}\r\n0\r\n\r\n"
	tests := []struct {
		name, request string
	}{
		{"Content-Length and chunked", login("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", chunkedEmpty)},
		{"chunked and Content-Length", login("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", chunkedEmpty)},
		{"Content-Length and identity", login("Content-Length: 2\r\nTransfer-Encoding: identity\r\n", "{}")},
		// The body of a refused request is not read: this one never ends, and the
		// refusal must still come at once, not after the read timeout.
		{"Content-Length and chunked, body unfinished", login("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "fff\r\n{")},
		{"Content-Length 0 and chunked", login("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", chunkedEmpty)},
		{"xchunked", login("Transfer-Encoding: xchunked\r\n", chunkedEmpty)},
		{"gzip", login("Transfer-Encoding: gzip\r\n", chunkedEmpty)},
		{"identity", login("Transfer-Encoding: identity\r\n", chunkedEmpty)},
		{"chunked, identity", login("Transfer-Encoding: chunked, identity\r\n", chunkedEmpty)},
		{"gzip, chunked", login("Transfer-Encoding: gzip, chunked\r\n", chunkedEmpty)},
		{"empty Transfer-Encoding", login("Transfer-Encoding: \r\n", chunkedEmpty)},
		{"two chunked Transfer-Encoding headers", login("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", chunkedEmpty)},
		{"chunked and identity headers", login("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", chunkedEmpty)},
		{"Transfer-Encoding in HTTP/1.0", "POST /v1/auth/login HTTP/1.0\r\nHost: authd\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedEmpty},
		{"space before the colon", login("Transfer-Encoding : chunked\r\n", chunkedEmpty)},
		{"Transfer-Encoding folded into another header", login("X-Note: a\r\n Transfer-Encoding: chunked\r\n", chunkedEmpty)},
		{"two equal Content-Length headers", login("Content-Length: 2\r\nContent-Length: 2\r\n", "{}")},
		{"two different Content-Length headers", login("Content-Length: 2\r\nContent-Length: 9\r\n", "{}")},
		{"Content-Length list", login("Content-Length: 2, 2\r\n", "{}")},
		{"Content-Length with a plus sign", login("Content-Length: +2\r\n", "{}")},
		{"negative Content-Length", login("Content-Length: -1\r\n", "{}")},
		{"hexadecimal Content-Length", login("Content-Length: 0x2\r\n", "{}")},
		{"Content-Length with a space inside", login("Content-Length: 1 0\r\n", "{}")},
		{"letters for Content-Length", login("Content-Length: two\r\n", "{}")},
		{"empty Content-Length", login("Content-Length: \r\n", "{}")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			expectHeadRefused(t, tt.request)
			s.rawExchange(t, tt.request+smuggled, 2).expectRefused(t, http.StatusBadRequest, "invalid_request")
		})
	}
}

// TestStrictHeadersAreRefused covers the header rules of RFC 9110 §5.5 and RFC 9112
// §3.2 and §5: exactly one Host in HTTP/1.1, no control characters but HTAB in a
// value, no obsolete line folding, CRLF line ends, and a header block within the
// read buffer (431).
func TestStrictHeadersAreRefused(t *testing.T) {
	t.Parallel()
	s := served(t, newEnv(t, "sqlite"))
	get := func(headers string) string { return "GET /healthz HTTP/1.1\r\n" + headers + "\r\n" }
	tests := []struct {
		name, request string
		status        int
		code          string
		// headRule says the framing rules refuse the header block themselves;
		// the other cases are refused by fasthttp or Fiber before or after them.
		headRule bool
	}{
		{"no Host", get(""), 400, "invalid_request", true},
		{"two Host headers", get("Host: authd\r\nHost: evil.example\r\n"), 400, "invalid_request", true},
		{"two equal Host headers", get("Host: authd\r\nHost: authd\r\n"), 400, "invalid_request", true},
		{"NUL in a value", get("Host: authd\r\nX-Note: a\x00b\r\n"), 400, "invalid_request", true},
		{"bare CR in a value", get("Host: authd\r\nX-Note: a\rb\r\n"), 400, "invalid_request", true},
		{"bare CR in Host", get("Host: au\rthd\r\n"), 400, "invalid_request", true},
		{"escape in a value", get("Host: authd\r\nX-Note: a\x1b[31mb\r\n"), 400, "invalid_request", true},
		{"SOH in a value", get("Host: authd\r\nX-Note: a\x01b\r\n"), 400, "invalid_request", true},
		{"DEL in a value", get("Host: authd\r\nX-Note: a\x7fb\r\n"), 400, "invalid_request", true},
		{"folded value", get("Host: authd\r\nX-Note: a\r\n\tb\r\n"), 400, "invalid_request", true},
		{"bare LF line end", get("Host: authd\nX-Note: a\r\n"), 400, "invalid_request", true},
		{"no colon", get("Host: authd\r\nX-Note\r\n"), 400, "invalid_request", true},
		{"empty name", get("Host: authd\r\n: a\r\n"), 400, "invalid_request", true},
		{"a separator in the name", get("Host: authd\r\nX(Note): a\r\n"), 400, "invalid_request", true},
		{"unknown method", "BREW /healthz HTTP/1.1\r\nHost: authd\r\n\r\n", 501, "invalid_request", false},
		{"malformed request line", "GET\r\nHost: authd\r\n\r\n", 400, "invalid_request", false},
		{"malformed chunk size", login("Transfer-Encoding: chunked\r\n", "zz\r\n{}\r\n0\r\n\r\n"), 400, "invalid_request", false},
		{"header block over the limit", get("Host: authd\r\nX-Pad: " + strings.Repeat("a", 5000) + "\r\n"), 431, "headers_too_large", false},
		{"many headers over the limit", get("Host: authd\r\n" + strings.Repeat("X-Pad: 0123456789abcdef0123456789abcdef\r\n", 120)), 431, "headers_too_large", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.headRule {
				expectHeadRefused(t, tt.request)
			}
			s.rawExchange(t, tt.request+smuggled, 2).expectRefused(t, tt.status, tt.code)
		})
	}
}

// TestPlainFramingIsServed is the control: well-framed requests, two per connection,
// are each served, so the refusals above are about framing and nothing else.
func TestPlainFramingIsServed(t *testing.T) {
	t.Parallel()
	s := served(t, newEnv(t, "sqlite"))
	health := "GET /healthz HTTP/1.1\r\nHost: authd\r\n\r\n"
	tests := []struct {
		name, request string
		want          []int
	}{
		{"Content-Length", login("Content-Length: 2\r\n", "{}") + health, []int{422, 200}},
		{"chunked", login("Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n") + health, []int{422, 200}},
		{"chunked in capitals", login("Transfer-Encoding: Chunked\r\n", "1\r\n{\r\n1\r\n}\r\n0\r\n\r\n") + health, []int{422, 200}},
		{"Content-Length 0", login("Content-Length: 0\r\n", "") + health, []int{422, 200}},
		{"no body", health + health, []int{200, 200}},
		{"HTAB and obs-text in values", "GET /healthz HTTP/1.1\r\nHost: authd\r\nX-Note: a\tb caf\xc3\xa9\r\n\r\n" + health, []int{200, 200}},
		{"HTTP/1.0 without Host", "GET /healthz HTTP/1.0\r\n\r\n", []int{200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if raw, http11 := head(t, tt.request); httpapi.CheckHead(raw, http11) != nil {
				t.Errorf("the framing rules refuse the first request: %v", httpapi.CheckHead(raw, http11))
			}
			x := s.rawExchange(t, tt.request, len(tt.want))
			if len(x.responses) != len(tt.want) {
				t.Fatalf("got %d responses (%s), want %d", len(x.responses), statuses(x.responses), len(tt.want))
			}
			for i, r := range x.responses {
				if r.Status != tt.want[i] {
					t.Errorf("response %d: status = %d, want %d; body: %s", i+1, r.Status, tt.want[i], r.Body)
				}
			}
		})
	}
}

// TestSilentConnectionGets408 opens a connection and sends nothing — what a client
// does with a connection it dialled for a request another connection then served
// — and checks that the read timeout answers 408 (which clients take for the
// server closing an idle connection, RFC 9110 §15.5.9) as problem+json and closes
// it, not a 400 that reads as an unsolicited response.
func TestSilentConnectionGets408(t *testing.T) {
	e := newEnvWith(t, "sqlite", envSetup{options: []func(*httpapi.Options){
		func(o *httpapi.Options) { o.ReadTimeout = 200 * time.Millisecond },
	}})
	srv := served(t, e)
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer on the silent connection: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestTimeout || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("silent connection: %d %s %s, want 408 problem+json", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var p struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != 408 || p.Code != "invalid_request" {
		t.Fatalf("problem %s (%v), want status 408 and code invalid_request", body, err)
	}
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("after the 408 the connection stayed open (read: %v)", err)
	}
}
