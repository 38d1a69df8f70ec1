package app

import (
	"context"

	"github.com/authd/authd/domain"
)

// IdentityIssue is a stored account whose e-mail address or username today's
// normalisation (the Identifiers port) would not store as it is: it refuses it,
// maps it to another form, or maps it to the same form as an earlier account's.
type IdentityIssue struct {
	UserID string
	// Field is "email" or "username".
	Field  string
	Stored string
	// Normalised is the form today's rule gives Stored; "" when it refuses it.
	Normalised string
	// Refused is the field error code when the rule refuses Stored.
	Refused string
	// CollidesWith is the id of an earlier account (in id order) whose value has
	// the same normalised form.
	CollidesWith string
}

// checkPageSize is how many accounts CheckIdentities reads per store call.
const checkPageSize = 500

// CheckIdentities reads every account and reports those that need an operator's
// decision after the upgrade to Unicode normalisation: rows stored under the old
// rule (trim and lower-case) that the new one refuses, changes, or folds onto
// another account. It changes nothing; merging or renaming accounts is a person's
// call. Accounts whose value only changes stay reachable (lookups fall back to the
// old form), but a collision means two accounts look the same to their users.
func (a *App) CheckIdentities(ctx context.Context) ([]IdentityIssue, error) {
	var issues []IdentityIssue
	owners := map[string]string{} // field + "\x00" + normalised value → first user id
	check := func(u domain.User, field, stored string, normalise func(field, raw string) (string, *domain.FieldError)) {
		if stored == "" {
			return
		}
		issue := IdentityIssue{UserID: u.ID, Field: field, Stored: stored}
		n, fe := normalise(field, stored)
		if fe != nil {
			issue.Refused = fe.Code
			issues = append(issues, issue)
			return
		}
		issue.Normalised = n
		key := field + "\x00" + n
		if first, ok := owners[key]; ok {
			issue.CollidesWith = first
		} else {
			owners[key] = u.ID
		}
		if n != stored || issue.CollidesWith != "" {
			issues = append(issues, issue)
		}
	}
	after := ""
	for {
		users, err := a.Users.List(ctx, after, checkPageSize)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			check(u, "email", u.Email, a.email)
			check(u, "username", u.Username, a.username)
		}
		if len(users) < checkPageSize {
			return issues, nil
		}
		after = users[len(users)-1].ID
	}
}
