package httpapi

import (
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// Keys of values kept in fiber.Ctx.Locals.
type localKey int

const (
	requestIDKey localKey = iota
	principalKey
)

// headerRequestID carries the request id in and out, for correlating a client's
// report with the server's log line.
const headerRequestID = "X-Request-ID"

// requestIDPattern is what an incoming request id may look like; anything else is
// replaced, so a client cannot inject text into log lines.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(requestIDKey).(string)
	return id
}

// recovery turns a panic into an internal error (500 `internal`), logging the panic
// value and stack but showing the client nothing of it.
func recovery(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) (err error) {
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(c.UserContext(), "panic serving request", "request_id", requestID(c),
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		return c.Next()
	}
}

// authenticate requires an access token in `Authorization: Bearer`, has the App
// verify it and check its session, and leaves the Principal in the context.
func (h *handlers) authenticate(c *fiber.Ctx) error {
	p, err := h.app.Authenticate(c.UserContext(), bearerToken(c))
	if err != nil {
		return err
	}
	p.Client = client(c)
	c.Locals(principalKey, *p)
	return c.Next()
}

// client is where the request came from, for sessions and events: the client IP
// (AUTH_TRUSTED_PROXIES decides whether X-Forwarded-For counts) and User-Agent.
func client(c *fiber.Ctx) app.Client {
	return app.Client{IP: clientIP(c), UserAgent: c.Get(fiber.HeaderUserAgent)}
}

// principal returns the caller authenticate stored.
func principal(c *fiber.Ctx) app.Principal {
	p, _ := c.Locals(principalKey).(app.Principal)
	return p
}

// bearerToken returns the token of an `Authorization: Bearer` header, or "". The
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(c *fiber.Ctx) string {
	h := strings.TrimSpace(c.Get(fiber.HeaderAuthorization))
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// limit returns Fiber's in-memory fixed-window limiter keyed by client IP, or nil
// (no middleware) when the limit is off. Exceeding it answers 429 rate_limited with
// Retry-After through the common error writer.
func limit(l Limit) fiber.Handler {
	if l.Max <= 0 {
		return nil
	}
	window := l.Window
	if window < time.Second {
		window = time.Second
	}
	return limiter.New(limiter.Config{
		Max:        l.Max,
		Expiration: window,
		KeyGenerator: func(c *fiber.Ctx) string {
			return clientIP(c)
		},
		LimitReached: func(c *fiber.Ctx) error {
			// The limiter has set Retry-After in whole seconds; carry it over.
			secs, _ := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter)))
			c.Locals(limitedByIPKey, true)
			return &domain.Error{Code: domain.CodeRateLimited, RetryAfter: time.Duration(max(secs, 1)) * time.Second,
				Message: "Too many requests from this address; try again later."}
		},
	})
}
