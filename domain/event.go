package domain

import (
	"strings"
	"time"
)

// EventType names what happened, as `<noun>.<past verb>`. The list is closed: a type
// not below is never written, and the README's events table and openapi.json's enum
// are kept in step with EventTypes by a test.
type EventType string

// The event types (ARCHITECTURE.md §12). The data each carries is documented with
// EventTypes and in the README.
const (
	EventUserCreated    EventType = "user.created"
	EventUserActivated  EventType = "user.activated"
	EventUserUpdated    EventType = "user.updated"
	EventUserDeleted    EventType = "user.deleted"
	EventLoginSucceeded EventType = "login.succeeded"
	EventLoginFailed    EventType = "login.failed"
	EventSessionRevoked EventType = "session.revoked"
	EventRefreshReused  EventType = "refresh.reused"
	EventPasswordChange EventType = "password.changed"
	EventPasswordReset  EventType = "password.reset"

	// Second factors (§8, §9), written by the MFA flows.
	EventMFAEnrolled              EventType = "mfa.enrolled"
	EventMFARemoved               EventType = "mfa.removed"
	EventMFAReset                 EventType = "mfa.reset"
	EventMFAFailed                EventType = "mfa.failed"
	EventRecoveryCodeUsed         EventType = "recovery_code.used"
	EventRecoveryCodesRegenerated EventType = "recovery_codes.regenerated"
	EventPasskeyAdded             EventType = "passkey.added"
	EventPasskeyRemoved           EventType = "passkey.removed"
	EventIdentityLinked           EventType = "identity.linked"
	EventIdentityUnlinked         EventType = "identity.unlinked"
	EventEmailChangeRequested     EventType = "email_change.requested"
	EventEmailChanged             EventType = "email.changed"
	EventPasswordResetRequested   EventType = "password_reset.requested"
	EventActivationRequested      EventType = "activation.requested"
	EventSignInRequested          EventType = "sign_in.requested"
)

// EventTypeInfo documents one event type: when it is written and what its Data holds.
type EventTypeInfo struct {
	Type EventType
	When string
	Data string // the keys of Data, "" for none
}

// EventTypes is the closed list of event types with their documentation, in the
// order the README lists them.
var EventTypes = []EventTypeInfo{
	{EventUserCreated, "an account was created (sign-up or `authd admin create`)", "`role`, `status`"},
	{EventUserActivated, "a pending account became active (activation link, sign-in by mail, or admin)", "`by`: `token`, `email` or `admin`"},
	{EventUserUpdated, "profile, role or status changed", "`changed`: the names of the fields that changed; `role`, `status` when those changed (the new values)"},
	{EventUserDeleted, "an account was deleted (by its owner or an admin)", "`by`: `self` or `admin`"},
	{EventLoginSucceeded, "a login opened a session", "`method`: `pwd`, `otp`, `recovery_code`, `hwk` (a passkey, with `passkey_id`), `email` (a sign-in link or code; with `signed_up`: true when the account was made by it) or `fed` (an identity provider's authorization code)"},
	{EventLoginFailed, "a login was refused", "`reason`: `invalid_credentials` (unknown account — then `user_id` is null — or wrong password), `account_not_active` or `account_disabled` (right password), or `invalid_code` (a wrong sign-in code, with `method`: `email`)"},
	{EventSessionRevoked, "one or more sessions ended", "`reason`: `logout`, `logout_others`, `logout_all`, `revoked_by_user` (DELETE /v1/auth/sessions/{id}; `session_id` is the ended one), `refresh_reused` or `account_disabled`"},
	{EventRefreshReused, "a stale refresh token was presented; its session was revoked", "`presented`, `current`: the counters"},
	{EventPasswordChange, "the owner changed the password; every other session was revoked with it", ""},
	{EventPasswordReset, "a reset link set a new password; every session was revoked", ""},
	{EventPasswordResetRequested, "a reset link was mailed to an existing account", ""},
	{EventActivationRequested, "a new activation link was mailed (resend; the sign-up mail goes with `user.created`)", ""},
	{EventSignInRequested, "a sign-in link and code were mailed to an existing account (POST /v1/auth/otp)", ""},
	{EventMFAEnrolled, "a second factor was confirmed", "`factor`: `totp`"},
	{EventMFARemoved, "a second factor was removed by its owner", "`factor`"},
	{EventMFAReset, "an admin removed every second factor of the account", ""},
	{EventMFAFailed, "a second-factor code was refused", "`factor`"},
	{EventRecoveryCodeUsed, "a recovery code was used", "`remaining`"},
	{EventRecoveryCodesRegenerated, "new recovery codes replaced the old ones", ""},
	{EventPasskeyAdded, "a passkey was registered", "`passkey_id`"},
	{EventPasskeyRemoved, "a passkey was removed", "`passkey_id`"},
	{EventIdentityLinked, "an external identity was linked (by its owner, with the account a provider made, or automatically by a verified address)", "`provider`; `auto`: true when linked by AUTH_PROVIDER_<NAME>_AUTO_LINK"},
	{EventIdentityUnlinked, "an external identity was unlinked", "`provider`"},
	{EventEmailChangeRequested, "a confirmation link was mailed to a new address", ""},
	{EventEmailChanged, "the account's address changed", ""},
}

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool {
	for _, i := range EventTypes {
		if i.Type == t {
			return true
		}
	}
	return false
}

