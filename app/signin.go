package app

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/authd/authd/domain"
)

// Sign-in by mail (ARCHITECTURE.md §11): POST /v1/auth/otp mails a link and a
// 6-digit code, POST /v1/auth/otp/verify exchanges either for a session. The
// request is stored as an outbox row before the 202, like forgot and resend
// (maillink.go), so the answer is the same for known and unknown addresses and
// durable; the dispatcher looks the account up and stores the pair with its mail
// (serveSignInRequest).

// SignInRequestInput asks for a sign-in mail.
type SignInRequestInput struct {
	Email string
	// PreferredLocales are the client's languages (Accept-Language), used for
	// the mail when the address has no account yet.
	PreferredLocales []string
	// RedirectURI, CodeChallenge (S256) and State are optional, together: with
	// them the mail's link, opened on the sign-in page, sends the browser back to
	// RedirectURI with an authorization code (ARCHITECTURE.md §10).
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	State               string
	Client              Client
}

// SignInVerifyInput is a sign-in link's token, or an address with its code.
type SignInVerifyInput struct {
	Email string
	Code  string
	Token string
	// PreferredLocales give the locale of an account created by the sign-in
	// (AUTH_PASSWORDLESS_SIGNUP) when the pair holds none.
	PreferredLocales []string
	Client           Client
}

// signInRequest is the payload of a sign-in request row.
type signInRequest struct {
	linkRequest
	Locale        string `json:"locale,omitempty"`
	RedirectURI   string `json:"redirect_uri,omitempty"`
	CodeChallenge string `json:"code_challenge,omitempty"`
	State         string `json:"state,omitempty"`
}

// passwordlessOn answers not_found while AUTH_PASSWORDLESS is off: the
// endpoints do not exist then.
func (a *App) passwordlessOn() error {
	if !a.cfg.Passwordless {
		return domain.Errorf(domain.CodeNotFound, "Sign-in by mail is not enabled on this server.")
	}
	return nil
}

