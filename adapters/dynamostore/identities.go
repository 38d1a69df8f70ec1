package dynamostore

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// IdentityStore implements ports.IdentityStore on the table.
//
// Item layout: an identity is PK "USER#<id>", SK "IDENTITY#<provider>", in the
// account's item collection (so an account holds one per provider, and its
// deletion takes it along). (provider, subject) is reserved by a guard item, PK
// "IDENTITY#<provider>#<subject>", SK "IDENTITY", naming the owner — written
// with the identity on attribute_not_exists in the same transaction, like the
// e-mail guard, never by query-then-write — and found by its key at login. The
// identity item's `target` is the guard's PK. A flow is PK "PFLOW#<hash>", SK
// "PFLOW", with a TTL.
type IdentityStore struct{ s *Store }

var _ ports.IdentityStore = (*IdentityStore)(nil)

// Identities returns the identity store.
func (s *Store) Identities() ports.IdentityStore { return &IdentityStore{s: s} }

const (
	identityPrefix  = "IDENTITY#"
	identityGuardSK = "IDENTITY"
)

func identityKey(userID, provider string) key {
	return itemKey("USER#"+userID, identityPrefix+provider)
}
func identityGuardKey(provider, subject string) key {
	return itemKey(identityPrefix+provider+"#"+subject, identityGuardSK)
}
func flowKey(hash string) key { return itemKey("PFLOW#"+hash, "PFLOW") }

// identityItem is an identity as stored in its account's collection.
type identityItem struct {
	PK         string     `dynamodbav:"PK"`
	SK         string     `dynamodbav:"SK"`
	Target     string     `dynamodbav:"target"`
	Provider   string     `dynamodbav:"provider"`
	Subject    string     `dynamodbav:"subject"`
	UserID     string     `dynamodbav:"user_id"`
	Email      string     `dynamodbav:"email"`
	CreatedAt  time.Time  `dynamodbav:"created_at"`
	LastUsedAt *time.Time `dynamodbav:"last_used_at,omitempty"`
}

func (it identityItem) identity() domain.Identity {
	return domain.Identity{Provider: it.Provider, Subject: it.Subject, UserID: it.UserID, Email: it.Email,
		CreatedAt: it.CreatedAt, LastUsedAt: it.LastUsedAt}
}

// flowItem is a provider flow as stored.
type flowItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	Provider      string    `dynamodbav:"provider"`
	Secret        []byte    `dynamodbav:"secret"`
	CodeChallenge string    `dynamodbav:"code_challenge"`
	RedirectURI   string    `dynamodbav:"redirect_uri"`
	AppState      string    `dynamodbav:"app_state,omitempty"`
	LinkUserID    string    `dynamodbav:"link_user_id,omitempty"`
	CreatedAt     time.Time `dynamodbav:"created_at"`
	ExpiresAt     time.Time `dynamodbav:"expires_at"`
	TTL           int64     `dynamodbav:"ttl"`
}

func errIdentityNotFound() error {
	return domain.Errorf(domain.CodeNotFound, "The identity is not linked.")
}

func errIdentityTaken() error {
	return domain.Errorf(domain.CodeConflict, "This identity is linked already.")
}

// identityPuts are the two transaction items of a new identity: its guard and
// its item, each on attribute_not_exists.
func (s *Store) identityPuts(id *domain.Identity) []types.TransactWriteItem {
	gk := identityGuardKey(id.Provider, id.Subject)
	k := identityKey(id.UserID, id.Provider)
	item := identityItem{PK: pkString(k), SK: skString(k), Target: pkString(gk), Provider: id.Provider,
		Subject: id.Subject, UserID: id.UserID, Email: id.Email, CreatedAt: id.CreatedAt.UTC(),
		LastUsedAt: utcPtr(id.LastUsedAt)}
	notExists := map[string]string{"#pk": attrPK}
	return []types.TransactWriteItem{
		s.put(guardItem{PK: pkString(gk), SK: skString(gk), UserID: id.UserID}, "attribute_not_exists(#pk)", notExists, nil),
		s.put(item, "attribute_not_exists(#pk)", notExists, nil),
	}
}

