package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// TokenStore implements ports.TokenStore on the table.
type TokenStore struct{ s *Store }

var _ ports.TokenStore = (*TokenStore)(nil)

func tokenInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The token is invalid or was already used.")
}

// Create writes the token, its link and the user's current-token item of the kind
// (naming this hash), checks that the user exists and deletes the user's earlier
// tokens of the kind, all in one transaction. Earlier tokens beyond what fits (there
// is normally at most one) are deleted right after.
//
// The earlier tokens are read before the transaction, so a Create running at the
// same time is not among them and its token survives the clean-up. The
// current-token item is what keeps "only the newest link works" true then: the
// transaction committed last names its hash, and consumption refuses any other.
func (ts *TokenStore) Create(ctx context.Context, t *domain.OneTimeToken, fx domain.Effects) error {
	s := ts.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	olds, err := s.links(ctx, "create token", t.UserID, tokenLinkPrefix(t.Kind))
	if err != nil {
		return err
	}
	items := append([]types.TransactWriteItem{s.userExists(t.UserID)}, s.tokenItems(t)...)
	items = append(items, effects...)
	var deletes []types.TransactWriteItem
	for _, l := range olds {
		if l.Target != t.Hash {
			deletes = append(deletes, s.del(tokenKey(l.Target)), s.del(itemKey(l.PK, l.SK)))
		}
	}
	n := min(len(deletes), maxTransactItems-len(items))
	err = s.transact(ctx, append(items, deletes[:n]...))
	if failedAt(cancelled(err), 0) {
		return userNotFound()
	}
	if err != nil {
		return translate("create token", err)
	}
	return s.transactChunks(ctx, "create token", deletes[n:])
}

// tokenItems are the puts of a new token: the token, its link in the user's
// collection and the user's current-token item of the kind, naming it.
func (s *Store) tokenItems(t *domain.OneTimeToken) []types.TransactWriteItem {
	k, lk, ck := tokenKey(t.Hash), tokenLinkKey(t.UserID, t.Kind, t.Hash), currentTokenKey(t.UserID, t.Kind)
	ttl := ttlOf(t.ExpiresAt)
	return []types.TransactWriteItem{
		s.put(tokenItem{PK: pkString(k), SK: skString(k), Hash: t.Hash, Kind: string(t.Kind),
			UserID: t.UserID, NewEmail: t.NewEmail, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(), TTL: ttl}, "", nil, nil),
		s.put(linkItem{PK: pkString(lk), SK: skString(lk), Target: t.Hash,
			ExpiresNS: t.ExpiresAt.UnixNano(), TTL: ttl}, "", nil, nil),
		s.put(currentTokenItem{PK: pkString(ck), SK: skString(ck), Hash: t.Hash}, "", nil, nil),
	}
}

// ConsumeActivation deletes the token and activates a pending user in one
// transaction. The user's status read beforehand is a condition of the transaction,
// so a concurrent status change makes it recompute instead of overwriting.
func (ts *TokenStore) ConsumeActivation(ctx context.Context, hash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	s := ts.s
	for range writeAttempts {
		tok, u, err := ts.load(ctx, "consume activation", hash, domain.TokenActivation, now)
		if err != nil {
			return nil, err
		}
		names := map[string]string{"#status": "status"}
		values := map[string]types.AttributeValue{":cur": str(u.Status)}
		var userOp types.TransactWriteItem
		if domain.Status(u.Status) == domain.StatusPending {
			names["#activated"], names["#updated"], names["#version"] = "activated_at", "updated_at", "version"
			values[":active"], values[":now"], values[":one"] = str(string(domain.StatusActive)), timeValue(now), num(1)
			userOp.Update = &types.Update{
				TableName: aws.String(s.table), Key: userKey(u.ID),
				UpdateExpression:          aws.String("SET #status = :active, #activated = :now, #updated = :now ADD #version :one"),
				ConditionExpression:       aws.String("#status = :cur"),
				ExpressionAttributeNames:  names,
				ExpressionAttributeValues: values,
			}
		} else {
			userOp.ConditionCheck = &types.ConditionCheck{
				TableName: aws.String(s.table), Key: userKey(u.ID),
				ConditionExpression:       aws.String("#status = :cur"),
				ExpressionAttributeNames:  names,
				ExpressionAttributeValues: values,
			}
		}
		effects, err := s.effectItems(fx.ForUser(tok.UserID))
		if err != nil {
			return nil, err
		}
		items := ts.consumeItems(tok)
		userAt := len(items)
		err = s.transact(ctx, append(append(items, userOp), effects...))
		reasons := cancelled(err)
		switch {
		case err == nil:
			if domain.Status(u.Status) == domain.StatusPending {
				at := now.UTC()
				u.Status, u.ActivatedAt, u.UpdatedAt = string(domain.StatusActive), &at, at
			}
			return u.user(), nil
		case failedAt(reasons, 0):
			return nil, tokenInvalid() // consumed by a concurrent call
		case failedAt(reasons, consumeCurrentAt):
			return nil, ts.refuseStale(ctx, "consume activation", tok)
		case failedAt(reasons, userAt):
			continue // the user changed meanwhile: read again
		default:
			return nil, translate("consume activation", err)
		}
	}
	return nil, retryExhausted("consume activation")
}

