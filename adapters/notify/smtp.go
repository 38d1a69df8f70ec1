package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Notifier = (*SMTPNotifier)(nil)

// SMTPConfig is everything SMTPNotifier needs. ParseSMTPURL fills the connection
// fields from AUTH_SMTP_URL; the composition root adds From and PublicURL.
type SMTPConfig struct {
	// Host and Port of the submission server.
	Host string
	Port int
	// Username and Password for AUTH PLAIN; empty Username means no AUTH. PLAIN is
	// only attempted over TLS or to localhost, so a server that does not offer
	// STARTTLS never sees the password in clear text.
	Username string
	Password string
	// ImplicitTLS dials TLS from the first byte (smtps://, port 465). Otherwise the
	// connection starts in clear text and upgrades with STARTTLS per StartTLS.
	ImplicitTLS bool
	// StartTLS is StartTLSOpportunistic (the default when empty) or
	// StartTLSRequired.
	StartTLS string
	// From is the RFC 5322 sender, e.g. `authd <no-reply@example.com>`
	// (AUTH_MAIL_FROM).
	From string
	// PublicURL is the base of the links in the mails (AUTH_PUBLIC_URL).
	PublicURL string
	// Timeout bounds one whole delivery; zero means DefaultSMTPTimeout.
	Timeout time.Duration
	// TLSConfig, when set, is used (cloned) for TLS instead of the system roots;
	// tests use it to trust a self-signed certificate. ServerName defaults to Host.
	TLSConfig *tls.Config
	// InsecureSkipVerify accepts any server certificate. Only for tests and local
	// mail catchers: it makes TLS useless against an active attacker.
	InsecureSkipVerify bool
	// Templates say where templates beyond the built-in ones come from and which
	// locale is the default.
	Templates TemplateOptions
}

// SMTPNotifier mails activation and password-reset links, each as a
// multipart/alternative message with a plain-text and an HTML part. Every mail
// opens its own connection, so concurrent requests never share SMTP state and a
// broken connection affects one mail only. Failures are returned to the caller,
// which logs them: a failed mail does not fail the user's request.
type SMTPNotifier struct {
	client  *gomail.Client
	from    *mail.Address
	links   linkBuilder
	timeout time.Duration
	mails   *catalog
}

// NewSMTPNotifier checks cfg and returns a notifier for it. It does not connect: a
// mail server that is down at start-up must not keep authd from serving.
func NewSMTPNotifier(cfg SMTPConfig) (*SMTPNotifier, error) {
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: sender %q is not a valid address: %w", cfg.From, err)
	}
	if err := validatePublicURL(cfg.PublicURL); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	if cfg.Host == "" {
		return nil, errors.New("notify: SMTP host is missing")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("notify: SMTP port %d is not between 1 and 65535", cfg.Port)
	}
	mails, err := loadCatalog(cfg.Templates)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultSMTPTimeout
	}

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	if cfg.InsecureSkipVerify {
		tlsConfig.InsecureSkipVerify = true
	}

	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(tlsConfig),
	}
	switch {
	case cfg.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case cfg.StartTLS == "" || cfg.StartTLS == StartTLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case cfg.StartTLS == StartTLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		return nil, fmt.Errorf("notify: StartTLS policy %q is not %q or %q",
			cfg.StartTLS, StartTLSOpportunistic, StartTLSRequired)
	}
	if cfg.Username != "" {
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(cfg.Username),
			gomail.WithPassword(cfg.Password),
		)
	}
	client, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP client: %w", err)
	}
	return &SMTPNotifier{
		client:  client,
		from:    from,
		links:   newLinkBuilder(cfg.PublicURL),
		mails:   mails,
		timeout: timeout,
	}, nil
}

// SendActivation mails u the link that activates the account.
func (n *SMTPNotifier) SendActivation(ctx context.Context, u domain.User, token string) error {
	return n.send(ctx, kindActivation, u, mailExtra{Link: n.links.activation(token)})
}

// SendPasswordReset mails u the link that lets them choose a new password.
func (n *SMTPNotifier) SendPasswordReset(ctx context.Context, u domain.User, token string) error {
	return n.send(ctx, kindPasswordReset, u, mailExtra{Link: n.links.passwordReset(token)})
}

// SendRecoveryCodeUsed mails u the notice that a recovery code was used, with how
// many are left.
func (n *SMTPNotifier) SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error {
	return n.send(ctx, kindRecoveryCodeUsed, u, mailExtra{Remaining: remaining})
}

// SendEmailChange mails the new address the link that confirms it.
func (n *SMTPNotifier) SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error {
	return n.send(ctx, kindEmailChange, u, mailExtra{Link: n.links.emailChange(token),
		To: to.NewEmail, OldEmail: to.OldEmail, NewEmail: to.NewEmail})
}

// SendEmailChangeNotice mails the old address that a change was asked for.
func (n *SMTPNotifier) SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error {
	return n.send(ctx, kindEmailChangeNotice, u, mailExtra{To: to.OldEmail, OldEmail: to.OldEmail, NewEmail: to.NewEmail})
}

// SendSignIn mails u's address the sign-in link and code.
func (n *SMTPNotifier) SendSignIn(ctx context.Context, u domain.User, token, code string) error {
	return n.send(ctx, kindSignIn, u, mailExtra{Link: n.links.signIn(token), Code: code})
}

// send composes and delivers one mail within n.timeout. Its errors name the kind of
// mail but never the link, which carries the token.
func (n *SMTPNotifier) send(ctx context.Context, k kind, u domain.User, x mailExtra) error {
	m, err := compose(n.mails, n.from, k, u, x)
	if err != nil {
		return fmt.Errorf("notify: compose %s mail: %w", k, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	if err := n.client.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("notify: send %s mail: %w", k, err)
	}
	return nil
}