// PutFlow puts the flow item, with its TTL.
func (is *IdentityStore) PutFlow(ctx context.Context, f *domain.ProviderFlow) error {
	k := flowKey(f.Hash)
	it := flowItem{PK: pkString(k), SK: skString(k), Provider: f.Provider, Secret: f.Secret,
		CodeChallenge: f.CodeChallenge, RedirectURI: f.RedirectURI, AppState: f.AppState,
		LinkUserID: f.LinkUserID, CreatedAt: f.CreatedAt.UTC(), ExpiresAt: f.ExpiresAt.UTC(), TTL: ttlOf(f.ExpiresAt)}
	err := is.s.transact(ctx, []types.TransactWriteItem{
		is.s.put(it, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil)})
	if failedAt(cancelled(err), 0) {
		return domain.Errorf(domain.CodeConflict, "The flow exists.")
	}
	return translate("put provider flow", err)
}

// ConsumeFlow is one conditional DeleteItem returning the old item: whoever
// deletes it has it.
func (is *IdentityStore) ConsumeFlow(ctx context.Context, hash string, now time.Time) (*domain.ProviderFlow, error) {
	var it flowItem
	ok, err := is.s.take(ctx, "consume provider flow", flowKey(hash), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The sign-in through the provider is not valid; start again.")
	}
	if !now.Before(it.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The sign-in through the provider took too long; start again.")
	}
	return &domain.ProviderFlow{Hash: hash, Provider: it.Provider, Secret: it.Secret, CodeChallenge: it.CodeChallenge,
		RedirectURI: it.RedirectURI, AppState: it.AppState, LinkUserID: it.LinkUserID,
		CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt}, nil
}

// ByIdentity reads the guard and then the identity item it names. A guard
// whose item is gone (never: both go in one transaction) reads as not_found.
func (is *IdentityStore) ByIdentity(ctx context.Context, provider, subject string) (*domain.Identity, error) {
	var g guardItem
	ok, err := is.s.get(ctx, "get identity guard", identityGuardKey(provider, subject), &g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errIdentityNotFound()
	}
	var it identityItem
	ok, err = is.s.get(ctx, "get identity", identityKey(g.UserID, provider), &it)
	if err != nil {
		return nil, err
	}
	if !ok || it.Subject != subject {
		return nil, errIdentityNotFound()
	}
	id := it.identity()
	return &id, nil
}

// Identities queries the user's collection for its identity items.
func (is *IdentityStore) Identities(ctx context.Context, userID string) ([]domain.Identity, error) {
	in := &dynamodb.QueryInput{
		TableName:                aws.String(is.s.table),
		ConsistentRead:           aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("USER#" + userID), ":prefix": str(identityPrefix),
		},
	}
	out := []domain.Identity{}
	p := dynamodb.NewQueryPaginator(is.s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate("list identities", err)
		}
		var items []identityItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, translate("list identities", err)
		}
		for _, it := range items {
			out = append(out, it.identity())
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].Provider < out[j].Provider
	})
	return out, nil
}

// CreateUser writes the user, its guards, the identity with its guard and fx
// in one transaction.
func (is *IdentityStore) CreateUser(ctx context.Context, u *domain.User, id *domain.Identity, fx domain.Effects) error {
	return (&UserStore{s: is.s}).create(ctx, u, nil, id, fx)
}

// Link writes the identity guard, the user's existence check, the identity item
// and fx in one transaction.
func (is *IdentityStore) Link(ctx context.Context, id *domain.Identity, fx domain.Effects) error {
	s := is.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	puts := s.identityPuts(id)
	items := append([]types.TransactWriteItem{puts[0], s.userExists(id.UserID), puts[1]}, effects...)
	err = s.transact(ctx, items)
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0), failedAt(reasons, 2):
		return errIdentityTaken()
	case failedAt(reasons, 1):
		return userNotFound()
	}
	return translate("link identity", err)
}

