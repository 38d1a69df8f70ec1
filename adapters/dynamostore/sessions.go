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

// SessionStore implements ports.SessionStore on the table.
type SessionStore struct{ s *Store }

var _ ports.SessionStore = (*SessionStore)(nil)

func sessionNotFound() error { return domain.Errorf(domain.CodeNotFound, "Session not found.") }

// Create writes the session and its link in the user's item collection in one
// transaction, so that RevokeAll and Delete always find it. The transaction also
// checks that the user exists, so that no session of an unknown (or just deleted)
// user is written: not_found, as the SQL stores' foreign key answers.
func (ss *SessionStore) Create(ctx context.Context, sess *domain.Session) error {
	s := ss.s
	k := sessionKey(sess.ID)
	item := sessionItem{
		PK: pkString(k), SK: skString(k), ID: sess.ID, UserID: sess.UserID,
		Counter: sess.Counter, RotatedAt: sess.RotatedAt.UTC(), CreatedAt: sess.CreatedAt.UTC(),
		ExpiresAt: sess.ExpiresAt.UTC(), ExpiresNS: sess.ExpiresAt.UnixNano(),
		RevokedAt: utcPtr(sess.RevokedAt), UserAgent: sess.UserAgent, IP: sess.IP,
		TTL: ttlOf(sess.ExpiresAt),
	}
	lk := sessionLinkKey(sess.UserID, sess.ID)
	link := linkItem{PK: pkString(lk), SK: skString(lk), Target: sess.ID,
		ExpiresNS: item.ExpiresNS, TTL: item.TTL}
	err := s.transact(ctx, []types.TransactWriteItem{
		s.put(item, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
		s.put(link, "", nil, nil),
		s.userExists(sess.UserID),
	})
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return domain.Errorf(domain.CodeConflict, "A session with this id exists.")
	case failedAt(reasons, 2):
		return userNotFound()
	}
	return translate("create session", err)
}

// ByID reads the session with a consistent read; revoked and expired sessions are
// returned too (until DynamoDB's TTL removes expired ones).
func (ss *SessionStore) ByID(ctx context.Context, id string) (*domain.Session, error) {
	var it sessionItem
	ok, err := ss.s.get(ctx, "get session", sessionKey(id), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, sessionNotFound()
	}
	return it.session(), nil
}

// Rotate is one conditional UpdateItem: counter = from and not revoked. When the
// condition fails, the old item returned with the failure tells not_found (no item)
// from conflict (stale counter or revoked) without another read.
func (ss *SessionStore) Rotate(ctx context.Context, id string, from uint64, at time.Time) error {
	_, err := ss.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(ss.s.table),
		Key:                 sessionKey(id),
		UpdateExpression:    aws.String("SET #counter = :next, #rotated = :at"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #counter = :from AND attribute_not_exists(#revoked)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrPK, "#counter": "counter", "#rotated": "rotated_at", "#revoked": "revoked_at",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":from": num(int64(from)), ":next": num(int64(from + 1)), ":at": timeValue(at),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if ccf, ok := conditionFailed(err); ok {
		if len(ccf.Item) == 0 {
			return sessionNotFound()
		}
		return domain.Errorf(domain.CodeConflict, "The session was rotated or revoked meanwhile.")
	}
	return translate("rotate session", err)
}

// Revoke sets revoked_at unless it is set already, so the first time is kept.
func (ss *SessionStore) Revoke(ctx context.Context, id string, at time.Time) error {
	_, err := ss.s.db.UpdateItem(ctx, ss.s.revokeInput(id, at, false))
	if _, ok := conditionFailed(err); ok {
		return sessionNotFound()
	}
	return translate("revoke session", err)
}

// RevokeAll revokes each live session of the user found in its item collection
// with its own conditional write (not revoked, not expired at at), and counts the
// writes that succeeded: a session revoked concurrently is counted once, by
// whichever call won.
func (ss *SessionStore) RevokeAll(ctx context.Context, userID, exceptID string, at time.Time) (int, error) {
	ids, err := ss.s.liveSessionIDs(ctx, "revoke sessions", userID, exceptID, at)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, err := ss.s.db.UpdateItem(ctx, ss.s.revokeInput(id, at, true))
		if _, ok := conditionFailed(err); ok {
			continue
		}
		if err != nil {
			return n, translate("revoke sessions", err)
		}
		n++
	}
	return n, nil
}

// revokeInput sets revoked_at on an existing session. With liveOnly the write also
// requires the session to be unrevoked and unexpired at at; otherwise an earlier
// revocation time is kept.
func (s *Store) revokeInput(id string, at time.Time, liveOnly bool) *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      sessionKey(id),
		UpdateExpression:         aws.String("SET #revoked = if_not_exists(#revoked, :at)"),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#revoked": "revoked_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":at": timeValue(at),
		},
	}
	if liveOnly {
		in.ConditionExpression = aws.String("attribute_exists(#pk) AND attribute_not_exists(#revoked) AND #exp > :now")
		in.ExpressionAttributeNames["#exp"] = "expires_ns"
		in.ExpressionAttributeValues[":now"] = num(at.UnixNano())
	}
	return in
}

// revokeItem is revokeInput as a transaction item.
func (s *Store) revokeItem(id string, at time.Time) types.TransactWriteItem {
	in := s.revokeInput(id, at, false)
	return types.TransactWriteItem{Update: &types.Update{
		TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
		ConditionExpression: in.ConditionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues,
	}}
}

// liveSessionIDs lists the user's sessions not expired at at, except exceptID,
// from the item collection (a consistent read, so none created before is missed).
// Whether each is revoked already is decided by the write that revokes it.
func (s *Store) liveSessionIDs(ctx context.Context, op, userID, exceptID string, at time.Time) ([]string, error) {
	links, err := s.links(ctx, op, userID, "SESSION#")
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range links {
		if l.Target != exceptID && l.ExpiresNS > at.UnixNano() {
			ids = append(ids, l.Target)
		}
	}
	return ids, nil
}

// revokeRest revokes sessions that did not fit into an operation's transaction,
// one conditional write each; a session gone meanwhile needs no revoking.
func (s *Store) revokeRest(ctx context.Context, op string, ids []string, at time.Time) error {
	for _, id := range ids {
		_, err := s.db.UpdateItem(ctx, s.revokeInput(id, at, false))
		if _, ok := conditionFailed(err); ok {
			continue
		}
		if err != nil {
			return translate(op, err)
		}
	}
	return nil
}
