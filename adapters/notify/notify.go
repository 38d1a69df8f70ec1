// Package notify delivers activation and password-reset links to users. It holds the
// two implementations of ports.Notifier: LogNotifier, the zero-setup default that
// writes links to the log, and SMTPNotifier, which mails them.
//
// Both build the same links from the public URL of the service:
// PUBLIC_URL/activate?token=…, PUBLIC_URL/reset-password?token=…,
// PUBLIC_URL/confirm-email?token=… and PUBLIC_URL/sign-in?token=…. The pages behind
// those paths post the token to /v1/auth/activate, /v1/auth/password/reset,
// /v1/auth/email/confirm or /v1/auth/otp/verify.
package notify

import (
	"fmt"
	"net/url"
	"strings"
)

// Link paths under the public URL. They are part of the contract with the front end
// that renders the pages, so they are fixed rather than configurable.
const (
	ActivationPath    = "/activate"
	PasswordResetPath = "/reset-password"
	EmailChangePath   = "/confirm-email"
	SignInPath        = "/sign-in"
)

// kind names a notification in log lines and errors.
type kind string

const (
	kindActivation    kind = "activation"
	kindPasswordReset kind = "password_reset"
	// kindRecoveryCodeUsed is the notice that a recovery code was used to log in.
	kindRecoveryCodeUsed kind = "recovery_code_used"
	// kindEmailChange carries the confirmation link to the new address.
	kindEmailChange kind = "email_change"
	// kindEmailChangeNotice tells the old address that a change was asked for.
	kindEmailChangeNotice kind = "email_change_notice"
	// kindSignIn carries a sign-in link and code (AUTH_PASSWORDLESS).
	kindSignIn kind = "sign_in"
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

func (b linkBuilder) emailChange(token string) string { return b.link(EmailChangePath, token) }

func (b linkBuilder) signIn(token string) string { return b.link(SignInPath, token) }

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
