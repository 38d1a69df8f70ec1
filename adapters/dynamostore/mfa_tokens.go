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

func mfaTokenKey(hash string) key { return itemKey("MFATOKEN#"+hash, "MFATOKEN") }

// mfaTokenItem is a login waiting for its second factor, keyed by the hash of
// its mfa_token. ExpiresNS repeats ExpiresAt for exact conditions.
type mfaTokenItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Hash      string    `dynamodbav:"hash"`
	UserID    string    `dynamodbav:"user_id"`
	AMR       []string  `dynamodbav:"amr"`
	Attempts  int64     `dynamodbav:"attempts"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
	ExpiresNS int64     `dynamodbav:"expires_ns"`
	TTL       int64     `dynamodbav:"ttl"`
}

func (it mfaTokenItem) challenge() *domain.MFAChallenge {
	return &domain.MFAChallenge{Hash: it.Hash, UserID: it.UserID, AMR: it.AMR, Attempts: int(it.Attempts),
		CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt}
}

func errChallengeInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The MFA token is not valid; log in again.")
}

func errChallengeExpired() error {
	return domain.Errorf(domain.CodeTokenExpired, "The MFA token has expired; log in again.")
}

// judge refuses a void or expired token.
func (it mfaTokenItem) judge(now time.Time) (*domain.MFAChallenge, error) {
	if it.Attempts >= domain.MFAChallengeMaxAttempts {
		return nil, errChallengeInvalid()
	}
	if !now.Before(it.ExpiresAt) {
		return nil, errChallengeExpired()
	}
	return it.challenge(), nil
}

// CreateChallenge puts the token, checking in the same transaction that the
// user exists.
func (m *MFAStore) CreateChallenge(ctx context.Context, c *domain.MFAChallenge, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	k := mfaTokenKey(c.Hash)
	item := mfaTokenItem{PK: pkString(k), SK: skString(k), Hash: c.Hash, UserID: c.UserID, AMR: c.AMR,
		Attempts: int64(c.Attempts), CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(),
		ExpiresNS: c.ExpiresAt.UnixNano(), TTL: ttlOf(c.ExpiresAt)}
	return s.putForUser(ctx, "create mfa token", s.put(item, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
		c.UserID, effects, domain.Errorf(domain.CodeConflict, "An MFA token with this hash exists."))
}

// Challenge reads the token consistently and judges it.
func (m *MFAStore) Challenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	var it mfaTokenItem
	ok, err := m.s.get(ctx, "get mfa token", mfaTokenKey(hash), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errChallengeInvalid()
	}
	return it.judge(now)
}

// FailChallenge adds one to attempts on the condition that it is below the limit.
func (m *MFAStore) FailChallenge(ctx context.Context, hash string, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{
		TableName:                aws.String(s.table),
		Key:                      mfaTokenKey(hash),
		UpdateExpression:         aws.String("SET #attempts = #attempts + :one"),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND #attempts < :max"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#attempts": "attempts"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": num(1), ":max": num(domain.MFAChallengeMaxAttempts),
		},
	}}}, effects...))
	if failedAt(cancelled(err), 0) {
		return errChallengeInvalid()
	}
	return translate("fail mfa token", err)
}

// ConsumeChallenge is one conditional delete (there, not void, not expired) that
// returns the item it deleted; a failed condition is judged from the item it saw.
func (m *MFAStore) ConsumeChallenge(ctx context.Context, hash string, now time.Time) (*domain.MFAChallenge, error) {
	out, err := m.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(m.s.table),
		Key:                      mfaTokenKey(hash),
		ConditionExpression:      aws.String("attribute_exists(#pk) AND #attempts < :max AND #exp > :now"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#attempts": "attempts", "#exp": "expires_ns"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":max": num(domain.MFAChallengeMaxAttempts), ":now": num(now.UnixNano()),
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := conditionFailed(err); ok {
		var it mfaTokenItem
		if len(ccf.Item) == 0 || attributevalue.UnmarshalMap(ccf.Item, &it) != nil {
			return nil, errChallengeInvalid()
		}
		if _, err := it.judge(now); err != nil {
			return nil, err
		}
		return nil, errChallengeInvalid()
	}
	if err != nil {
		return nil, translate("consume mfa token", err)
	}
	var it mfaTokenItem
	if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
		return nil, translate("consume mfa token", err)
	}
	return it.challenge(), nil
}
