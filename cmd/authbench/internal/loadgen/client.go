package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// API paths of ARCHITECTURE.md §3 that the benchmark drives.
const (
	PathSignup  = "/v1/auth/signup"
	PathLogin   = "/v1/auth/login"
	PathRefresh = "/v1/auth/refresh"
	PathMe      = "/v1/auth/me"
	PathReady   = "/readyz"
	PathHealth  = "/healthz"
)

// NoRetryAfter marks, in an error's code, a 503 that came without Retry-After: the
// contract says every 503 carries one.
const NoRetryAfter = "(no Retry-After)"

// Health asks GET /healthz.
func (c *Client) Health(ctx context.Context) Outcome {
	return c.do(ctx, http.MethodGet, PathHealth, "", nil, http.StatusOK, nil)
}

// maxErrorBody bounds how much of an error response is read to find its code; the
// server caps bodies at 64 KiB too, so a problem document always fits.
const maxErrorBody = 64 << 10

// Tokens is the part of the token response that the benchmark needs.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// Client sends the benchmark's requests to one authd. Its transport keeps one idle
// connection per worker, so a steady run reuses connections instead of measuring
// TCP handshakes, and never goes through an HTTP proxy from the environment: the
// load must reach the -url host and nothing else.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client for base (scheme://host:port) sized for concurrency
// workers. timeout bounds each request. Unless allowRemote is set, every dialled
// address must be loopback.
func NewClient(base *url.URL, concurrency int, timeout time.Duration, allowRemote bool) *Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowRemote {
		dialer.Control = loopbackOnly
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 5 * time.Second,
		DisableCompression:  true,
	}
	return &Client{
		base: base.Scheme + "://" + base.Host,
		http: &http.Client{
			Transport: transport,
			Timeout:   timeout,
			// A redirect is not part of the contract; report it as the status it is.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// Close releases the idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Signup creates an account and expects 201.
func (c *Client) Signup(ctx context.Context, email, password string) Outcome {
	return c.do(ctx, http.MethodPost, PathSignup, "", map[string]string{"email": email, "password": password}, http.StatusCreated, nil)
}

// Login opens a session and expects 200 with a token response, decoded into out
// when out is not nil.
func (c *Client) Login(ctx context.Context, email, password string, out *Tokens) Outcome {
	var into any // a nil *Tokens in an interface would not compare equal to nil
	if out != nil {
		into = out
	}
	return c.do(ctx, http.MethodPost, PathLogin, "", map[string]string{"email": email, "password": password}, http.StatusOK, into)
}

// Refresh rotates a refresh token and expects 200 with the new pair in out.
func (c *Client) Refresh(ctx context.Context, refreshToken string, out *Tokens) Outcome {
	return c.do(ctx, http.MethodPost, PathRefresh, "", map[string]string{"refresh_token": refreshToken}, http.StatusOK, out)
}

// Me reads the caller's account and expects 200.
func (c *Client) Me(ctx context.Context, accessToken string) Outcome {
	return c.do(ctx, http.MethodGet, PathMe, accessToken, nil, http.StatusOK, nil)
}

// Ready asks /readyz once and expects 200.
func (c *Client) Ready(ctx context.Context) Outcome {
	return c.do(ctx, http.MethodGet, PathReady, "", nil, http.StatusOK, nil)
}

// do sends one request and measures it until its body has been read. A success
// body is decoded into out (when given) or discarded; an error body is searched
// for its problem "code". Either way the body is drained so the connection is
// reused.
func (c *Client) do(ctx context.Context, method, path, bearer string, body any, want int, out any) Outcome {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Outcome{Code: "encode"}
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, reader)
	if err != nil {
		return Outcome{Code: "request"}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Outcome{Latency: time.Since(start), Code: transportCode(err)}
	}
	defer resp.Body.Close()
	o := Outcome{Status: resp.StatusCode, OK: resp.StatusCode == want}
	switch {
	case o.OK && out != nil:
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			o.OK, o.Code = false, "bad_body"
		}
	case !o.OK:
		var problem struct {
			Code string `json:"code"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&problem) == nil {
			o.Code = problem.Code
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			o.RetryAfter = time.Duration(secs) * time.Second
		} else if resp.StatusCode == http.StatusServiceUnavailable {
			o.Code += " " + NoRetryAfter
		}
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil && o.OK {
		o.OK, o.Code = false, transportCode(err)
	}
	o.Latency = time.Since(start)
	return o
}

// transportCode names a failure that produced no response, for the error table.
func transportCode(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, ErrRemoteTarget):
		return "remote_refused"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "connection"
	}
}
