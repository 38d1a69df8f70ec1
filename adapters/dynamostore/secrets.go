package dynamostore

import (
	"bytes"
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/authd/authd/ports"
)

// SecretStore implements ports.SecretStore on the table.
type SecretStore struct{ s *Store }

var _ ports.SecretStore = (*SecretStore)(nil)

// Secret writes candidate only if no value exists (attribute_not_exists), so of
// several instances starting at once exactly one wins; the losers read the winner's
// value with a consistent read.
func (ss *SecretStore) Secret(ctx context.Context, name string, candidate []byte) ([]byte, error) {
	k := secretKey(name)
	_, err := ss.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                aws.String(ss.s.table),
		Item:                     marshal(secretItem{PK: pkString(k), SK: skString(k), Value: candidate}),
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	})
	if err == nil {
		return bytes.Clone(candidate), nil
	}
	if _, ok := conditionFailed(err); !ok {
		return nil, translate("store secret", err)
	}
	var it secretItem
	ok, err := ss.s.get(ctx, "read secret", k, &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, translate("read secret", errors.New("secret vanished after a conflicting write"))
	}
	return it.Value, nil
}
