package notify

import (
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/authd/authd/domain"
)

// Mail templates (ARCHITECTURE.md §11). Every kind of mail has, per locale, three
// templates named <kind>.<locale>.<part>.tmpl: the subject (text), the plain-text
// body and the HTML body. en and es are built in; a directory given as
// AUTH_MAIL_TEMPLATES_DIR may replace any of them and add locales, by the same
// names. All are parsed, and executed once on sample data, when the notifier is
// made, so a broken template stops the start with its file name rather than
// failing a mail at 3 a.m.

// The three parts of a mail, as they appear in template file names.
const (
	partSubject = "subject"
	partText    = "txt"
	partHTML    = "html"
)

var parts = []string{partSubject, partText, partHTML}

// kinds lists every mail kind with the lifetime its link shows (0: no link).
var kinds = map[kind]time.Duration{
	kindActivation:        domain.ActivationTokenTTL,
	kindPasswordReset:     domain.PasswordResetTokenTTL,
	kindRecoveryCodeUsed:  0,
	kindEmailChange:       domain.EmailChangeTokenTTL,
	kindEmailChangeNotice: 0,
	kindSignIn:            domain.SignInCodeTTL,
}

// mailTemplates are the three parsed parts of one kind in one locale.
type mailTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// catalog holds the templates of every kind by locale.
type catalog struct {
	byKind        map[kind]map[string]*mailTemplates
	defaultLocale string
}

// TemplateOptions say where mail templates come from beyond the built-in ones.
type TemplateOptions struct {
	// Dir overrides or adds templates (AUTH_MAIL_TEMPLATES_DIR); "" for none.
	Dir string
	// DefaultLocale is used for accounts whose locale has no templates
	// (AUTH_DEFAULT_LOCALE); "" means domain.DefaultLocale. It must have templates
	// for every kind.
	DefaultLocale string
}

// CheckTemplates loads the templates opts describe and reports the first broken,
// misnamed or missing one, by file name. The start-up of the service calls it even
// when mail goes to the log, so that a bad template directory never waits for the
// day SMTP is configured.
func CheckTemplates(opts TemplateOptions) error {
	_, err := loadCatalog(opts)
	return err
}

func loadCatalog(opts TemplateOptions) (*catalog, error) {
	c := &catalog{byKind: map[kind]map[string]*mailTemplates{}, defaultLocale: opts.DefaultLocale}
	if c.defaultLocale == "" {
		c.defaultLocale = domain.DefaultLocale
	}
	for k := range kinds {
		c.byKind[k] = map[string]*mailTemplates{}
	}
	builtIn, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	if err := c.add(builtIn, "built-in template "); err != nil {
		return nil, err
	}
	if opts.Dir != "" {
		if err := c.add(os.DirFS(opts.Dir), opts.Dir+string(os.PathSeparator)); err != nil {
			return nil, err
		}
	}
	return c, c.check()
}

// add parses every template file of fsys into the catalog, replacing what is
// there. where prefixes file names in errors.
func (c *catalog) add(fsys fs.FS, where string) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("mail templates %s: %w", strings.TrimSuffix(where, string(os.PathSeparator)), err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") {
			continue
		}
		k, locale, part, err := parseTemplateName(name)
		if err != nil {
			return fmt.Errorf("mail template %s%s: %w", where, name, err)
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("mail template %s%s: %w", where, name, err)
		}
		set := c.byKind[k][locale]
		if set == nil {
			set = &mailTemplates{}
			c.byKind[k][locale] = set
		}
		switch part {
		case partSubject:
			set.subject, err = texttemplate.New(name).Option("missingkey=error").Parse(strings.TrimSpace(string(src)))
		case partText:
			set.text, err = texttemplate.New(name).Option("missingkey=error").Parse(string(src))
		case partHTML:
			set.html, err = htmltemplate.New(name).Option("missingkey=error").Parse(string(src))
		}
		if err != nil {
			return fmt.Errorf("mail template %s%s: %w", where, name, err)
		}
	}
	return nil
}

