package app

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/authd/authd/domain"
)

// The authorization-code grant (ARCHITECTURE.md §10, RFC 6749 §4.1 with RFC 7636
// PKCE): a flow that proved who the browser's user is — a provider's callback, a
// sign-in link — sends the browser back to an allow-listed redirect_uri with a
// single-use code, and the app that started the flow redeems the code here with
// the verifier of the challenge it sent at the start. Neither the browser's
// history nor a redirect_uri's logs can then be turned into a session: the code
// lives 60 seconds, is spent by its first use, and is worthless without the
// verifier, which never left the app.

// checkRedirect refuses a redirect_uri that AUTH_REDIRECT_URLS does not list.
// Callers must check it before anything is redirected to the URI, errors
// included (RFC 6749 §4.1.2.1).
func (a *App) checkRedirect(uri string) error {
	switch {
	case uri == "":
		return validate(&domain.FieldError{Field: "redirect_uri", Code: "required", Message: "A redirect_uri is required."})
	case !a.cfg.RedirectURLs.Allows(uri):
		return validate(&domain.FieldError{Field: "redirect_uri", Code: "not_allowed",
			Message: "This redirect_uri is not in AUTH_REDIRECT_URLS; it must match an entry exactly."})
	}
	return nil
}

// checkAppRedirect checks the app's half of an authorization-code flow, as an
// authorize or a sign-in request brings it: an allow-listed redirect_uri (at most
// maxRedirectURI bytes), an S256 code_challenge, and a state of at most
// domain.MaxStateLength bytes of UTF-8 (validation_failed).
func (a *App) checkAppRedirect(redirectURI, challenge, method, state string) error {
	if len(redirectURI) > maxRedirectURI {
		return validate(&domain.FieldError{Field: "redirect_uri", Code: "not_allowed", Message: "The redirect_uri is not in AUTH_REDIRECT_URLS."})
	}
	if err := a.checkRedirect(redirectURI); err != nil {
		return err
	}
	if err := checkCodeChallenge(challenge, method); err != nil {
		return err
	}
	if !validState(state) {
		return validate(&domain.FieldError{Field: "state", Code: "too_long",
			Message: fmt.Sprintf("The state is at most %d bytes of UTF-8.", domain.MaxStateLength)})
	}
	return nil
}

// maxRedirectURI bounds a redirect_uri before it is looked up.
const maxRedirectURI = 2048

// validState reports whether an app's state may be carried and echoed back.
func validState(state string) bool {
	return len(state) <= domain.MaxStateLength && utf8.ValidString(state)
}

// checkCodeChallenge refuses a PKCE challenge that is not S256 (RFC 7636 §4.2;
// plain gives no protection once the request is seen, RFC 9700 §2.1.1).
func checkCodeChallenge(challenge, method string) error {
	var fields []*domain.FieldError
	switch {
	case challenge == "":
		fields = append(fields, &domain.FieldError{Field: "code_challenge", Code: "required",
			Message: "A PKCE code_challenge (S256) is required."})
	case !validCodeChallenge(challenge):
		fields = append(fields, &domain.FieldError{Field: "code_challenge", Code: "invalid",
			Message: "The code_challenge is the base64url SHA-256 of the code_verifier: 43 characters."})
	}
	if method != "S256" {
		fields = append(fields, &domain.FieldError{Field: "code_challenge_method", Code: "invalid",
			Message: "Only S256 is accepted."})
	}
	return validate(fields...)
}

// validCodeChallenge is true for 43 base64url characters: a SHA-256 without
// padding.
func validCodeChallenge(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == sha256.Size && len(s) == 43
}

// validCodeVerifier follows RFC 7636 §4.1: 43 to 128 unreserved characters.
func validCodeVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, r := range v {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return false
		}
	}
	return true
}

