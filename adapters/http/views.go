package httpapi

import (
	"time"

	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// userView is the public shape of an account (ARCHITECTURE.md §3). It lists its
// fields explicitly, so the password hash and the login-failure counters can never
// leak through a new field on domain.User. Unset username, name and mobile are
// empty strings, never null, so clients need no null checks for them.
type userView struct {
	ID          string      `json:"id"`
	Email       string      `json:"email"`
	Username    string      `json:"username"`
	Name        string      `json:"name"`
	Mobile      string      `json:"mobile"`
	Role        domain.Role `json:"role"`
	Status      string      `json:"status"`
	CreatedAt   string      `json:"created_at"`
	UpdatedAt   string      `json:"updated_at"`
	ActivatedAt *string     `json:"activated_at"`
	MFAEnabled  bool        `json:"mfa_enabled"`
	Locale      string      `json:"locale"`
}

// timeFormat is RFC 3339 in UTC at second precision: every backend stores at least
// that, so one account renders the same whichever database holds it.
const timeFormat = time.RFC3339

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func newUserView(u *domain.User) userView {
	v := userView{
		ID: u.ID, Email: u.Email, Username: u.Username, Name: u.Name, Mobile: u.Mobile,
		Role: u.Role, Status: string(u.Status),
		CreatedAt: formatTime(u.CreatedAt), UpdatedAt: formatTime(u.UpdatedAt),
		MFAEnabled: u.MFAEnabled, Locale: u.Locale,
	}
	if u.ActivatedAt != nil {
		s := formatTime(*u.ActivatedAt)
		v.ActivatedAt = &s
	}
	return v
}

// userBody wraps one user: {"user": {...}}.
type userBody struct {
	User userView `json:"user"`
}

// userPageBody is one page of the user list; NextCursor is null on the last page.
type userPageBody struct {
	Users      []userView `json:"users"`
	NextCursor *string    `json:"next_cursor"`
}

func newUserPageBody(p *app.UserPage) userPageBody {
	out := userPageBody{Users: make([]userView, 0, len(p.Users))}
	for i := range p.Users {
		out.Users = append(out.Users, newUserView(&p.Users[i]))
	}
	if p.NextCursor != "" {
		out.NextCursor = &p.NextCursor
	}
	return out
}

// tokenBody is the RFC 6749 §5.1 token response, plus the account it belongs to.
type tokenBody struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int64    `json:"expires_in"`
	RefreshToken string   `json:"refresh_token"`
	User         userView `json:"user"`
}

func newTokenBody(p *app.TokenPair) tokenBody {
	return tokenBody{
		AccessToken: p.AccessToken, TokenType: "Bearer",
		ExpiresIn:    int64(p.ExpiresIn / time.Second),
		RefreshToken: p.RefreshToken, User: newUserView(&p.User),
	}
}
