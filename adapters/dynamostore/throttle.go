package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// LoginThrottle implements ports.LoginThrottle on the table: one item per login
// identifier, expiring through the table's TTL.
type LoginThrottle struct{ s *Store }

var _ ports.LoginThrottle = (*LoginThrottle)(nil)

// attemptsItem is the count of password attempts on one login identifier.
// ExpiresNS repeats ExpiresAt as a number for exact comparison in conditions.
type attemptsItem struct {
	PK        string     `dynamodbav:"PK"`
	SK        string     `dynamodbav:"SK"`
	Attempts  int        `dynamodbav:"attempts"`
	NextAt    *time.Time `dynamodbav:"next_at,omitempty"`
	ExpiresAt time.Time  `dynamodbav:"expires_at"`
	ExpiresNS int64      `dynamodbav:"expires_ns"`
	TTL       int64      `dynamodbav:"ttl"`
}

// reserveRounds bounds Reserve's compare-and-swap loop. Each lost round means
// another attempt on the key was counted, so after Threshold lost rounds the
// record is backing off and the loop ends without writing; the bound only stops a
// pathological case from spinning.
const reserveRounds = 64

// Reserve reads the record with a consistent read, decides with policy.Admit and
// writes the new record conditioned on the one it read (its count and expiry, or
// its absence): a concurrent attempt that was counted first makes the condition
// fail, and the decision is taken again on the new count.
func (lt *LoginThrottle) Reserve(ctx context.Context, key string, now time.Time, policy domain.Backoff) (time.Duration, error) {
	s := lt.s
	k := attemptsKey(key)
	for range reserveRounds {
		var cur attemptsItem
		found, err := s.get(ctx, "reserve login attempt", k, &cur)
		if err != nil {
			return 0, err
		}
		state := domain.Attempts{Count: cur.Attempts, ExpiresAt: cur.ExpiresAt}
		if cur.NextAt != nil {
			state.NextAt = *cur.NextAt
		}
		next, wait := policy.Admit(state, now)
		if wait > 0 {
			return wait, nil
		}
		item := attemptsItem{PK: pkString(k), SK: skString(k), Attempts: next.Count,
			ExpiresAt: next.ExpiresAt.UTC(), ExpiresNS: next.ExpiresAt.UnixNano(), TTL: ttlOf(next.ExpiresAt)}
		if !next.NextAt.IsZero() {
			item.NextAt = aws.Time(next.NextAt.UTC())
		}
		in := &dynamodb.PutItemInput{
			TableName:                aws.String(s.table),
			Item:                     marshal(item),
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		}
		if found {
			in.ConditionExpression = aws.String("#n = :n AND #exp = :exp")
			in.ExpressionAttributeNames = map[string]string{"#n": "attempts", "#exp": "expires_ns"}
			in.ExpressionAttributeValues = map[string]types.AttributeValue{
				":n": num(int64(cur.Attempts)), ":exp": num(cur.ExpiresNS),
			}
		}
		_, err = s.db.PutItem(ctx, in)
		if _, lost := conditionFailed(err); lost {
			continue
		}
		if err != nil {
			return 0, translate("reserve login attempt", err)
		}
		return 0, nil
	}
	return 0, retryExhausted("reserve login attempt")
}

// Clear deletes the record.
func (lt *LoginThrottle) Clear(ctx context.Context, key string) error {
	_, err := lt.s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(lt.s.table), Key: attemptsKey(key),
	})
	return translate("clear login attempts", err)
}
