package dynamostore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

// rawItem reads one item by its keys, straight from the table; nil when absent.
func rawItem(t *testing.T, s *dynamostore.Store, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := s.Client().GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(s.Table()), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk},
		},
	})
	if err != nil {
		t.Fatalf("GetItem(%s, %s) error = %v", pk, sk, err)
	}
	return out.Item
}

// putRaw writes item back as it was read.
func putRaw(t *testing.T, s *dynamostore.Store, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := s.Client().PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(s.Table()), Item: item,
	}); err != nil {
		t.Fatalf("PutItem error = %v", err)
	}
}

// TestStaleTokenRefused brings back a replaced token, as a Create that ran at the
// same time as its replacement leaves it, and checks that it does not work and is
// deleted when tried, while the newest token still works.
func TestStaleTokenRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t, dynamostore.Options{})
	u := newUser(t, "stale@example.com", "")
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	now := time.Now().UTC()
	for _, kind := range []domain.TokenKind{domain.TokenActivation, domain.TokenPasswordReset} {
		t.Run(string(kind), func(t *testing.T) {
			stale, newest := "stale-"+string(kind), "newest-"+string(kind)
			tokenPK, linkSK := "TOKEN#"+stale, "TOKEN#"+string(kind)+"#"+stale
			if err := s.Tokens().Create(ctx, &domain.OneTimeToken{Hash: stale, Kind: kind, UserID: u.ID,
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{}); err != nil {
				t.Fatalf("Tokens.Create(stale) error = %v", err)
			}
			tokenItem, linkItem := rawItem(t, s, tokenPK, "TOKEN"), rawItem(t, s, "USER#"+u.ID, linkSK)
			if err := s.Tokens().Create(ctx, &domain.OneTimeToken{Hash: newest, Kind: kind, UserID: u.ID,
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{}); err != nil {
				t.Fatalf("Tokens.Create(newest) error = %v", err)
			}
			putRaw(t, s, tokenItem)
			putRaw(t, s, linkItem)

			consume := func(hash string) error {
				var err error
				if kind == domain.TokenActivation {
					_, err = s.Tokens().ConsumeActivation(ctx, hash, now, domain.Effects{})
				} else {
					_, err = s.Tokens().ConsumeReset(ctx, hash, "new-hash", now, domain.Effects{})
				}
				return err
			}
			wantCode(t, "consume(stale token)", consume(stale), domain.CodeTokenInvalid)
			if it := rawItem(t, s, tokenPK, "TOKEN"); it != nil {
				t.Errorf("stale token item %s after refusal exists, want deleted", tokenPK)
			}
			if it := rawItem(t, s, "USER#"+u.ID, linkSK); it != nil {
				t.Errorf("stale token link %s after refusal exists, want deleted", linkSK)
			}
			if err := consume(newest); err != nil {
				t.Errorf("consume(newest token) error = %v, want nil", err)
			}
		})
	}
}

// TestDeleteEmptiesItemCollection checks that deleting an account leaves nothing in
// its item collection: no session or token link and no current-token item.
func TestDeleteEmptiesItemCollection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t, dynamostore.Options{})
	u := newUser(t, "gone@example.com", "gone")
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	now := time.Now().UTC()
	if err := s.Sessions().Create(ctx, &domain.Session{ID: "s-gone", UserID: u.ID, RotatedAt: now,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{}); err != nil {
		t.Fatalf("Sessions.Create() error = %v", err)
	}
	for _, kind := range []domain.TokenKind{domain.TokenActivation, domain.TokenPasswordReset} {
		if err := s.Tokens().Create(ctx, &domain.OneTimeToken{Hash: "gone-" + string(kind), Kind: kind,
			UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{}); err != nil {
			t.Fatalf("Tokens.Create(%s) error = %v", kind, err)
		}
	}
	if it := rawItem(t, s, "USER#"+u.ID, "CURRENT#TOKEN#"+string(domain.TokenActivation)); it == nil {
		t.Fatalf("current activation token item after Create is missing, want one")
	}
	if err := s.Users().Delete(ctx, u.ID, domain.Effects{}); err != nil {
		t.Fatalf("Delete() error = %v", err)
	}
	out, err := s.Client().Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(s.Table()), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "USER#" + u.ID}},
	})
	if err != nil {
		t.Fatalf("Query(item collection) error = %v", err)
	}
	var left []string
	for _, it := range out.Items {
		left = append(left, it["SK"].(*types.AttributeValueMemberS).Value)
	}
	if len(left) != 0 {
		t.Errorf("item collection after Delete holds %v, want nothing", left)
	}
}

// TestTokenFromBeforeCurrentItemsStillWorks pins the upgrade path: a token created
// before current-token items existed (so its user has none) still works once.
func TestTokenFromBeforeCurrentItemsStillWorks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t, dynamostore.Options{})
	u := newUser(t, "legacy@example.com", "")
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	now := time.Now().UTC()
	if err := s.Tokens().Create(ctx, &domain.OneTimeToken{Hash: "legacy", Kind: domain.TokenActivation, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(time.Hour)}, domain.Effects{}); err != nil {
		t.Fatalf("Tokens.Create() error = %v", err)
	}
	if _, err := s.Client().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.Table()),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "USER#" + u.ID},
			"SK": &types.AttributeValueMemberS{Value: "CURRENT#TOKEN#" + string(domain.TokenActivation)},
		}}); err != nil {
		t.Fatalf("DeleteItem(current item) error = %v", err)
	}
	if _, err := s.Tokens().ConsumeActivation(ctx, "legacy", now, domain.Effects{}); err != nil {
		t.Fatalf("ConsumeActivation(token from before the upgrade) error = %v, want it to work", err)
	}
}
