package httpapi

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/authd/authd/domain"
)

// observer gives every answer a request id, one metric observation and one log
// line — those the middleware chain produces, and those written before it runs:
// a body over the limit (413), a header block over the buffer (431), a request
// the framing rules refuse (400) and an unknown method (501). It never logs
// bodies, query strings, tokens or the Authorization header.
type observer struct {
	errs     errorWriter
	routes   *routeTable
	http     *metrics
	outcomes *outcomes
	log      *slog.Logger
}

// Keys of the observer's values in fiber.Ctx.Locals.
const (
	observedKey localKey = iota + 100
	problemCodeKey
)

// middleware is the outermost middleware after the client-IP resolver: it writes
// any error the chain returns (so logs and metrics see the final status), then
// records the request.
func (o *observer) middleware(c *fiber.Ctx) error {
	start := time.Now()
	o.begin(c)
	if err := c.Next(); err != nil {
		if werr := o.errs.handle(c, err); werr != nil {
			return werr
		}
	}
	o.finish(c, start)
	return nil
}

// handleOutside is Fiber's ErrorHandler. It is reached for errors raised before the
// middleware chain (fasthttp's own refusals, the framing guard) and for an error
// the middleware could not write; only the former are recorded here, the latter
// was recorded by the middleware.
func (o *observer) handleOutside(c *fiber.Ctx, err error) error {
	if c.Locals(observedKey) != nil {
		return o.errs.handle(c, err)
	}
	start := time.Now()
	o.begin(c)
	werr := o.errs.handle(c, err)
	o.finish(c, start)
	return werr
}

// begin assigns the request id: the client's when it looks like one, else a new
// one, so a client cannot inject text into log lines.
func (o *observer) begin(c *fiber.Ctx) {
	c.Locals(observedKey, true)
	id := c.Get(headerRequestID)
	if !requestIDPattern.MatchString(id) {
		id = uuid.NewString()
	}
	c.Locals(requestIDKey, id)
	c.Set(headerRequestID, id)
}

// finish records the request's metrics and its log line.
func (o *observer) finish(c *fiber.Ctx, start time.Time) {
	elapsed := time.Since(start)
	status := c.Response().StatusCode()
	route := o.routes.label(c.Path())
	code, _ := c.Locals(problemCodeKey).(domain.Code)
	o.http.observe(c.Method(), route, status, elapsed)
	o.outcomes.record(c, route, status, code)

	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case status < 400 && (route == "/healthz" || route == "/readyz" || route == "/metrics"):
		level = slog.LevelDebug // probes would drown everything else
	}
	attrs := []any{"method", c.Method(), "route", route, "path", c.Path(), "status", status,
		"duration_ms", float64(elapsed.Microseconds()) / 1000, "ip", clientIP(c), "request_id", requestID(c)}
	if code != "" {
		attrs = append(attrs, "code", string(code))
	}
	o.log.Log(c.UserContext(), level, "request", attrs...)
}
