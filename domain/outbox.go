package domain

import "time"

// DeliveryChannel says how a delivery leaves the service.
type DeliveryChannel string

// The delivery channels.
const (
	ChannelMail    DeliveryChannel = "mail"
	ChannelWebhook DeliveryChannel = "webhook"
)

// Mail kinds a mail delivery carries (Delivery.Kind on ChannelMail).
const (
	MailActivation    = "activation"
	MailPasswordReset = "password_reset"
	// LinkRequest… are not mails but the request for one — forgot and resend —
	// stored as the request is answered, before anything about the address is
	// known; the dispatcher looks the account up and, when it gets a mail, stores
	// the token with its mail. Payload is {"email", "given", "ip", "user_agent"}.
	LinkRequestPasswordReset = "password_reset_request"
	LinkRequestActivation    = "activation_request"
	// MailRecoveryCodeUsed carries no token; its Payload is {"remaining": n}.
	MailRecoveryCodeUsed = "recovery_code_used"
	// MailEmailChange carries the confirmation token to the new address; its
	// Payload is MailAddresses.
	MailEmailChange = "email_change"
	// MailEmailChangeNotice tells the old address that a change was asked for; it
	// carries no token, its Payload is MailAddresses.
	MailEmailChangeNotice = "email_change_notice"
	// LinkRequestSignIn is the request for a sign-in mail (POST /v1/auth/otp),
	// stored like the other link requests; its payload adds "locale", the
	// requester's language, for an address that has no account yet.
	LinkRequestSignIn = "sign_in_request"
	// MailSignIn carries a sign-in link and code (sealed together); its Payload is
	// SignInMail, and its UserID is "" for an address without an account.
	MailSignIn = "sign_in"
)

// MailAddresses is the payload of the e-mail-change mails: the address the
// account had when the change was asked for and the one it is moving to. The mails
// go to these, not to the account's address at sending time, which the
// confirmation may already have moved.
type MailAddresses struct {
	OldEmail string `json:"old_email"`
	NewEmail string `json:"new_email"`
}

// Delivery is one row of the outbox: a mail or webhook call written in the same
// store operation as the change that causes it, and sent afterwards, at least
// once, by whichever instance's dispatcher claims it. A crash between the
// acknowledgement and the send loses nothing: the row waits in the store.
type Delivery struct {
	ID      string // UUIDv7
	Channel DeliveryChannel
	// EventID is the event the delivery reports (webhooks: the webhook-id header,
	// unchanged on every retry); "" for a mail without an event.
	EventID string
	// UserID is the account a mail goes to (its address is read when it is sent).
	UserID string
	// Kind is the mail kind (MailActivation, …) or, for a webhook, the event type.
	Kind string
	// Payload is the webhook request body; unused for mails.
	Payload []byte
	// Sealed is a secret the mail carries (a one-time token), sealed with
	// ports.Sealer under the aad SealAAD(ID); the store drops it once the mail is
	// delivered or dead. nil when the mail carries none.
	Sealed    []byte
	CreatedAt time.Time
	// DueAt is when the next attempt may start; while a dispatcher holds the row's
	// lease it is the end of that lease.
	DueAt time.Time
	// Attempts counts the claims so far (the current one included, on a claimed row).
	Attempts  int
	LastError string
	// Lease is the token of the claim that returned this row ("" on a new row); only
	// its holder may complete, retry or bury it.
	Lease string
	// DeadAt is when the row was given up (AUTH_DELIVERY_MAX_AGE passed); nil while
	// it is still pending.
	DeadAt *time.Time
}

// SealAAD is the additional authenticated data a delivery's secret is sealed under:
// its row id and column, so a sealed value copied to another row does not open.
func SealAAD(deliveryID string) []byte { return []byte("outbox:" + deliveryID + ":sealed") }

// SignInMail is the payload of a sign-in mail: the address the pair was made for
// and the locale to write in when the address has no account.
type SignInMail struct {
	Email  string `json:"email"`
	Locale string `json:"locale,omitempty"`
}
