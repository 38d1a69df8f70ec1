package app

import (
	"context"
	"strings"

	"github.com/authd/authd/domain"
)

// SignUpInput is what a new user submits. Role and status are never taken from it.
type SignUpInput struct {
	Email    string
	Password string
	Username string
	Name     string
	Mobile   string
	// Locale is the locale the body states ("" for none); a malformed one is
	// refused.
	Locale string
	// PreferredLocales are the client's languages, most preferred first
	// (Accept-Language): the first well-formed one is the account's locale when
	// the body states none. Malformed ones are skipped.
	PreferredLocales []string
	Client           Client
}

// signUpLocale decides the new account's locale: the body's, else the client's
// first preference, else the configured default.
func (a *App) signUpLocale(in SignUpInput) (string, *domain.FieldError) {
	if in.Locale != "" {
		l, ok := domain.NormalizeLocale(in.Locale)
		if !ok {
			return "", domain.ValidateLocale("locale", in.Locale)
		}
		return l, nil
	}
	for _, raw := range in.PreferredLocales {
		if l, ok := domain.NormalizeLocale(raw); ok {
			return l, nil
		}
	}
	return a.cfg.DefaultLocale, nil
}

// SignUp creates an account: pending with an activation mail when activation is
// required, active otherwise. Returns validation_failed, email_taken, username_taken.
func (a *App) SignUp(ctx context.Context, in SignUpInput) (*domain.User, error) {
	return a.createUser(ctx, in, domain.RoleUser, !a.cfg.RequireActivation)
}

// CreateAdmin creates an active admin account (the `authd admin create` bootstrap).
// Returns validation_failed, email_taken, username_taken.
func (a *App) CreateAdmin(ctx context.Context, in SignUpInput) (*domain.User, error) {
	return a.createUser(ctx, in, domain.RoleAdmin, true)
}

func (a *App) createUser(ctx context.Context, in SignUpInput, role domain.Role, active bool) (_ *domain.User, err error) {
	email, emailErr := a.email("email", in.Email)
	username, usernameErr := a.username("username", in.Username)
	name := strings.TrimSpace(in.Name)
	mobile := strings.TrimSpace(in.Mobile)
	locale, localeErr := a.signUpLocale(in)
	if err := validate(
		emailErr,
		localeErr,
		domain.ValidatePassword("password", in.Password),
		usernameErr,
		domain.ValidateName("name", name),
		domain.ValidateMobile("mobile", mobile),
	); err != nil {
		return nil, err
	}
	done, err := a.admission.admit(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { done(err) }()
	hash, err := a.Hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	id, err := a.newID()
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	u := &domain.User{
		ID: id, Email: email, Username: username, Name: name, Mobile: mobile, Locale: locale,
		Role: role, Status: domain.StatusPending, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now,
	}
	if active {
		u.Status = domain.StatusActive
		u.ActivatedAt = &now
	}
	fx, err := a.record(anonymous(in.Client), domain.EventUserCreated, u.ID,
		map[string]any{"role": string(u.Role), "status": string(u.Status)})
	if err != nil {
		return nil, err
	}
	if active {
		err = a.Users.Create(ctx, u, fx)
	} else {
		err = a.createPending(ctx, u, fx)
	}
	if err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

// createPending stores a pending account with its activation token and the mail
// that carries it (sealed) in one store step: an acknowledged sign-up always has
// its mail in the outbox, and a refused one leaves neither.
func (a *App) createPending(ctx context.Context, u *domain.User, fx domain.Effects) error {
	clear, tok, err := a.newOneTimeToken(domain.TokenActivation, u.ID, domain.ActivationTokenTTL)
	if err != nil {
		return err
	}
	d, err := a.mailDelivery(domain.MailActivation, u.ID, clear)
	if err != nil {
		return err
	}
	fx.Deliveries = append(fx.Deliveries, d)
	if err := a.Users.CreatePending(ctx, u, tok, fx); err != nil {
		return err
	}
	a.delivered(ctx)
	return nil
}

// Activate consumes an activation token and activates its account in one store
// step, with its user.activated event. Returns validation_failed (empty token),
// token_invalid, token_expired.
func (a *App) Activate(ctx context.Context, token string, c Client) (*domain.User, error) {
	if token == "" {
		return nil, domain.Invalid(domain.FieldError{Field: "token", Code: "required", Message: "Token is required."})
	}
	// The account is the token's, which only the store knows: it fills in UserID.
	fx, err := a.record(anonymous(c), domain.EventUserActivated, "", map[string]any{"by": "token"})
	if err != nil {
		return nil, err
	}
	u, err := a.Tokens.ConsumeActivation(ctx, HashToken(token), a.Clock.Now(), fx)
	if err != nil {
		return nil, err
	}
	a.effectsDelivered(ctx, fx)
	return u, nil
}

// ResendActivation mails a new activation token if the address belongs to a pending
// account. Only the address is checked inside the request, which stores the
// request in the outbox; the rest happens in the dispatcher (see mailLink), so the
// answer is the same, and takes as long, whether or not it does. Returns
// validation_failed for a malformed address.
func (a *App) ResendActivation(ctx context.Context, email string, c Client) error {
	return a.mailLink(ctx, email, c, domain.LinkRequestActivation)
}