// RequestSignIn accepts a request for a sign-in mail. It checks the address's
// form only and stores the request; whether a mail goes out is decided by the
// dispatcher. Returns not_found (feature off), validation_failed.
func (a *App) RequestSignIn(ctx context.Context, in SignInRequestInput) error {
	if err := a.passwordlessOn(); err != nil {
		return err
	}
	normalised, fe := a.email("email", in.Email)
	if err := validate(fe); err != nil {
		return err
	}
	if err := a.checkSignInRedirect(in); err != nil {
		return err
	}
	locale, _ := a.signUpLocale(SignUpInput{PreferredLocales: in.PreferredLocales})
	d, err := a.mailDelivery(domain.LinkRequestSignIn, "", "")
	if err != nil {
		return err
	}
	r := signInRequest{linkRequest: linkRequest{Email: normalised, Given: in.Email, IP: in.Client.IP,
		UserAgent: truncate(in.Client.UserAgent, 256)}, Locale: locale,
		RedirectURI: in.RedirectURI, CodeChallenge: in.CodeChallenge, State: in.State}
	if d.Payload, err = json.Marshal(r); err != nil {
		return err
	}
	if err := a.Events.Append(ctx, domain.Effects{Deliveries: []domain.Delivery{d}}); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// checkSignInRedirect checks a sign-in request's optional redirect: none of
// its fields, or all of them as checkAppRedirect wants them.
func (a *App) checkSignInRedirect(in SignInRequestInput) error {
	if in.RedirectURI == "" && in.CodeChallenge == "" && in.CodeChallengeMethod == "" && in.State == "" {
		return nil
	}
	return a.checkAppRedirect(in.RedirectURI, in.CodeChallenge, in.CodeChallengeMethod, in.State)
}

// serveSignInRequest is the dispatcher's half of RequestSignIn: for an account
// that may sign in (not disabled), or with AUTH_PASSWORDLESS_SIGNUP for an
// address without one, it stores a new pair — replacing the address's older one —
// with its mail and event. Anything else completes with nothing sent.
func (a *App) serveSignInRequest(ctx context.Context, d domain.Delivery) error {
	var r signInRequest
	if err := json.Unmarshal(d.Payload, &r); err != nil {
		return fmt.Errorf("%w: sign-in request payload: %v", errPermanent, err)
	}
	if !a.cfg.Passwordless {
		return nil // turned off since the request was accepted
	}
	u, err := a.userByEmail(ctx, r.Email, r.Given)
	switch {
	case domain.IsCode(err, domain.CodeNotFound):
		if !a.cfg.PasswordlessSignup {
			return nil
		}
		u = nil
	case err != nil:
		return err
	case u.Status == domain.StatusDisabled:
		return nil
	}
	email, userID, locale := r.Email, "", r.Locale
	var fx domain.Effects
	if u != nil {
		email, userID, locale = u.Email, u.ID, ""
		if fx, err = a.record(anonymous(Client{IP: r.IP, UserAgent: r.UserAgent}), domain.EventSignInRequested, u.ID, nil); err != nil {
			return err
		}
	}
	redirect := domain.SignInRedirect{URI: r.RedirectURI, CodeChallenge: r.CodeChallenge, State: r.State}
	if err := a.mailSignIn(ctx, email, userID, locale, redirect, fx); err != nil {
		a.Logger.ErrorContext(ctx, "storing a sign-in code failed", "user_id", userID, "err", err)
		return err
	}
	return nil
}

// mailSignIn stores a fresh pair for email with the mail that carries it (link
// token and code sealed together) and fx, in one store step.
func (a *App) mailSignIn(ctx context.Context, email, userID, locale string, redirect domain.SignInRedirect, fx domain.Effects) error {
	token, err := a.randomString(oneTimeTokenBytes)
	if err != nil {
		return err
	}
	code, err := a.signInCode()
	if err != nil {
		return err
	}
	now := a.Clock.Now()
	linkHash := HashToken(token)
	c := &domain.SignInCode{Email: email, UserID: userID, Locale: locale, LinkHash: linkHash, CodeHash: signInCodeHash(linkHash, code),
		CreatedAt: now, ExpiresAt: now.Add(domain.SignInCodeTTL), Redirect: redirect}
	d, err := a.mailDelivery(domain.MailSignIn, userID, token+" "+code)
	if err != nil {
		return err
	}
	if d.Payload, err = json.Marshal(domain.SignInMail{Email: email, Locale: locale}); err != nil {
		return err
	}
	fx.Deliveries = append(fx.Deliveries, d)
	if err := a.Tokens.PutSignIn(ctx, c, fx); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// signInCode draws a uniformly random 6-digit code (rejection sampling, so no
// code is likelier than another).
func (a *App) signInCode() (string, error) {
	const space = 1_000_000
	const limit = (1 << 32) / space * space
	var b [4]byte
	for {
		if _, err := a.Random.Read(b[:]); err != nil {
			return "", err
		}
		if n := binary.BigEndian.Uint32(b[:]); n < limit {
			return fmt.Sprintf("%06d", n%space), nil
		}
	}
}

// signInCodeHash binds a code to its pair: the same digits of another pair hash
// differently.
func signInCodeHash(linkHash, code string) string { return HashToken(linkHash + ":" + code) }

// validSignInCode reports whether code has the shape of a sign-in code.
func validSignInCode(code string) bool {
	if len(code) != domain.SignInCodeDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// sendSignIn opens the row's link token and code and mails them to the address
// the pair was made for, in the account's locale (or, for an address without an
// account, the requester's). A row whose account was deleted meanwhile is
// dropped, like any mail of a deleted account.
func (a *App) sendSignIn(ctx context.Context, d domain.Delivery) error {
	var p domain.SignInMail
	if err := json.Unmarshal(d.Payload, &p); err != nil || p.Email == "" {
		return fmt.Errorf("%w: sign-in mail payload: %v", errPermanent, err)
	}
	u := domain.User{Email: p.Email, Locale: p.Locale}
	if d.UserID != "" {
		found, err := a.Users.ByID(ctx, d.UserID)
		if domain.IsCode(err, domain.CodeNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		u = *found
		u.Email = p.Email
	}
	if u.Locale == "" {
		u.Locale = a.cfg.DefaultLocale
	}
	clear, err := a.Sealer.Open(d.Sealed, domain.SealAAD(d.ID))
	if err != nil {
		return fmt.Errorf("%w: the mail's token does not open (AUTH_ENCRYPTION_KEY changed?): %v", errPermanent, err)
	}
	token, code, ok := strings.Cut(string(clear), " ")
	if !ok {
		return fmt.Errorf("%w: the sign-in mail's secret is not a token and a code", errPermanent)
	}
	return a.Notifier.SendSignIn(ctx, u, token, code)
}
