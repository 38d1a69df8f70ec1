package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// migrateWait bounds how long Migrate waits for a new table to become ACTIVE.
const migrateWait = 5 * time.Minute

// Migrate creates the table with its keys, GSI1 and on-demand billing when it does
// not exist, waits until it is ACTIVE, and makes sure TTL is enabled on the ttl
// attribute. On an existing, complete table it changes nothing, so every start may
// run it; concurrent runs from several instances are safe.
func (s *Store) Migrate(ctx context.Context) error {
	_, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	var notFound *types.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		if err := s.createTable(ctx); err != nil {
			return err
		}
	case err != nil:
		return translate("describe table", err)
	}
	waiter := dynamodb.NewTableExistsWaiter(s.db)
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)}, migrateWait); err != nil {
		return translate("wait for table", err)
	}
	return s.enableTTL(ctx)
}

func (s *Store) createTable(ctx context.Context) error {
	attr := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	keys := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	_, err := s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(s.table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			attr(attrPK), attr(attrSK), attr(attrGSI1PK), attr(attrGSI1SK),
		},
		KeySchema: keys(attrPK, attrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(indexGSI1),
			KeySchema:  keys(attrGSI1PK, attrGSI1SK),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
	})
	var inUse *types.ResourceInUseException
	if errors.As(err, &inUse) {
		return nil // another instance is creating it; the waiter covers us
	}
	return translate("create table", err)
}

// enableTTL turns on TTL for the ttl attribute unless it is on (or turning on).
func (s *Store) enableTTL(ctx context.Context) error {
	if on, err := s.ttlEnabled(ctx); on || err != nil {
		return err
	}
	_, err := s.db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(s.table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attrTTL), Enabled: aws.Bool(true),
		},
	})
	if err != nil {
		// Two instances migrating at once both see TTL off and both ask to turn it on;
		// the loser is refused ("TimeToLive is already enabled"). Look again before
		// calling that a failure.
		if on, derr := s.ttlEnabled(ctx); on && derr == nil {
			return nil
		}
	}
	return translate("enable ttl", err)
}

// ttlEnabled reports whether TTL is on (or turning on) for the ttl attribute; TTL on
// another attribute is an error, since expired items would then never be deleted.
func (s *Store) ttlEnabled(ctx context.Context) (bool, error) {
	out, err := s.db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(s.table)})
	if err != nil {
		return false, translate("describe ttl", err)
	}
	d := out.TimeToLiveDescription
	if d == nil || (d.TimeToLiveStatus != types.TimeToLiveStatusEnabled && d.TimeToLiveStatus != types.TimeToLiveStatusEnabling) {
		return false, nil
	}
	if aws.ToString(d.AttributeName) != attrTTL {
		return false, fmt.Errorf("dynamostore: table %s has TTL on attribute %q, want %q", s.table, aws.ToString(d.AttributeName), attrTTL)
	}
	return true, nil
}

// Drop deletes the table and everything in it. It exists for tests and tear-down
// tooling; a missing table is not an error.
func (s *Store) Drop(ctx context.Context) error {
	_, err := s.db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(s.table)})
	var notFound *types.ResourceNotFoundException
	if errors.As(err, &notFound) {
		return nil
	}
	return translate("drop table", err)
}
