package httpapi

import (
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/domain"
)

// outcomes are the business counters an operator alerts on, counted here because
// the HTTP adapter sees every use case's result: its error code or its success.
// Every label takes a value from a fixed list, so the series are bounded; each is
// created at zero so that rate() works from the first scrape.
type outcomes struct {
	logins      *prometheus.CounterVec
	refreshes   *prometheus.CounterVec
	rateLimited *prometheus.CounterVec
	revocations *prometheus.CounterVec
}

// Keys of the facts handlers leave for the outcome counters.
const (
	limitedByIPKey localKey = iota + 200
	refreshReplayedKey
	revocationKey
)

// loginOutcomes are the outcome labels of authd_logins_total beside success; any
// other code (malformed body, 5xx) counts as "error".
var loginOutcomes = []domain.Code{
	domain.CodeInvalidCredentials, domain.CodeRateLimited, domain.CodeAccountNotActive,
	domain.CodeAccountDisabled, domain.CodeValidationFailed, domain.CodeUnavailable,
	domain.CodeMFARequired,
}

// refreshOutcomes names the codes a refresh may end with.
var refreshOutcomes = map[domain.Code]string{
	domain.CodeRefreshTokenReused: "reused",
	domain.CodeTokenRevoked:       "revoked",
	domain.CodeTokenExpired:       "expired",
	domain.CodeTokenInvalid:       "invalid",
	domain.CodeTokenMissing:       "missing",
	domain.CodeAccountDisabled:    "account_disabled",
	domain.CodeAccountNotActive:   "account_not_active",
	domain.CodeRateLimited:        "rate_limited",
	domain.CodeUnavailable:        "unavailable",
}

// Revocation causes: what ended one or more sessions.
const (
	revokedLogout         = "logout"
	revokedLogoutOthers   = "logout_others"
	revokedLogoutAll      = "logout_all"
	revokedPasswordChange = "password_change"
	revokedPasswordReset  = "password_reset"
	revokedAccountDeleted = "account_deleted"
	revokedUserDeleted    = "user_deleted"
	revokedUserDisabled   = "user_disabled"
	revokedRefreshReuse   = "refresh_reuse"
	revokedMFAEnabled     = "mfa_enabled"
	revokedMFAReset       = "mfa_reset"
	revokedByUser         = "revoked_by_user"
)

func newOutcomes(reg *prometheus.Registry) *outcomes {
	o := &outcomes{
		logins: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "logins_total",
			Help: "Password logins by outcome: success or the error code (error for anything unexpected).",
		}, []string{"outcome"})),
		refreshes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "refreshes_total",
			Help: "Refresh-token exchanges by outcome: rotated, grace (the current pair re-sent to a client race), reused (theft suspected, session revoked), revoked, expired, invalid, ...",
		}, []string{"outcome"})),
		rateLimited: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "rate_limited_total",
			Help: "Requests answered 429, by limiter (ip: the per-instance per-IP budget; identifier: the per-identifier login back-off kept in the store) and route.",
		}, []string{"limiter", "route"})),
		revocations: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "authd", Name: "session_revocations_total",
			Help: "Revocations by cause; one revocation may end several sessions of an account (logout_all, password_reset, user_disabled, ...).",
		}, []string{"cause"})),
	}
	o.logins.WithLabelValues("success")
	o.logins.WithLabelValues("error")
	for _, c := range loginOutcomes {
		o.logins.WithLabelValues(string(c))
	}
	for _, v := range []string{"rotated", "grace", "error"} {
		o.refreshes.WithLabelValues(v)
	}
	for _, v := range refreshOutcomes {
		o.refreshes.WithLabelValues(v)
	}
	for _, v := range []string{revokedLogout, revokedLogoutOthers, revokedLogoutAll, revokedPasswordChange,
		revokedPasswordReset, revokedAccountDeleted, revokedUserDeleted, revokedUserDisabled, revokedRefreshReuse, revokedByUser,
		revokedMFAEnabled, revokedMFAReset} {
		o.revocations.WithLabelValues(v)
	}
	return o
}

// record counts the business outcome of one finished request: route is its
// template, status the final one, code the problem's (empty on success).
func (o *outcomes) record(c *fiber.Ctx, route string, status int, code domain.Code) {
	if code == domain.CodeRateLimited {
		limiter := "identifier"
		if c.Locals(limitedByIPKey) != nil {
			limiter = "ip"
		}
		o.rateLimited.WithLabelValues(limiter, route).Inc()
	}
	if status >= 400 && code == "" {
		code = domain.CodeInternal // a status written without a problem document
	}
	switch c.Method() + " " + route {
	case fiber.MethodPost + " /v1/auth/login":
		o.logins.WithLabelValues(loginOutcome(code)).Inc()
	case fiber.MethodPost + " /v1/auth/refresh":
		o.refreshes.WithLabelValues(refreshOutcome(c, code)).Inc()
		if code == domain.CodeRefreshTokenReused {
			o.revocations.WithLabelValues(revokedRefreshReuse).Inc()
		}
	}
	if cause, ok := c.Locals(revocationKey).(string); ok && code == "" {
		o.revocations.WithLabelValues(cause).Inc()
	}
}

func loginOutcome(code domain.Code) string {
	if code == "" {
		return "success"
	}
	for _, c := range loginOutcomes {
		if c == code {
			return string(c)
		}
	}
	return "error"
}

func refreshOutcome(c *fiber.Ctx, code domain.Code) string {
	if code == "" {
		if c.Locals(refreshReplayedKey) != nil {
			return "grace"
		}
		return "rotated"
	}
	if v, ok := refreshOutcomes[code]; ok {
		return v
	}
	return "error"
}

// revoked tells the outcome counters that the request, if it succeeds, revoked
// sessions for cause.
func revoked(c *fiber.Ctx, cause string) { c.Locals(revocationKey, cause) }

// logoutCause is the revocation cause of a logout of scope.
func logoutCause(scope domain.LogoutScope) string {
	switch scope {
	case domain.LogoutOthers:
		return revokedLogoutOthers
	case domain.LogoutAll:
		return revokedLogoutAll
	default:
		return revokedLogout
	}
}
