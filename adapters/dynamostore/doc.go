// Package dynamostore implements every store port of authd on one Amazon DynamoDB
// table with aws-sdk-go-v2. The table name comes from the URL
// (dynamodb://TABLE?region=R&endpoint=URL); Migrate creates it, so nobody clicks
// through a console.
//
// # Key design
//
// One table, string keys PK and SK, and one overloaded global secondary index GSI1
// (GSI1PK, GSI1SK, projection ALL). Every look-up is a GetItem or a Query; nothing
// scans.
//
//	item                 PK                 SK                   GSI1PK  GSI1SK  TTL
//	user                 USER#<id>          USER                 USERS   <id>    -
//	session link         USER#<userID>      SESSION#<sessionID>  -       -       ttl
//	token link           USER#<userID>      TOKEN#<kind>#<hash>  -       -       ttl
//	current token        USER#<userID>      CURRENT#TOKEN#<kind> -       -       -
//	session              SESSION#<id>       SESSION              -       -       ttl
//	one-time token       TOKEN#<hash>       TOKEN                -       -       ttl
//	e-mail guard         EMAIL#<email>      EMAIL                -       -       -
//	username guard       USERNAME#<name>    USERNAME             -       -       -
//	secret               SECRET#<name>      SECRET               -       -       -
//
// Why this shape:
//
//   - ByEmail and ByUsername read the guard item (which names the owner's id) and
//     then the user: two consistent GetItems, never a scan or an eventually
//     consistent index read.
//   - Uniqueness: a user and its guards are written in one TransactWriteItems, each
//     guard conditioned on attribute_not_exists(PK), and a change of e-mail or
//     username moves its guard in the transaction that updates the user. A guard is
//     therefore never written without its user. Should one still point at a user
//     that does not exist (a hand-edited table, a partial restore), the next Create
//     or Update that wants the name checks the owner and replaces the guard with a
//     write conditioned on the stale owner id, so an orphan never blocks sign-up.
//   - List reads GSI1 partition USERS in id order (UUIDv7, so creation order). It is
//     one constant partition: fine for an admin listing, and it keeps pagination a
//     single ordered Query. Index reads are eventually consistent, so a user created
//     a moment ago may show up on the next page load rather than this one.
//   - The user's item collection (PK USER#<id>) holds a link item per session and
//     per one-time token. Revoking all of a user's sessions, replacing earlier
//     tokens, and deleting the account query that collection with a consistent
//     read, so a session created just before a password reset is never missed, as
//     it could be through an index.
//   - The current-token item of a user and kind names the hash of the newest token.
//     Create writes it in its transaction and each consumption checks it in its
//     own, so of tokens created concurrently — whose clean-ups could not see each
//     other — only the one committed last works.
//   - Sessions and tokens are keyed by their own id or hash, so the refresh hot path
//     (ByID, Rotate) is one GetItem and one conditional UpdateItem.
//   - Sessions, tokens and their links carry ttl, epoch seconds of expiry, which
//     DynamoDB's TTL deletes lazily (up to days later). Reads therefore decide expiry
//     themselves: an expired token is token_expired, and a session's ExpiresAt is
//     checked by the caller and by RevokeAll.
//
// # Errors
//
// The SDK retries throttling, 5xx and connection failures a bounded number of times
// (Options.MaxAttempts); what still fails becomes domain.CodeUnavailable with a
// RetryAfter, the SDK's message kept only in Err. Conditional-check and transaction
// cancellations become not_found, conflict, email_taken, username_taken,
// token_invalid or token_expired as each port method documents.
package dynamostore