// parseTemplateName splits <kind>.<locale>.<part>.tmpl.
func parseTemplateName(name string) (kind, string, string, error) {
	base, ok := strings.CutSuffix(name, ".tmpl")
	f := strings.Split(base, ".")
	if !ok || len(f) != 3 {
		return "", "", "", errors.New("want a name <kind>.<locale>.<subject|txt|html>.tmpl")
	}
	k := kind(f[0])
	if _, known := kinds[k]; !known {
		return "", "", "", fmt.Errorf("unknown mail kind %q (known: %s)", f[0], knownKinds())
	}
	locale, ok := domain.NormalizeLocale(f[1])
	if !ok {
		return "", "", "", fmt.Errorf("%q is not a BCP 47 language tag", f[1])
	}
	if !slices.Contains(parts, f[2]) {
		return "", "", "", fmt.Errorf("unknown part %q (want subject, txt or html)", f[2])
	}
	return k, locale, f[2], nil
}

func knownKinds() string {
	var ks []string
	for k := range kinds {
		ks = append(ks, string(k))
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// check makes sure that every locale has all three parts of a kind it has any of,
// that the default locale has every kind, and that every template runs on sample
// data (a misspelt field fails here, not in a mail).
func (c *catalog) check() error {
	for k, locales := range c.byKind {
		if _, ok := locales[c.defaultLocale]; !ok {
			return fmt.Errorf("mail templates: the default locale %q has no %s templates (%s.%s.*.tmpl)",
				c.defaultLocale, k, k, c.defaultLocale)
		}
		for locale, set := range locales {
			file := func(part string) string { return fmt.Sprintf("%s.%s.%s.tmpl", k, locale, part) }
			if set.subject == nil || set.text == nil || set.html == nil {
				for _, p := range parts {
					if (p == partSubject && set.subject == nil) || (p == partText && set.text == nil) || (p == partHTML && set.html == nil) {
						return fmt.Errorf("mail template %s is missing (a locale needs all three parts of a kind)", file(p))
					}
				}
			}
			data := sampleData(locale, kinds[k])
			if err := set.subject.Execute(io.Discard, data); err != nil {
				return fmt.Errorf("mail template %s: %w", file(partSubject), err)
			}
			if err := set.text.Execute(io.Discard, data); err != nil {
				return fmt.Errorf("mail template %s: %w", file(partText), err)
			}
			if err := set.html.Execute(io.Discard, data); err != nil {
				return fmt.Errorf("mail template %s: %w", file(partHTML), err)
			}
		}
	}
	return nil
}

// pick returns the templates of k for locale: the locale itself, then its less
// specific forms (es-ES, es), then the default locale.
func (c *catalog) pick(k kind, locale string) (*mailTemplates, string) {
	for _, l := range domain.LocaleFallbacks(locale) {
		if set, ok := c.byKind[k][l]; ok {
			return set, l
		}
	}
	return c.byKind[k][c.defaultLocale], c.defaultLocale
}

func sampleData(locale string, ttl time.Duration) mailData {
	return mailData{Subject: "Subject", Name: "Ann", Email: "ann@example.com", Link: "https://example.com/x?token=t",
		ValidFor: validFor(locale, ttl), ValidForMinutes: int(ttl / time.Minute), Remaining: 3,
		OldEmail: "ann@example.com", NewEmail: "ann@example.org", Locale: locale, Code: "123456"}
}

// validFor renders a token lifetime for a human in the locale's language ("24
// hours", "24 horas"); languages without built-in words get English, and their
// templates may use .ValidForMinutes instead.
func validFor(locale string, d time.Duration) string {
	hour, hours, minute, minutes := "hour", "hours", "minute", "minutes"
	if strings.HasPrefix(locale, "es") && (len(locale) == 2 || locale[2] == '-') {
		hour, hours, minute, minutes = "hora", "horas", "minuto", "minutos"
	}
	n, one, many := int(d.Round(time.Minute)/time.Minute), minute, minutes
	if d >= time.Hour && d%time.Hour == 0 {
		n, one, many = int(d/time.Hour), hour, hours
	}
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
