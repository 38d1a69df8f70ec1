package dynamostore

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// CredentialStore implements ports.CredentialStore on the table.
type CredentialStore struct{ s *Store }

var _ ports.CredentialStore = (*CredentialStore)(nil)

// SetPasswordHash replaces the hash of an existing user.
func (cs *CredentialStore) SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error {
	return cs.update(ctx, "set password hash", userID, "SET #hash = :hash, #updated = :at",
		map[string]string{"#hash": "password_hash", "#updated": "updated_at"},
		map[string]types.AttributeValue{":hash": str(hash), ":at": timeValue(at)}, nil)
}

// ChangePassword sets the hash and revokes the user's other sessions in one
// transaction (see atomicWithRevocations for users with very many sessions).
func (cs *CredentialStore) ChangePassword(ctx context.Context, userID, hash, keepSessionID string, at time.Time, fx domain.Effects) error {
	s := cs.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	base := []types.TransactWriteItem{{Update: &types.Update{
		TableName:                aws.String(s.table),
		Key:                      userKey(userID),
		UpdateExpression:         aws.String("SET #hash = :hash, #updated = :at"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#hash": "password_hash", "#updated": "updated_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":hash": str(hash), ":at": timeValue(at),
		},
	}}}
	reasons, err := s.atomicWithRevocations(ctx, "change password", append(base, effects...), userID, keepSessionID, at)
	if err != nil {
		return err
	}
	if failedAt(reasons, 0) {
		return userNotFound()
	}
	return nil
}

// update runs one UpdateItem on an existing user; with done, the updated attributes
// are returned to it.
func (cs *CredentialStore) update(ctx context.Context, op, userID, expr string, names map[string]string,
	values map[string]types.AttributeValue, done func(*dynamodb.UpdateItemOutput) error) error {
	names["#pk"] = attrPK
	in := &dynamodb.UpdateItemInput{
		TableName:                 aws.String(cs.s.table),
		Key:                       userKey(userID),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if done != nil {
		in.ReturnValues = types.ReturnValueUpdatedNew
	}
	out, err := cs.s.db.UpdateItem(ctx, in)
	if _, ok := conditionFailed(err); ok {
		return userNotFound()
	}
	if err != nil {
		return translate(op, err)
	}
	if done != nil {
		return done(out)
	}
	return nil
}

// atomicWithRevocations runs base (the user's own change) in one transaction with
// the revocation of the user's live sessions except keep. A transaction holds at
// most 100 items; a user with more sessions than fit gets the first ones revoked
// atomically with base and the rest revoked right after, one write each. That is
// the best DynamoDB allows, and it is safe: the rest are revoked before the call
// returns, base is not undone if that fails (the caller sees the error and the
// operation is repeatable), and 100 live sessions for one account is far beyond
// any real user.
//
// It returns the cancellation reasons when an item of base failed its condition,
// for the caller to interpret, and nil, nil on success.
func (s *Store) atomicWithRevocations(ctx context.Context, op string, base []types.TransactWriteItem,
	userID, keep string, at time.Time) ([]types.CancellationReason, error) {
	ids, err := s.liveSessionIDs(ctx, op, userID, keep, at)
	if err != nil {
		return nil, err
	}
	for range writeAttempts {
		k := min(len(ids), maxTransactItems-len(base))
		items := slices.Clone(base)
		for _, id := range ids[:k] {
			items = append(items, s.revokeItem(id, at))
		}
		err := s.transact(ctx, items)
		if err == nil {
			return nil, s.revokeRest(ctx, op, ids[k:], at)
		}
		reasons := cancelled(err)
		if reasons == nil || conflictOnly(reasons) {
			return nil, translate(op, err)
		}
		for i := range base {
			if failedAt(reasons, i) {
				return reasons, nil
			}
		}
		// Some sessions vanished meanwhile (TTL, account deletion): drop them, retry.
		var keepIDs []string
		for i, id := range ids[:k] {
			if !failedAt(reasons, len(base)+i) {
				keepIDs = append(keepIDs, id)
			}
		}
		ids = append(keepIDs, ids[k:]...)
	}
	return nil, retryExhausted(op)
}
