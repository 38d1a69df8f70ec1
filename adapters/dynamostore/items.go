package dynamostore

import (
	"context"
	"math"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
)

// Attribute names of the keys and the index (see the package comment).
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrTTL    = "ttl"
	indexGSI1  = "GSI1"
	usersPart  = "USERS"
)

type key = map[string]types.AttributeValue

func itemKey(pk, sk string) key {
	return key{attrPK: str(pk), attrSK: str(sk)}
}

func userKey(id string) key                { return itemKey("USER#"+id, "USER") }
func emailGuardKey(email string) key       { return itemKey("EMAIL#"+email, "EMAIL") }
func usernameGuardKey(name string) key     { return itemKey("USERNAME#"+name, "USERNAME") }
func sessionKey(id string) key             { return itemKey("SESSION#"+id, "SESSION") }
func sessionLinkKey(userID, id string) key { return itemKey("USER#"+userID, "SESSION#"+id) }
func tokenKey(hash string) key             { return itemKey("TOKEN#"+hash, "TOKEN") }
func secretKey(name string) key            { return itemKey("SECRET#"+name, "SECRET") }
func attemptsKey(k string) key             { return itemKey("ATTEMPTS#"+k, "ATTEMPTS") }
func tokenLinkKey(userID string, kind domain.TokenKind, hash string) key {
	return itemKey("USER#"+userID, tokenLinkPrefix(kind)+hash)
}
func tokenLinkPrefix(kind domain.TokenKind) string { return "TOKEN#" + string(kind) + "#" }

// currentTokenKey is the item naming the user's newest token of the kind.
func currentTokenKey(userID string, kind domain.TokenKind) key {
	return itemKey("USER#"+userID, currentTokenPrefix+string(kind))
}

// currentTokenPrefix starts the sort key of every current-token item.
const currentTokenPrefix = "CURRENT#TOKEN#"

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// timeValue is how every timestamp is stored: RFC 3339 with nanoseconds, in UTC.
func timeValue(t time.Time) types.AttributeValue {
	av, _ := attributevalue.Marshal(t.UTC()) // a time.Time always marshals
	return av
}

func num(n int64) types.AttributeValue {
	av, _ := attributevalue.Marshal(n)
	return av
}

// ttlOf is the TTL attribute for an expiry: epoch seconds, rounded up so DynamoDB
// never deletes an item before it expired.
func ttlOf(t time.Time) int64 {
	return int64(math.Ceil(float64(t.UnixNano()) / 1e9))
}

// userItem is a user as stored.
type userItem struct {
	PK           string     `dynamodbav:"PK"`
	SK           string     `dynamodbav:"SK"`
	GSI1PK       string     `dynamodbav:"GSI1PK"`
	GSI1SK       string     `dynamodbav:"GSI1SK"`
	ID           string     `dynamodbav:"id"`
	Email        string     `dynamodbav:"email"`
	Username     string     `dynamodbav:"username"`
	Name         string     `dynamodbav:"name"`
	Mobile       string     `dynamodbav:"mobile"`
	Role         string     `dynamodbav:"role"`
	Status       string     `dynamodbav:"status"`
	PasswordHash string     `dynamodbav:"password_hash"`
	CreatedAt    time.Time  `dynamodbav:"created_at"`
	UpdatedAt    time.Time  `dynamodbav:"updated_at"`
	ActivatedAt  *time.Time `dynamodbav:"activated_at,omitempty"`
	// Version counts the writes to the profile (UserStore.Update, activation); a
	// profile write is conditioned on the version it read, so it can never undo a
	// write that came between. Items written before it existed have none (0).
	Version int64 `dynamodbav:"version,omitempty"`
	// MFAEnabled is written by the MFA store only (see setMFAItem).
	MFAEnabled bool `dynamodbav:"mfa_enabled,omitempty"`
	// Locale is the language of the account's mail ("" on items from before it).
	Locale string `dynamodbav:"locale,omitempty"`
}

func newUserItem(u *domain.User) userItem {
	return userItem{
		PK: "USER#" + u.ID, SK: "USER",
		GSI1PK: usersPart, GSI1SK: u.ID,
		ID: u.ID, Email: u.Email, Username: u.Username, Name: u.Name, Mobile: u.Mobile,
		Role: string(u.Role), Status: string(u.Status), PasswordHash: u.PasswordHash,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC(),
		ActivatedAt: utcPtr(u.ActivatedAt), MFAEnabled: u.MFAEnabled, Locale: u.Locale,
	}
}

func (it userItem) user() *domain.User {
	return &domain.User{
		ID: it.ID, Email: it.Email, Username: it.Username, Name: it.Name, Mobile: it.Mobile,
		Role: domain.Role(it.Role), Status: domain.Status(it.Status), PasswordHash: it.PasswordHash,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, ActivatedAt: it.ActivatedAt,
		MFAEnabled: it.MFAEnabled, Locale: it.Locale,
	}
}

// guardItem reserves an e-mail address or username for one user.
type guardItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	UserID string `dynamodbav:"user_id"`
}

