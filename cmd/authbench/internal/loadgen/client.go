package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"
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

// Tokens is the part of the token response that the benchmark needs.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// Client sends the benchmark's requests to one authd, on valyala/fasthttp's
// client: the load generator shares the machine with the server (and, for
// PostgreSQL, the database), so every microsecond it spends per request is taken
// from what it measures. net/http's client cost about 110–170 µs of CPU a request
// here, about as much as a third of authd's own work on a refresh. It keeps one
// connection per worker (and one for the /healthz probe), so a steady run reuses
// connections instead of measuring TCP handshakes, and it never goes through an
// HTTP proxy from the environment: the load must reach the -url host and nothing
// else.
type Client struct {
	base    string
	http    *fasthttp.Client
	timeout time.Duration
}

// maxResponseBody bounds a response body: a token response is about 1 KiB, and the
// server caps bodies at 64 KiB.
const maxResponseBody = 1 << 20

// NewClient returns a client for base (scheme://host:port) sized for concurrency
// workers. timeout bounds each request. Unless allowRemote is set, every dialled
// address must be loopback.
func NewClient(base *url.URL, concurrency int, timeout time.Duration, allowRemote bool) *Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if !allowRemote {
		dialer.Control = loopbackOnly
	}
	return &Client{
		base:    base.Scheme + "://" + base.Host,
		timeout: timeout,
		http: &fasthttp.Client{
			Dial: func(addr string) (net.Conn, error) { return dialer.Dial("tcp", addr) },
			// One connection per worker and one for the /healthz probe; a request
			// that finds none free waits for one rather than failing.
			MaxConnsPerHost:     concurrency + 1,
			MaxConnWaitTimeout:  timeout,
			MaxIdleConnDuration: 90 * time.Second,
			MaxResponseBodySize: maxResponseBody,
			// A redirect is not part of the contract: fasthttp's Do does not follow
			// one, so it is reported as the status it is.
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
// body is decoded into out (when given); an error body is searched for its
// problem "code". The request ends at ctx's deadline or after the client's
// timeout, whichever is sooner. fasthttp cannot cancel a request in flight, so a
// ctx cancelled meanwhile is seen when it returns: an interrupted run waits at
// most the timeout for its last requests.
func (c *Client) do(ctx context.Context, method, path, bearer string, body any, want int, out any) Outcome {
	if err := ctx.Err(); err != nil {
		return Outcome{Code: transportCode(err)}
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(c.base + path)
	req.Header.SetMethod(method)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Outcome{Code: "encode"}
		}
		req.Header.SetContentType("application/json")
		req.SetBodyRaw(b)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}

	start := time.Now()
	if err := c.http.DoDeadline(req, resp, deadline); err != nil {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return Outcome{Latency: time.Since(start), Code: transportCode(err)}
	}
	o := Outcome{Status: resp.StatusCode(), OK: resp.StatusCode() == want}
	switch {
	case o.OK && out != nil:
		if err := json.Unmarshal(resp.Body(), out); err != nil {
			o.OK, o.Code = false, "bad_body"
		}
	case !o.OK:
		var problem struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(resp.Body(), &problem) == nil {
			o.Code = problem.Code
		}
		if secs, err := strconv.Atoi(string(resp.Header.Peek("Retry-After"))); err == nil && secs > 0 {
			o.RetryAfter = time.Duration(secs) * time.Second
		} else if o.Status == fasthttp.StatusServiceUnavailable {
			o.Code += " " + NoRetryAfter
		}
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
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, fasthttp.ErrTimeout),
		errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	default:
		return "connection"
	}
}
