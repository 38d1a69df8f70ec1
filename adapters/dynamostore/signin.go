package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
)

// A sign-in pair (ARCHITECTURE.md §11) is one item keyed by the normalised
// address, so "one live pair per address" is the key itself. Its link token is
// found through a pointer item keyed by the link hash, written with the pair; a
// pointer left behind by a replaced pair points at a pair whose link_hash is
// another, which is how it is refused (and its TTL removes it).
func signInKey(email string) key        { return itemKey("SIGNIN#"+email, "SIGNIN") }
func signInLinkKey(linkHash string) key { return itemKey("SIGNINLINK#"+linkHash, "SIGNINLINK") }

// signInItem is the pair. ExpiresNS repeats ExpiresAt for exact conditions.
type signInItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Email     string    `dynamodbav:"email"`
	UserID    string    `dynamodbav:"user_id"`
	Locale    string    `dynamodbav:"locale"`
	LinkHash  string    `dynamodbav:"link_hash"`
	CodeHash  string    `dynamodbav:"code_hash"`
	Attempts  int64     `dynamodbav:"attempts"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
	ExpiresNS int64     `dynamodbav:"expires_ns"`
	TTL       int64     `dynamodbav:"ttl"`
	// The app's redirect (domain.SignInRedirect), absent when none was given.
	RedirectURI   string `dynamodbav:"redirect_uri,omitempty"`
	CodeChallenge string `dynamodbav:"code_challenge,omitempty"`
	State         string `dynamodbav:"state,omitempty"`
}

// signInLinkItem points from a link hash to the address whose pair it was made for.
type signInLinkItem struct {
	PK    string `dynamodbav:"PK"`
	SK    string `dynamodbav:"SK"`
	Email string `dynamodbav:"email"`
	TTL   int64  `dynamodbav:"ttl"`
}

func (it signInItem) code() *domain.SignInCode {
	return &domain.SignInCode{Email: it.Email, UserID: it.UserID, Locale: it.Locale, LinkHash: it.LinkHash, CodeHash: it.CodeHash,
		Attempts: int(it.Attempts), CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt,
		Redirect: domain.SignInRedirect{URI: it.RedirectURI, CodeChallenge: it.CodeChallenge, State: it.State}}
}

func errSignInInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The sign-in code or link is not valid; ask for a new one.")
}

func errSignInExpired() error {
	return domain.Errorf(domain.CodeTokenExpired, "The sign-in code or link has expired; ask for a new one.")
}

// judge refuses a void or expired pair.
func (it signInItem) judge(now time.Time) (*domain.SignInCode, error) {
	if it.Attempts >= domain.SignInCodeMaxAttempts {
		return nil, errSignInInvalid()
	}
	if !now.Before(it.ExpiresAt) {
		return nil, errSignInExpired()
	}
	return it.code(), nil
}

// PutSignIn overwrites the address's pair and writes its link pointer (which
// must be new) and fx in one transaction.
func (tk *TokenStore) PutSignIn(ctx context.Context, c *domain.SignInCode, fx domain.Effects) error {
	s := tk.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	k, lk := signInKey(c.Email), signInLinkKey(c.LinkHash)
	item := signInItem{PK: pkString(k), SK: skString(k), Email: c.Email, UserID: c.UserID, Locale: c.Locale, LinkHash: c.LinkHash,
		CodeHash: c.CodeHash, Attempts: int64(c.Attempts), CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
		ExpiresNS: c.ExpiresAt.UnixNano(), TTL: ttlOf(c.ExpiresAt),
		RedirectURI: c.Redirect.URI, CodeChallenge: c.Redirect.CodeChallenge, State: c.Redirect.State}
	link := signInLinkItem{PK: pkString(lk), SK: skString(lk), Email: c.Email, TTL: ttlOf(c.ExpiresAt)}
	err = s.transact(ctx, append([]types.TransactWriteItem{
		s.put(item, "", nil, nil),
		s.put(link, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
	}, effects...))
	if failedAt(cancelled(err), 1) {
		return domain.Errorf(domain.CodeConflict, "A sign-in link with this hash exists.")
	}
	return translate("put sign-in code", err)
}

// SignIn reads the address's pair consistently and judges it.
func (tk *TokenStore) SignIn(ctx context.Context, email string, now time.Time) (*domain.SignInCode, error) {
	var it signInItem
	ok, err := tk.s.get(ctx, "get sign-in code", signInKey(email), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSignInInvalid()
	}
	return it.judge(now)
}

// SignInByLink follows the link pointer to the address and reads its pair, which
// must still be the one the link was made for.
func (tk *TokenStore) SignInByLink(ctx context.Context, linkHash string, now time.Time) (*domain.SignInCode, error) {
	var link signInLinkItem
	ok, err := tk.s.get(ctx, "get sign-in link", signInLinkKey(linkHash), &link)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errSignInInvalid()
	}
	c, err := tk.SignIn(ctx, link.Email, now)
	if err != nil {
		return nil, err
	}
	if c.LinkHash != linkHash {
		return nil, errSignInInvalid() // replaced by a newer request
	}
	return c, nil
}

// FailSignIn adds one to attempts on the condition that the pair is still this
// one and below the limit.
func (tk *TokenStore) FailSignIn(ctx context.Context, email, linkHash string, fx domain.Effects) error {
	s := tk.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{
		TableName:                aws.String(s.table),
		Key:                      signInKey(email),
		UpdateExpression:         aws.String("SET #attempts = #attempts + :one"),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND #link = :link AND #attempts < :max"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#attempts": "attempts", "#link": "link_hash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":max": num(domain.SignInCodeMaxAttempts), ":link": str(linkHash),
		},
	}}}, effects...))
	if failedAt(cancelled(err), 0) {
		return errSignInInvalid()
	}
	return translate("fail sign-in code", err)
}

// ConsumeSignIn is one conditional delete (this pair, not void, not expired) that
// returns the item it deleted; a failed condition is judged from the item it saw.
func (tk *TokenStore) ConsumeSignIn(ctx context.Context, email, linkHash string, now time.Time) (*domain.SignInCode, error) {
	out, err := tk.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(tk.s.table),
		Key:                 signInKey(email),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #link = :link AND #attempts < :max AND #exp > :now"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#attempts": "attempts", "#exp": "expires_ns",
			"#link": "link_hash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":max": num(domain.SignInCodeMaxAttempts), ":now": num(now.UnixNano()), ":link": str(linkHash),
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := conditionFailed(err); ok {
		var it signInItem
		if len(ccf.Item) == 0 || attributevalue.UnmarshalMap(ccf.Item, &it) != nil || it.LinkHash != linkHash {
			return nil, errSignInInvalid()
		}
		if _, err := it.judge(now); err != nil {
			return nil, err
		}
		return nil, errSignInInvalid()
	}
	if err != nil {
		return nil, translate("consume sign-in code", err)
	}
	var it signInItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return nil, translate("consume sign-in code", err)
	}
	return it.code(), nil
}