// Use sets last_used_at on the identity item the guard names.
func (is *IdentityStore) Use(ctx context.Context, provider, subject string, at time.Time) error {
	id, err := is.ByIdentity(ctx, provider, subject)
	if err != nil {
		return err
	}
	_, err = is.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(is.s.table),
		Key:                      identityKey(id.UserID, provider),
		UpdateExpression:         aws.String("SET last_used_at = :at"),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND subject = :sub"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": marshalTime(at), ":sub": str(subject),
		},
	})
	if _, ok := conditionFailed(err); ok {
		return errIdentityNotFound()
	}
	return translate("use identity", err)
}

// Unlink deletes the identity item (on the condition that it exists) and its
// guard, with fx, in one transaction. With keepWayIn the transaction also
// checks one other way in as it was read — the password hash on the user item,
// another identity item or a passkey item still there — so of two concurrent
// unlinks of an account's last two identities, each conditioned on the other's
// item, at most one commits.
func (is *IdentityStore) Unlink(ctx context.Context, userID, provider string, keepWayIn bool, fx domain.Effects) error {
	s := is.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	var it identityItem
	ok, err := s.get(ctx, "get identity", identityKey(userID, provider), &it)
	if err != nil {
		return err
	}
	if !ok {
		return errIdentityNotFound()
	}
	tx := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       identityKey(userID, provider),
		ConditionExpression:       aws.String("attribute_exists(#pk) AND subject = :sub"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":sub": str(it.Subject)},
	}}, s.del(identityGuardKey(provider, it.Subject))}
	if keepWayIn {
		check, err := is.otherWayIn(ctx, userID, provider)
		if err != nil {
			return err
		}
		tx = append(tx, check)
	}
	err = s.transact(ctx, append(tx, effects...))
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return errIdentityNotFound()
	case keepWayIn && failedAt(reasons, 2):
		return errLastWayIn() // the other way in went meanwhile
	}
	return translate("unlink identity", err)
}

// otherWayIn returns a condition check that holds while the user keeps a way
// to log in besides provider's identity, or last_login_method when it has
// none.
func (is *IdentityStore) otherWayIn(ctx context.Context, userID, provider string) (types.TransactWriteItem, error) {
	s := is.s
	u, err := s.getUser(ctx, "read user", userID)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	if u == nil {
		return types.TransactWriteItem{}, errIdentityNotFound()
	}
	exists := func(k key, cond string, values map[string]types.AttributeValue) types.TransactWriteItem {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(s.table), Key: k,
			ConditionExpression: aws.String(cond), ExpressionAttributeNames: map[string]string{"#pk": attrPK},
			ExpressionAttributeValues: values}}
	}
	if u.PasswordHash != "" {
		return exists(userKey(userID), "attribute_exists(#pk) AND password_hash = :h",
			map[string]types.AttributeValue{":h": str(u.PasswordHash)}), nil
	}
	others, err := s.links(ctx, "read identities", userID, identityPrefix)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	for _, l := range others {
		if l.SK != identityPrefix+provider {
			return exists(itemKey(l.PK, l.SK), "attribute_exists(#pk)", nil), nil
		}
	}
	passkeys, err := s.links(ctx, "read passkeys", userID, passkeyPrefix)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	if len(passkeys) > 0 {
		return exists(itemKey(passkeys[0].PK, passkeys[0].SK), "attribute_exists(#pk)", nil), nil
	}
	return types.TransactWriteItem{}, errLastWayIn()
}

func errLastWayIn() error {
	return domain.Errorf(domain.CodeLastLoginMethod,
		"This identity is the account's only way to log in; set a password (forgot password) or link another provider first.")
}

// marshalTime encodes t as the SDK encodes a time.Time field (RFC 3339 string),
// so that an update writes what a put would.
func marshalTime(t time.Time) types.AttributeValue {
	v, err := attributevalue.Marshal(t.UTC())
	if err != nil {
		panic("dynamostore: marshal time: " + err.Error())
	}
	return v
}
