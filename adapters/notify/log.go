package notify

import (
	"context"
	"log/slog"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Notifier = (*LogNotifier)(nil)

// LogNotifier writes each activation and password-reset link as one structured log
// line (msg, kind, user_id, email, link) instead of mailing it. It is the default when
// no SMTP server is configured, so that a developer can sign up and activate an
// account with nothing but the binary.
//
// It is the single deliberate exception to the rule that tokens never reach a log
// line: the link carries a live one-time token, and anyone who can read the log can
// activate the account or reset its password. Production deployments configure
// AUTH_SMTP_URL, which replaces it with SMTPNotifier.
type LogNotifier struct {
	logger *slog.Logger
	links  linkBuilder
}

// NewLogNotifier returns a notifier that logs links built on publicURL (the service's
// AUTH_PUBLIC_URL) to logger; a nil logger means slog.Default().
func NewLogNotifier(logger *slog.Logger, publicURL string) *LogNotifier {
	if logger == nil {
		logger = slog.Default()
	}
	return &LogNotifier{logger: logger, links: newLinkBuilder(publicURL)}
}

// SendActivation logs the activation link of u. It never fails.
func (n *LogNotifier) SendActivation(ctx context.Context, u domain.User, token string) error {
	n.log(ctx, "activation link", kindActivation, u, n.links.activation(token))
	return nil
}

// SendPasswordReset logs the password-reset link of u. It never fails.
func (n *LogNotifier) SendPasswordReset(ctx context.Context, u domain.User, token string) error {
	n.log(ctx, "password reset link", kindPasswordReset, u, n.links.passwordReset(token))
	return nil
}

// SendRecoveryCodeUsed logs that u used a recovery code, and how many are left.
// It never fails.
func (n *LogNotifier) SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error {
	n.logger.LogAttrs(ctx, slog.LevelInfo, "recovery code used",
		slog.String("kind", string(kindRecoveryCodeUsed)),
		slog.String("user_id", u.ID),
		slog.String("email", u.Email),
		slog.Int("remaining", remaining),
	)
	return nil
}

// SendEmailChange logs the confirmation link of a change of u's address, with the
// new address it goes to. It never fails.
func (n *LogNotifier) SendEmailChange(ctx context.Context, u domain.User, to domain.MailAddresses, token string) error {
	u.Email = to.NewEmail
	n.log(ctx, "email change link", kindEmailChange, u, n.links.emailChange(token))
	return nil
}

// SendEmailChangeNotice logs the notice to the old address. It never fails.
func (n *LogNotifier) SendEmailChangeNotice(ctx context.Context, u domain.User, to domain.MailAddresses) error {
	n.logger.LogAttrs(ctx, slog.LevelInfo, "email change notice",
		slog.String("kind", string(kindEmailChangeNotice)),
		slog.String("user_id", u.ID),
		slog.String("email", to.OldEmail),
		slog.String("new_email", to.NewEmail),
	)
	return nil
}

func (n *LogNotifier) log(ctx context.Context, msg string, k kind, u domain.User, link string) {
	n.logger.LogAttrs(ctx, slog.LevelInfo, msg,
		slog.String("kind", string(k)),
		slog.String("user_id", u.ID),
		slog.String("email", u.Email),
		slog.String("link", link),
	)
}

// SendSignIn logs the sign-in link and code for u's address. It never fails. Like
// the links above, the line carries a live secret: a developer's convenience only.
func (n *LogNotifier) SendSignIn(ctx context.Context, u domain.User, token, code string) error {
	n.logger.LogAttrs(ctx, slog.LevelInfo, "sign-in link and code",
		slog.String("kind", string(kindSignIn)),
		slog.String("user_id", u.ID),
		slog.String("email", u.Email),
		slog.String("link", n.links.signIn(token)),
		slog.String("code", code),
	)
	return nil
}
