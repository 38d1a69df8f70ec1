package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
)

// guard names one uniqueness reservation: the e-mail or the username of a user.
type guard struct {
	key   key         // the guard item's key
	value string      // the reserved e-mail or username
	taken domain.Code // the code answered when another user holds it
	field func(*userItem) string
}

func emailGuard(email string) guard {
	return guard{key: emailGuardKey(email), value: email, taken: domain.CodeEmailTaken,
		field: func(u *userItem) string { return u.Email }}
}

func usernameGuard(name string) guard {
	return guard{key: usernameGuardKey(name), value: name, taken: domain.CodeUsernameTaken,
		field: func(u *userItem) string { return u.Username }}
}

// claim is the transaction item reserving g for userID. It succeeds when nobody
// holds the guard, when userID already does, or when the holder is staleOwner — a
// user found not to exist (or not to use this value any more), so that an orphan
// guard never blocks the value forever. The condition on the stale owner's id makes
// the replacement safe against a concurrent claimant.
func (s *Store) claim(g guard, userID, staleOwner string) types.TransactWriteItem {
	cond := "attribute_not_exists(#pk) OR #uid = :me"
	values := map[string]types.AttributeValue{":me": str(userID)}
	if staleOwner != "" {
		cond += " OR #uid = :stale"
		values[":stale"] = str(staleOwner)
	}
	item := guardItem{PK: pkString(g.key), SK: skString(g.key), UserID: userID}
	return s.put(item, cond, map[string]string{"#pk": attrPK, "#uid": "user_id"}, values)
}

// release is the transaction item deleting g if userID holds it (or nobody does).
func (s *Store) release(g guard, userID string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       g.key,
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #uid = :me"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#uid": "user_id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":me": str(userID)},
	}}
}

// holder returns the id of the user holding g, taken from the cancellation reason of
// a failed claim when DynamoDB returned the old item, else read from the table. ""
// means nobody holds it (it was released meanwhile).
func (s *Store) holder(ctx context.Context, g guard, reason types.CancellationReason) (string, error) {
	var it guardItem
	if len(reason.Item) > 0 {
		if err := attributevalue.UnmarshalMap(reason.Item, &it); err == nil && it.UserID != "" {
			return it.UserID, nil
		}
	}
	if _, err := s.get(ctx, "read guard", g.key, &it); err != nil {
		return "", err
	}
	return it.UserID, nil
}

// orphaned reports whether the guard's holder is absent, or no longer uses the
// guarded value: then the guard is stale and may be replaced.
func (s *Store) orphaned(ctx context.Context, g guard, holderID string) (bool, error) {
	u, err := s.getUser(ctx, "read guard owner", holderID)
	if err != nil {
		return false, err
	}
	return u == nil || g.field(u) != g.value, nil
}

// resolveClaim decides what a failed claim of g means: a taken error when a live user
// holds it, or ok=true with the stale holder to replace on the next attempt (""
// when the guard disappeared meanwhile).
func (s *Store) resolveClaim(ctx context.Context, g guard, reason types.CancellationReason) (stale string, err error) {
	holderID, err := s.holder(ctx, g, reason)
	if err != nil || holderID == "" {
		return "", err
	}
	orphan, err := s.orphaned(ctx, g, holderID)
	if err != nil {
		return "", err
	}
	if !orphan {
		return "", takenError(g.taken)
	}
	return holderID, nil
}

func takenError(code domain.Code) error {
	if code == domain.CodeEmailTaken {
		return domain.Errorf(code, "This e-mail address is already registered.")
	}
	return domain.Errorf(code, "This username is already taken.")
}