// verifyPKCE checks verifier against an S256 challenge in constant time.
func verifyPKCE(challenge, verifier string) bool {
	if !validCodeVerifier(verifier) {
		return false
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}

// issueAuthCode stores a code for userID, whose first factor was method (an AMR
// value), bound to redirectURI and codeChallenge, and returns where to send the
// browser: redirectURI with code and state added to its query. The caller has
// checked redirectURI (checkRedirect) and the challenge (checkCodeChallenge).
func (a *App) issueAuthCode(ctx context.Context, userID, method, redirectURI, codeChallenge, state string) (string, error) {
	clear, tok, err := a.newOneTimeToken("", userID, domain.AuthCodeTTL)
	if err != nil {
		return "", err
	}
	c := &domain.AuthCode{Hash: tok.Hash, UserID: userID, Method: method, RedirectURI: redirectURI,
		CodeChallenge: codeChallenge, CreatedAt: tok.CreatedAt, ExpiresAt: tok.ExpiresAt}
	if err := a.Tokens.PutAuthCode(ctx, c, domain.Effects{}); err != nil {
		return "", err
	}
	return withQuery(redirectURI, map[string]string{"code": clear, "state": state}), nil
}

// withQuery adds params (the empty ones left out) to uri's query, keeping what is
// there: a redirect_uri may carry its own query (RFC 6749 §3.1.2).
func withQuery(uri string, params map[string]string) string {
	u, err := url.Parse(uri)
	if err != nil { // an allow-listed URI parses; never reached
		return uri
	}
	q := u.Query()
	for k, v := range params {
		if v != "" {
			q.Set(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// RedirectError is where to send the browser to report err to the app:
// redirectURI with error, error_description and state (RFC 6749 §4.1.2.1), or
// "" when redirectURI is not allow-listed — then nothing may be redirected and
// the caller shows err itself.
func (a *App) RedirectError(redirectURI, state string, err error) string {
	if a.checkRedirect(redirectURI) != nil {
		return ""
	}
	code, detail := domain.CodeInternal, domain.ErrorMessage(nil)
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal && de.Code != domain.CodeUnavailable {
		code, detail = de.Code, de.Message
	} else {
		a.Logger.Error("a redirect flow failed", "err", err)
		if de != nil && de.Code == domain.CodeUnavailable {
			code, detail = domain.CodeUnavailable, "The service is busy; try again in a moment."
		}
	}
	return backWithError(redirectURI, state, string(code), detail)
}

// CodeGrantInput is POST /v1/auth/token with grant_type authorization_code.
type CodeGrantInput struct {
	GrantType    string
	Code         string
	CodeVerifier string
	RedirectURI  string
	Client       Client
}

// ExchangeCode redeems an authorization code for a session (amr the code's
// method, aal1), or answers mfa_required for an account with MFA on. The code
// is spent by the first attempt, right or wrong: a guessed verifier or a second
// use finds nothing (RFC 6749 §4.1.2, §10.5). Returns validation_failed (with
// field grant_type code unsupported for another grant), token_invalid (unknown,
// used, another redirect_uri, a wrong verifier), token_expired,
// account_disabled, account_not_active, mfa_required.
func (a *App) ExchangeCode(ctx context.Context, in CodeGrantInput) (*TokenPair, error) {
	var fields []*domain.FieldError
	if in.GrantType != "authorization_code" {
		fields = append(fields, &domain.FieldError{Field: "grant_type", Code: "unsupported",
			Message: "The only grant here is authorization_code; refresh tokens go to /v1/auth/refresh."})
	}
	for _, f := range []struct{ name, value string }{{"code", in.Code}, {"code_verifier", in.CodeVerifier}, {"redirect_uri", in.RedirectURI}} {
		if f.value == "" {
			fields = append(fields, &domain.FieldError{Field: f.name, Code: "required", Message: "The " + f.name + " is required."})
		}
	}
	if err := validate(fields...); err != nil {
		return nil, err
	}
	c, err := a.Tokens.ConsumeAuthCode(ctx, HashToken(in.Code), a.Clock.Now())
	if err != nil {
		return nil, err
	}
	if c.RedirectURI != in.RedirectURI || !verifyPKCE(c.CodeChallenge, in.CodeVerifier) {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The authorization code is not valid.")
	}
	u, err := a.Users.ByID(ctx, c.UserID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The authorization code is not valid.")
	}
	if err != nil {
		return nil, err
	}
	if err := u.CanLogIn(a.cfg.RequireActivation); err != nil {
		return nil, a.loginFailed(ctx, in.Client, u.ID, err)
	}
	if u.MFAEnabled {
		return nil, a.mfaRequired(ctx, u, []string{c.Method})
	}
	return a.openSessionAs(ctx, u, in.Client, []string{c.Method}, map[string]any{"method": c.Method})
}
