package notify

import (
	"embed"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/authd/authd/domain"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// mailExtra is what a mail carries beyond the account: its link, the count of a
// recovery-code notice, and for the e-mail-change mails the two addresses and
// the recipient (To; "" means the account's address).
type mailExtra struct {
	Link      string
	Remaining int
	To        string
	OldEmail  string
	NewEmail  string
	Code      string
}

// mailData is what the templates see.
type mailData struct {
	Subject  string
	Name     string // greeting; empty when the user gave neither name nor username
	Email    string
	Link     string
	ValidFor string
	// Remaining is how many recovery codes are left (the recovery-code notice).
	Remaining int
	// OldEmail and NewEmail are the two addresses of an e-mail change.
	OldEmail string
	NewEmail string
	// ValidForMinutes is the link's lifetime as a number, for templates in a
	// language ValidFor has no words for.
	ValidForMinutes int
	// Locale is the locale the mail is written in.
	Locale string
	// Code is the 6-digit code of a sign-in mail.
	Code string
}

// compose builds the multipart/alternative message of kind k for u, in u's locale
// (or the closest the catalog has), sent to x.To when set and to u's address
// otherwise.
func compose(c *catalog, from *mail.Address, k kind, u domain.User, x mailExtra) (*gomail.Msg, error) {
	tpl, locale := c.pick(k, u.Locale)
	ttl := kinds[k]
	data := mailData{
		Name:            u.Name,
		Email:           u.Email,
		Link:            x.Link,
		ValidFor:        validFor(locale, ttl),
		ValidForMinutes: int(ttl / time.Minute),
		Remaining:       x.Remaining,
		OldEmail:        x.OldEmail,
		NewEmail:        x.NewEmail,
		Code:            x.Code,
		Locale:          locale,
	}
	if data.Name == "" {
		data.Name = u.Username
	}
	var subject strings.Builder
	if err := tpl.subject.Execute(&subject, data); err != nil {
		return nil, err
	}
	data.Subject = strings.TrimSpace(subject.String())
	to := u.Email
	if x.To != "" {
		to = x.To
	}
	m := gomail.NewMsg()
	m.FromMailAddress(from)
	m.ToMailAddress(&mail.Address{Name: u.Name, Address: to})
	m.Subject(data.Subject)
	m.SetUserAgent("authd")
	m.SetGenHeader(gomail.HeaderContentLang, locale)
	if err := m.SetBodyTextTemplate(tpl.text, data); err != nil {
		return nil, err
	}
	if err := m.AddAlternativeHTMLTemplate(tpl.html, data); err != nil {
		return nil, err
	}
	return m, nil
}
