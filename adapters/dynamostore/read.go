package dynamostore

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// get reads one item with a consistent read into out and reports whether it exists.
// Consistent reads give read-your-writes, which every port method relies on (a
// session is rotated right after it was created; a login reads what sign-up wrote).
func (s *Store) get(ctx context.Context, op string, k key, out any) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, translate(op, err)
	}
	if len(res.Item) == 0 {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, translate(op, err)
	}
	return true, nil
}

// take deletes the item at k, if there is one, and unmarshals what it held into
// out: one conditional DeleteItem, so of concurrent takers exactly one gets it.
// It reports false when there was none (never made, or taken already).
func (s *Store) take(ctx context.Context, op string, k key, out any) (bool, error) {
	res, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                aws.String(s.table),
		Key:                      k,
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		ReturnValues:             types.ReturnValueAllOld,
	})
	if _, ok := conditionFailed(err); ok {
		return false, nil
	}
	if err != nil {
		return false, translate(op, err)
	}
	if err := attributevalue.UnmarshalMap(res.Attributes, out); err != nil {
		return false, translate(op, err)
	}
	return true, nil
}

// getUser reads the user item by id; nil when it does not exist.
func (s *Store) getUser(ctx context.Context, op, id string) (*userItem, error) {
	var it userItem
	ok, err := s.get(ctx, op, userKey(id), &it)
	if err != nil || !ok {
		return nil, err
	}
	return &it, nil
}

// links reads the user's item collection entries whose sort key starts with prefix
// ("SESSION#", "TOKEN#<kind>#", or "" for everything), with a consistent read.
func (s *Store) links(ctx context.Context, op, userID, prefix string) ([]linkItem, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		ConsistentRead:         aws.Bool(true),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrPK, "#sk": attrSK,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("USER#" + userID), ":prefix": str(prefix),
		},
	}
	if prefix == "" {
		in.KeyConditionExpression = aws.String("#pk = :pk")
		in.ExpressionAttributeNames = map[string]string{"#pk": attrPK}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":pk": str("USER#" + userID)}
	}
	var out []linkItem
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate(op, err)
		}
		var items []linkItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, translate(op, err)
		}
		out = append(out, items...)
	}
	return out, nil
}