// MatchesEventFilter reports whether t is selected by filter: an exact type, or a
// prefix ending in "." ("user." selects every user.* type). The empty filter selects
// everything.
func MatchesEventFilter(t EventType, filter string) bool {
	if filter == "" {
		return true
	}
	if strings.HasSuffix(filter, ".") {
		return strings.HasPrefix(string(t), filter)
	}
	return string(t) == filter
}

// Event is one entry of the audit log: who did what to which account, when and
// from where. It is written in the same atomic store operation as the change it
// records, so the log never claims a change that did not happen nor misses one
// that did.
type Event struct {
	ID        string // UUIDv7: time-ordered, so the newest-first order is the id order
	Type      EventType
	UserID    string // the account the event is about; "" when there is none (a login for an unknown address)
	ActorID   string // who caused it: the account itself, an admin; "" for an anonymous caller or the system
	SessionID string // the session the change came through or was made to, if any
	IP        string
	UserAgent string
	At        time.Time
	// Data holds the type's own facts (see EventTypes); JSON-encodable values only.
	// Stores keep it as a JSON object, so numbers read back as float64.
	Data map[string]any
}

// EventFilter selects events for a listing, newest first.
type EventFilter struct {
	UserID string    // "" for every account
	Type   string    // a type, or a prefix ending in "."; "" for all
	Since  time.Time // zero for no lower bound; inclusive
	Before string    // an event id: only events with smaller ids (the cursor); "" for the newest
	Limit  int
}

// Effects are what a state change writes together with itself, in the same atomic
// store operation: its audit events and the deliveries (mail, webhooks) that tell
// someone about it. The zero value writes nothing.
type Effects struct {
	Events     []Event
	Deliveries []Delivery
}

// Empty reports whether fx writes nothing.
func (fx Effects) Empty() bool { return len(fx.Events) == 0 && len(fx.Deliveries) == 0 }

// Plus returns fx with other's events and deliveries appended.
func (fx Effects) Plus(other Effects) Effects {
	return Effects{
		Events:     append(append([]Event(nil), fx.Events...), other.Events...),
		Deliveries: append(append([]Delivery(nil), fx.Deliveries...), other.Deliveries...),
	}
}

// ForUser returns a copy of fx in which every event and delivery without a UserID
// has userID. The stores' Consume methods apply it with the token's user, whom the
// caller cannot know before the token is consumed.
func (fx Effects) ForUser(userID string) Effects {
	out := fx.Plus(Effects{})
	for i := range out.Events {
		if out.Events[i].UserID == "" {
			out.Events[i].UserID = userID
		}
	}
	for i := range out.Deliveries {
		if out.Deliveries[i].UserID == "" {
			out.Deliveries[i].UserID = userID
		}
	}
	return out
}
