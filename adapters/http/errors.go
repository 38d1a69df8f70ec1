package httpapi

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/authd/authd/domain"
)

// statusOf is the one table that decides which HTTP status a domain error code gets
// (STYLE.md habit 1). A code missing from it is a programming error and answers 500.
var statusOf = map[domain.Code]int{
	domain.CodeInvalidRequest:       http.StatusBadRequest,
	domain.CodeValidationFailed:     http.StatusUnprocessableEntity,
	domain.CodeEmailTaken:           http.StatusConflict,
	domain.CodeUsernameTaken:        http.StatusConflict,
	domain.CodeConflict:             http.StatusConflict,
	domain.CodeInvalidCredentials:   http.StatusUnauthorized,
	domain.CodeAccountNotActive:     http.StatusForbidden,
	domain.CodeAccountDisabled:      http.StatusForbidden,
	domain.CodeTokenMissing:         http.StatusUnauthorized,
	domain.CodeTokenInvalid:         http.StatusUnauthorized,
	domain.CodeTokenExpired:         http.StatusUnauthorized,
	domain.CodeTokenRevoked:         http.StatusUnauthorized,
	domain.CodeRefreshTokenReused:   http.StatusUnauthorized,
	domain.CodeFreshTokenRequired:   http.StatusUnauthorized,
	domain.CodeMFARequired:          http.StatusUnauthorized,
	domain.CodeAAL2Required:         http.StatusForbidden,
	domain.CodeInvalidCode:          http.StatusUnauthorized,
	domain.CodeLastLoginMethod:      http.StatusConflict,
	domain.CodeProviderError:        http.StatusBadGateway,
	domain.CodeForbidden:            http.StatusForbidden,
	domain.CodeNotFound:             http.StatusNotFound,
	domain.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	domain.CodeHeadersTooLarge:      http.StatusRequestHeaderFieldsTooLarge,
	domain.CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	domain.CodeRateLimited:          http.StatusTooManyRequests,
	domain.CodeUnavailable:          http.StatusServiceUnavailable,
	domain.CodeInternal:             http.StatusInternalServerError,
}

// StatusOf returns the HTTP status of a domain error code; unknown codes are 500.
// It is exported so that other front ends (and tests) agree with the API on it.
func StatusOf(code domain.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// problemTypeBase prefixes the `type` URI of every problem document. The codes are
// documented in openapi.json under that name, so the URI is stable but need not
// resolve (RFC 9457 §3.1.1 allows a non-resolvable URI).
const problemTypeBase = "https://authd.dev/problems/"

// problem is an RFC 9457 problem details document.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Detail string              `json:"detail"`
	Code   domain.Code         `json:"code"`
	Errors []domain.FieldError `json:"errors,omitempty"`
	// MFAToken and Methods are the extension members of mfa_required
	// (ARCHITECTURE.md §8), taken from the error's Extensions.
	MFAToken string   `json:"mfa_token,omitempty"`
	Methods  []string `json:"methods,omitempty"`
	// OAuthError is RFC 6749 §5.2's error code, on the token endpoint's refusals
	// (its error_description is Detail).
	OAuthError       string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// fiberCodes translates the errors Fiber raises on its own (no route, wrong method,
// body over the limit, ...) into domain codes, so they reach clients in the same
// problem+json shape as everything else.
var fiberCodes = map[int]domain.Code{
	fiber.StatusNotFound:                    domain.CodeNotFound,
	fiber.StatusRequestEntityTooLarge:       domain.CodePayloadTooLarge,
	fiber.StatusUnsupportedMediaType:        domain.CodeUnsupportedMediaType,
	fiber.StatusTooManyRequests:             domain.CodeRateLimited,
	fiber.StatusServiceUnavailable:          domain.CodeUnavailable,
	fiber.StatusRequestHeaderFieldsTooLarge: domain.CodeHeadersTooLarge,
	fiber.StatusRequestTimeout:              domain.CodeInvalidRequest,
	fiber.StatusBadRequest:                  domain.CodeInvalidRequest,
}

// methodStatuses are statuses kept as Fiber raises them: 405 (a method known, not
// served on this resource) and 501 (unknown to the server, RFC 9110 §15.6.2).
// No domain code means "wrong method"; the request is malformed for this server,
// so the code is invalid_request and the status tells the rest.
//
// 408 is kept as well: fasthttp raises it when a connection sends no complete
// request within the read timeout — often a connection a client opened and then
// left unused in its pool. The answer arrives on a connection the client thinks
// idle, and HTTP clients (Go's net/http among them) recognise a 408 there as the
// server closing an idle connection (RFC 9110 §15.5.9), where a 400 reads as an
// unsolicited response.
var methodStatuses = map[int]string{
	fiber.StatusMethodNotAllowed: "This method is not allowed on this resource.",
	fiber.StatusNotImplemented:   "This method is not implemented by the server.",
	fiber.StatusRequestTimeout:   "The request did not arrive in time.",
}

// errorWriter turns any error into a problem+json response. It is Fiber's
// ErrorHandler and is also called by the observing middleware, so that logs and
// metrics see the final status.
type errorWriter struct {
	log    *slog.Logger
	routes *routeTable
}

// handle is the fiber.ErrorHandler.
func (w errorWriter) handle(c *fiber.Ctx, err error) error {
	p, retryAfter := w.problemFor(c, err)
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.FormatInt(int64(math.Ceil(retryAfter.Seconds())), 10))
	}
	if challenge := bearerChallenge(p.Code); challenge != "" && p.OAuthError == "" {
		c.Set(fiber.HeaderWWWAuthenticate, challenge)
	}
	if p.Status == http.StatusMethodNotAllowed && w.routes != nil {
		// RFC 9110 §15.5.6: a 405 names the methods the resource does support.
		c.Set(fiber.HeaderAllow, w.routes.allowed(c.Path()))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Locals(problemCodeKey, p.Code)
	return writeJSON(c, p.Status, "application/problem+json", p)
}