// ConsumeReset deletes the token, sets the password hash and revokes every session
// of the user, in one transaction (see atomicWithRevocations
// for users with more sessions than a transaction holds).
func (ts *TokenStore) ConsumeReset(ctx context.Context, hash, newPasswordHash string, now time.Time, fx domain.Effects) (*domain.User, error) {
	s := ts.s
	tok, u, err := ts.load(ctx, "consume reset", hash, domain.TokenPasswordReset, now)
	if err != nil {
		return nil, err
	}
	base := append(ts.consumeItems(tok), types.TransactWriteItem{Update: &types.Update{
		TableName:           aws.String(s.table),
		Key:                 userKey(u.ID),
		UpdateExpression:    aws.String("SET #hash = :hash, #updated = :now"),
		ConditionExpression: aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#hash": "password_hash",
			"#updated": "updated_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":hash": str(newPasswordHash), ":now": timeValue(now),
		},
	}})
	effects, err := s.effectItems(fx.ForUser(tok.UserID))
	if err != nil {
		return nil, err
	}
	reasons, err := s.atomicWithRevocations(ctx, "consume reset", append(base, effects...), u.ID, "", now)
	if err != nil {
		return nil, err
	}
	if failedAt(reasons, consumeCurrentAt) && !failedAt(reasons, 0) {
		return nil, ts.refuseStale(ctx, "consume reset", tok)
	}
	if reasons != nil {
		return nil, tokenInvalid() // consumed concurrently, or the user was deleted
	}
	at := now.UTC()
	u.PasswordHash, u.UpdatedAt = newPasswordHash, at
	return u.user(), nil
}

// load reads the token by hash and its user. An unknown token, one of another kind
// or one whose user is gone is token_invalid; an expired one is deleted and answers
// token_expired (DynamoDB's TTL deletes lazily, so expiry is decided here).
func (ts *TokenStore) load(ctx context.Context, op, hash string, kind domain.TokenKind, now time.Time) (*tokenItem, *userItem, error) {
	s := ts.s
	var tok tokenItem
	ok, err := s.get(ctx, op, tokenKey(hash), &tok)
	if err != nil {
		return nil, nil, err
	}
	if !ok || tok.Kind != string(kind) {
		return nil, nil, tokenInvalid()
	}
	if !now.Before(tok.ExpiresAt) {
		if err := s.transactChunks(ctx, op, ts.deleteItems(&tok)); err != nil {
			return nil, nil, err
		}
		return nil, nil, domain.Errorf(domain.CodeTokenExpired, "The token has expired.")
	}
	u, err := s.getUser(ctx, op, tok.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u == nil {
		if err := s.transactChunks(ctx, op, ts.deleteItems(&tok)); err != nil {
			return nil, nil, err
		}
		return nil, nil, tokenInvalid()
	}
	return &tok, u, nil
}

// consumeCurrentAt is the index, among consumeItems, of the check that the token is
// still the user's current one.
const consumeCurrentAt = 2

// consumeItems delete the token, conditioned on it still existing (so that of two
// concurrent consumers only one applies the effect), and its link, and check that
// the user's current-token item of the kind still names it (so that a token
// replaced by a newer one never works, even if the clean-up missed it). A user with
// no current item of the kind has had no token created since the item was
// introduced: the links mailed before that upgrade keep working until they expire
// or a newer one replaces them.
func (ts *TokenStore) consumeItems(tok *tokenItem) []types.TransactWriteItem {
	s := ts.s
	return []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName:                aws.String(s.table),
			Key:                      tokenKey(tok.Hash),
			ConditionExpression:      aws.String("attribute_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK},
		}},
		s.del(tokenLinkKey(tok.UserID, domain.TokenKind(tok.Kind), tok.Hash)),
		{ConditionCheck: &types.ConditionCheck{
			TableName:                 aws.String(s.table),
			Key:                       currentTokenKey(tok.UserID, domain.TokenKind(tok.Kind)),
			ConditionExpression:       aws.String("attribute_not_exists(#hash) OR #hash = :hash"),
			ExpressionAttributeNames:  map[string]string{"#hash": "hash"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":hash": str(tok.Hash)},
		}},
	}
}

// refuseStale deletes a token that a newer one of its kind replaced, which the
// clean-up in Create missed because both were created at once, and answers
// token_invalid, as if the clean-up had not missed it.
func (ts *TokenStore) refuseStale(ctx context.Context, op string, tok *tokenItem) error {
	if err := ts.s.transactChunks(ctx, op, ts.deleteItems(tok)); err != nil {
		return err
	}
	return tokenInvalid()
}

// deleteItems delete the token and its link unconditionally.
func (ts *TokenStore) deleteItems(tok *tokenItem) []types.TransactWriteItem {
	return []types.TransactWriteItem{
		ts.s.del(tokenKey(tok.Hash)),
		ts.s.del(tokenLinkKey(tok.UserID, domain.TokenKind(tok.Kind), tok.Hash)),
	}
}
