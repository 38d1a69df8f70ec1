package notify

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// StartTLS policies for smtp:// URLs.
const (
	// StartTLSOpportunistic upgrades the connection when the server offers STARTTLS
	// and continues in clear text otherwise. Credentials are still never sent in
	// clear text to a host other than localhost (AUTH PLAIN refuses).
	StartTLSOpportunistic = "opportunistic"
	// StartTLSRequired fails the delivery when the server does not offer STARTTLS.
	StartTLSRequired = "required"
)

// Default ports: submission with STARTTLS (RFC 6409) for smtp://, and implicit TLS
// submission (RFC 8314) for smtps://. Port 25 is for server-to-server relay and is
// blocked for outbound traffic by most cloud providers, so it is not the default.
const (
	DefaultSMTPPort  = 587
	DefaultSMTPSPort = 465
)

// DefaultSMTPTimeout bounds one delivery (connect, TLS, AUTH, DATA) when
// SMTPConfig.Timeout is zero. Mail is sent while the HTTP request waits, so it must
// stay well under a client's patience.
const DefaultSMTPTimeout = 10 * time.Second

// ParseSMTPURL reads an AUTH_SMTP_URL into the connection fields of an SMTPConfig
// (Host, Port, Username, Password, ImplicitTLS, StartTLS); the caller adds From,
// PublicURL and the rest.
//
// Accepted forms:
//
//	smtp://[user:pass@]host[:port][?starttls=opportunistic|required]   default port 587
//	smtps://[user:pass@]host[:port]                                     default port 465
//
// User and password are percent-decoded. Errors never repeat the URL, because it
// may carry a password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	var cfg SMTPConfig
	u, err := url.Parse(raw)
	if err != nil {
		return cfg, errors.New("not a valid URL")
	}
	switch u.Scheme {
	case "smtp":
		cfg.Port = DefaultSMTPPort
	case "smtps":
		cfg.Port = DefaultSMTPSPort
		cfg.ImplicitTLS = true
	default:
		return cfg, fmt.Errorf("scheme %q is not smtp or smtps", u.Scheme)
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return cfg, errors.New("host is missing")
	}
	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return cfg, fmt.Errorf("port %q is not between 1 and 65535", p)
		}
		cfg.Port = port
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, errors.New("path is not allowed")
	}
	q := u.Query()
	for key := range q {
		if key != "starttls" {
			return cfg, fmt.Errorf("unknown query parameter %q", key)
		}
	}
	switch st := q.Get("starttls"); st {
	case "", StartTLSOpportunistic:
		cfg.StartTLS = StartTLSOpportunistic
	case StartTLSRequired:
		if cfg.ImplicitTLS {
			return cfg, errors.New("starttls does not apply to smtps (the connection is TLS from the start)")
		}
		cfg.StartTLS = StartTLSRequired
	default:
		return cfg, fmt.Errorf("starttls=%q is not opportunistic or required", st)
	}
	return cfg, nil
}