// problemFor builds the problem document and the Retry-After hint for err.
func (w errorWriter) problemFor(c *fiber.Ctx, err error) (problem, time.Duration) {
	var fe *fiber.Error
	var de *domain.Error
	switch {
	case errors.As(err, &de):
		status := StatusOf(de.Code)
		code, detail := de.Code, de.Message
		if status == http.StatusInternalServerError {
			w.logInternal(c, err)
			code, detail = domain.CodeInternal, domain.ErrorMessage(nil)
		} else if de.Err != nil && de.Code == domain.CodeUnavailable {
			w.log.WarnContext(c.UserContext(), "store unavailable", "request_id", requestID(c), "err", err)
		}
		if detail == "" {
			detail = http.StatusText(status) + "."
		}
		retry := de.RetryAfter
		if retry <= 0 && (code == domain.CodeUnavailable || code == domain.CodeRateLimited) {
			retry = defaultRetryAfter
		}
		p := newProblem(code, status, detail, de.Fields)
		if code == domain.CodeMFARequired {
			p.MFAToken, _ = de.Extensions["mfa_token"].(string)
			p.Methods, _ = de.Extensions["methods"].([]string)
		}
		if oe, ok := de.Extensions["error"].(string); ok && code != domain.CodeInternal {
			p.OAuthError, p.ErrorDescription = oe, detail
		}
		return p, retry
	case errors.As(err, &fe):
		if detail, ok := methodStatuses[fe.Code]; ok {
			return newProblem(domain.CodeInvalidRequest, fe.Code, detail, nil), 0
		}
		code, ok := fiberCodes[fe.Code]
		if !ok {
			w.logInternal(c, err)
			return newProblem(domain.CodeInternal, http.StatusInternalServerError, domain.ErrorMessage(nil), nil), 0
		}
		return newProblem(code, StatusOf(code), fiberDetail(code), nil), 0
	default:
		w.logInternal(c, err)
		return newProblem(domain.CodeInternal, http.StatusInternalServerError, domain.ErrorMessage(nil), nil), 0
	}
}

// defaultRetryAfter is the hint given with a 429 or 503 that carries no better one.
const defaultRetryAfter = 5 * time.Second

// logInternal records an unexpected error with its cause; the client sees none of it.
func (w errorWriter) logInternal(c *fiber.Ctx, err error) {
	w.log.ErrorContext(c.UserContext(), "internal error", "request_id", requestID(c),
		"method", c.Method(), "route", w.routes.label(c.Path()), "err", err)
}

func newProblem(code domain.Code, status int, detail string, fields []domain.FieldError) problem {
	return problem{
		Type: problemTypeBase + string(code), Title: http.StatusText(status),
		Status: status, Detail: detail, Code: code, Errors: fields,
	}
}

// fiberDetail gives Fiber's own errors a client-safe sentence; Fiber's messages
// echo the request path, which we prefer not to reflect.
func fiberDetail(code domain.Code) string {
	switch code {
	case domain.CodeNotFound:
		return "No resource exists at this path."
	case domain.CodePayloadTooLarge:
		return "The request body is too large."
	case domain.CodeHeadersTooLarge:
		return "The request header block is too large."
	case domain.CodeRateLimited:
		return "Too many requests; try again later."
	default:
		return "The request could not be processed."
	}
}

// bearerChallenge is the WWW-Authenticate value for token failures (RFC 6750 §3,
// RFC 9470 for step-up), so that generic OAuth clients know to re-authenticate.
func bearerChallenge(code domain.Code) string {
	switch code {
	case domain.CodeTokenMissing:
		return `Bearer realm="authd"`
	case domain.CodeTokenInvalid, domain.CodeTokenExpired, domain.CodeTokenRevoked:
		return `Bearer realm="authd", error="invalid_token"`
	case domain.CodeFreshTokenRequired, domain.CodeAAL2Required:
		return `Bearer realm="authd", error="insufficient_user_authentication"`
	}
	return ""
}
