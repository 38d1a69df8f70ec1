// Package notify delivers activation and password-reset links to users. It holds the
// two implementations of ports.Notifier: LogNotifier, the zero-setup default that
// writes links to the log, and SMTPNotifier, which mails them.
//
// Both build the same links from the public URL of the service:
// PUBLIC_URL/activate?token=… and PUBLIC_URL/reset-password?token=…. The pages
// behind those paths belong to the operator's front end, which posts the token to
// /v1/auth/activate or /v1/auth/password/reset.
package notify

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Link paths under the public URL. They are part of the contract with the front end
// that renders the pages, so they are fixed rather than configurable.
const (
	ActivationPath    = "/activate"
	PasswordResetPath = "/reset-password"
)

// kind names a notification in log lines and errors.
type kind string

const (
	kindActivation    kind = "activation"
	kindPasswordReset kind = "password_reset"
	// kindRecoveryCodeUsed is the notice that a recovery code was used to log in.
	kindRecoveryCodeUsed kind = "recovery_code_used"
)

// linkBuilder joins the public URL, a page path and an escaped token.
type linkBuilder struct {
	base string // public URL without a trailing slash
}

func newLinkBuilder(publicURL string) linkBuilder {
	return linkBuilder{base: strings.TrimRight(publicURL, "/")}
}

// link returns base+path?token=TOKEN with the token query-escaped, so a token of any
// alphabet survives the round trip through a mail client and a browser.
func (b linkBuilder) link(path, token string) string {
	return b.base + path + "?" + url.Values{"token": {token}}.Encode()
}

func (b linkBuilder) activation(token string) string { return b.link(ActivationPath, token) }

func (b linkBuilder) passwordReset(token string) string {
	return b.link(PasswordResetPath, token)
}

// validatePublicURL checks that links built on u will be absolute http(s) URLs.
func validatePublicURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("public URL %q is not an absolute http(s) URL", u)
	}
	if p.RawQuery != "" || p.Fragment != "" {
		return fmt.Errorf("public URL %q must not have a query or fragment", u)
	}
	return nil
}

// validFor renders a token lifetime for a human: "24 hours", "1 hour", "30 minutes".
func validFor(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	default:
		return plural(int(d.Round(time.Minute)/time.Minute), "minute")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
