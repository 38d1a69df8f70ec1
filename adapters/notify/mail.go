package notify

import (
	"embed"
	htmltemplate "html/template"
	"net/mail"
	texttemplate "text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/authd/authd/domain"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// template is one kind of mail: its subject and the two renderings of its body.
type template struct {
	subject  string
	validFor time.Duration
	text     *texttemplate.Template
	html     *htmltemplate.Template
}

// The templates are embedded and parsed once; a broken template is a build defect,
// caught by the tests, so Must is appropriate.
var templates = map[kind]template{
	kindActivation: {
		subject:  "Activate your account",
		validFor: domain.ActivationTokenTTL,
		text:     texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/activation.txt.tmpl")),
		html:     htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/activation.html.tmpl")),
	},
	kindPasswordReset: {
		subject:  "Reset your password",
		validFor: domain.PasswordResetTokenTTL,
		text:     texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/reset.txt.tmpl")),
		html:     htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/reset.html.tmpl")),
	},
	kindRecoveryCodeUsed: {
		subject: "A recovery code was used to sign in",
		text:    texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/recovery_code_used.txt.tmpl")),
		html:    htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/recovery_code_used.html.tmpl")),
	},
	kindEmailChange: {
		subject:  "Confirm your new e-mail address",
		validFor: domain.EmailChangeTokenTTL,
		text:     texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/email_change.txt.tmpl")),
		html:     htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/email_change.html.tmpl")),
	},
	kindEmailChangeNotice: {
		subject: "Your e-mail address is being changed",
		text:    texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/email_change_notice.txt.tmpl")),
		html:    htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/email_change_notice.html.tmpl")),
	},
}

// mailExtra is what a mail carries beyond the account: its link, the count of a
// recovery-code notice, and for the e-mail-change mails the two addresses and
// the recipient (To; "" means the account's address).
type mailExtra struct {
	Link      string
	Remaining int
	To        string
	OldEmail  string
	NewEmail  string
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
}

// compose builds the multipart/alternative message of kind k for u, sent to x.To
// when set and to u's address otherwise.
func compose(from *mail.Address, k kind, u domain.User, x mailExtra) (*gomail.Msg, error) {
	tpl := templates[k]
	data := mailData{
		Subject:   tpl.subject,
		Name:      u.Name,
		Email:     u.Email,
		Link:      x.Link,
		ValidFor:  validFor(tpl.validFor),
		Remaining: x.Remaining,
		OldEmail:  x.OldEmail,
		NewEmail:  x.NewEmail,
	}
	to := u.Email
	if x.To != "" {
		to = x.To
	}
	if data.Name == "" {
		data.Name = u.Username
	}
	m := gomail.NewMsg()
	m.FromMailAddress(from)
	m.ToMailAddress(&mail.Address{Name: u.Name, Address: to})
	m.Subject(tpl.subject)
	m.SetUserAgent("authd")
	if err := m.SetBodyTextTemplate(tpl.text, data); err != nil {
		return nil, err
	}
	if err := m.AddAlternativeHTMLTemplate(tpl.html, data); err != nil {
		return nil, err
	}
	return m, nil
}