// sessionItem is a session as stored. ExpiresNS repeats ExpiresAt as a number so
// that conditions can compare it exactly.
type sessionItem struct {
	PK        string     `dynamodbav:"PK"`
	SK        string     `dynamodbav:"SK"`
	ID        string     `dynamodbav:"id"`
	UserID    string     `dynamodbav:"user_id"`
	Counter   uint64     `dynamodbav:"counter"`
	RotatedAt time.Time  `dynamodbav:"rotated_at"`
	CreatedAt time.Time  `dynamodbav:"created_at"`
	ExpiresAt time.Time  `dynamodbav:"expires_at"`
	ExpiresNS int64      `dynamodbav:"expires_ns"`
	RevokedAt *time.Time `dynamodbav:"revoked_at,omitempty"`
	UserAgent string     `dynamodbav:"user_agent"`
	IP        string     `dynamodbav:"ip"`
	TTL       int64      `dynamodbav:"ttl"`
	// AAL, AMR and AuthTime say how the session was opened; items of earlier
	// releases have none and were password logins (read as aal1, pwd, CreatedAt).
	AAL      string     `dynamodbav:"aal,omitempty"`
	AMR      []string   `dynamodbav:"amr,omitempty"`
	AuthTime *time.Time `dynamodbav:"auth_time,omitempty"`
}

func (it sessionItem) session() *domain.Session {
	s := &domain.Session{
		ID: it.ID, UserID: it.UserID, Counter: it.Counter, RotatedAt: it.RotatedAt,
		CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt, RevokedAt: it.RevokedAt,
		UserAgent: it.UserAgent, IP: it.IP,
		AAL: domain.AAL(it.AAL), AMR: it.AMR, AuthTime: it.CreatedAt,
	}
	if s.AAL == "" {
		s.AAL = domain.AAL1
	}
	if len(s.AMR) == 0 {
		s.AMR = []string{domain.AMRPassword}
	}
	if it.AuthTime != nil {
		s.AuthTime = *it.AuthTime
	}
	return s
}

// linkItem is an entry of a user's item collection pointing at one of its sessions
// or tokens (Target is the session id or the token hash).
type linkItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Target    string `dynamodbav:"target"`
	ExpiresNS int64  `dynamodbav:"expires_ns"`
	TTL       int64  `dynamodbav:"ttl"`
}

// tokenItem is a one-time token as stored, keyed by its hash.
type tokenItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Hash      string    `dynamodbav:"hash"`
	Kind      string    `dynamodbav:"kind"`
	UserID    string    `dynamodbav:"user_id"`
	NewEmail  string    `dynamodbav:"new_email,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
	TTL       int64     `dynamodbav:"ttl"`
}

// currentTokenItem names the hash of the user's newest token of one kind. Every
// Create overwrites it in its transaction and every consumption checks it in its
// own, so that of tokens created concurrently only the last written can be used,
// even when the clean-up of the others read the collection too early to see them.
// It has no TTL: it must outlive its token, and it goes with the account.
type currentTokenItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Hash string `dynamodbav:"hash"`
}

// secretItem is a generated secret.
type secretItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Value []byte `dynamodbav:"value"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// marshal encodes an item struct; the structs above always encode.
func marshal(v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		panic("dynamostore: marshal item: " + err.Error())
	}
	return m
}

// put is a transaction Put of item with an optional condition.
func (s *Store) put(item any, cond string, names map[string]string, values map[string]types.AttributeValue) types.TransactWriteItem {
	p := &types.Put{TableName: aws.String(s.table), Item: marshal(item),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
		p.ExpressionAttributeNames = names
		p.ExpressionAttributeValues = values
	}
	return types.TransactWriteItem{Put: p}
}

// del is an unconditional transaction Delete.
func (s *Store) del(k key) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: k}}
}

// userExists is a transaction ConditionCheck that the user item exists.
func (s *Store) userExists(userID string) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName:                aws.String(s.table),
		Key:                      userKey(userID),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	}}
}

// putForUser writes put — conditioned on its own — with a check that the user
// exists (when userID is not empty) and effects, in one transaction: taken when
// put's condition fails, not_found when the user does not exist.
func (s *Store) putForUser(ctx context.Context, op string, put types.TransactWriteItem, userID string,
	effects []types.TransactWriteItem, taken error) error {
	items := []types.TransactWriteItem{put}
	if userID != "" {
		items = append(items, s.userExists(userID))
	}
	err := s.transact(ctx, append(items, effects...))
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return taken
	case userID != "" && failedAt(reasons, 1):
		return userNotFound()
	}
	return translate(op, err)
}

// pkString returns the partition key of k.
func pkString(k key) string { return k[attrPK].(*types.AttributeValueMemberS).Value }

// skString returns the sort key of k.
func skString(k key) string { return k[attrSK].(*types.AttributeValueMemberS).Value }

// countGSI1 counts the items of one GSI1 partition, a page of keys at a time; op
// names the operation in an error.
func (s *Store) countGSI1(ctx context.Context, pk, op string) (int64, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		Select:                    types.SelectCount,
	}
	var n int64
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, translate(op, err)
		}
		n += int64(page.Count)
	}
	return n, nil
}
