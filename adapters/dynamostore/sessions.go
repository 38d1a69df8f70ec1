package dynamostore

import (
	"context"
	"slices"
	"strings"
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
func (ss *SessionStore) Create(ctx context.Context, sess *domain.Session, fx domain.Effects) error {
	s := ss.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	item, link := newSessionItems(sess)
	err = s.transact(ctx, append([]types.TransactWriteItem{
		s.put(item, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
		s.put(link, "", nil, nil),
		s.userExists(sess.UserID),
	}, effects...))
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return domain.Errorf(domain.CodeConflict, "A session with this id exists.")
	case failedAt(reasons, 2):
		return userNotFound()
	}
	return translate("create session", err)
}

// newSessionItems returns the session's item and its link in the user's
// collection.
func newSessionItems(sess *domain.Session) (sessionItem, linkItem) {
	k := sessionKey(sess.ID)
	item := sessionItem{
		PK: pkString(k), SK: skString(k), ID: sess.ID, UserID: sess.UserID,
		Counter: sess.Counter, RotatedAt: sess.RotatedAt.UTC(), CreatedAt: sess.CreatedAt.UTC(),
		ExpiresAt: sess.ExpiresAt.UTC(), ExpiresNS: sess.ExpiresAt.UnixNano(),
		RevokedAt: utcPtr(sess.RevokedAt), UserAgent: sess.UserAgent, IP: sess.IP,
		TTL: ttlOf(sess.ExpiresAt), AAL: string(sess.AAL), AMR: sess.AMR,
	}
	if !sess.AuthTime.IsZero() {
		t := sess.AuthTime.UTC()
		item.AuthTime = &t
	}
	lk := sessionLinkKey(sess.UserID, sess.ID)
	link := linkItem{PK: pkString(lk), SK: skString(lk), Target: sess.ID,
		ExpiresNS: item.ExpiresNS, TTL: item.TTL}
	return item, link
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

// Revoke sets revoked_at unless it is set already, so the first time is kept; with
// effects, the write and fx are one transaction.
func (ss *SessionStore) Revoke(ctx context.Context, id string, at time.Time, fx domain.Effects) error {
	s := ss.s
	if fx.Empty() {
		_, err := s.db.UpdateItem(ctx, s.revokeInput(id, at, false))
		if _, ok := conditionFailed(err); ok {
			return sessionNotFound()
		}
		return translate("revoke session", err)
	}
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{s.revokeItem(id, at)}, effects...))
	if failedAt(cancelled(err), 0) {
		return sessionNotFound()
	}
	return translate("revoke session", err)
}

// RevokeAll revokes each live session of the user found in its item collection
// with its own conditional write (not revoked, not expired at at), and counts the
// writes that succeeded: a session revoked concurrently is counted once, by
// whichever call won. With effects, the revocations that fit go into one
// transaction with fx (see revokeAllWith).
func (ss *SessionStore) RevokeAll(ctx context.Context, userID, exceptID string, at time.Time, fx domain.Effects) (int, error) {
	ids, err := ss.s.liveSessionIDs(ctx, "revoke sessions", userID, exceptID, at)
	if err != nil {
		return 0, err
	}
	if !fx.Empty() {
		return ss.s.revokeAllWith(ctx, ids, at, fx)
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

// revokeAllWith revokes the sessions ids that are still live at at, the first
// ones that fit in one transaction together with fx, and the rest one conditional
// write each right after (as atomicWithRevocations), and counts the revocations
// that succeeded. A session a concurrent call revoked first fails its condition:
// it is dropped and the transaction runs again without it.
func (s *Store) revokeAllWith(ctx context.Context, ids []string, at time.Time, fx domain.Effects) (int, error) {
	effects, err := s.effectItems(fx)
	if err != nil {
		return 0, err
	}
	for range writeAttempts + len(ids) {
		k := min(len(ids), maxTransactItems-len(effects))
		items := slices.Clone(effects)
		for _, id := range ids[:k] {
			items = append(items, s.liveRevokeItem(id, at))
		}
		err := s.transact(ctx, items)
		if err == nil {
			n := k
			for _, id := range ids[k:] {
				_, err := s.db.UpdateItem(ctx, s.revokeInput(id, at, true))
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
		reasons := cancelled(err)
		if reasons == nil || conflictOnly(reasons) {
			return 0, translate("revoke sessions", err)
		}
		var keep []string
		for i, id := range ids[:k] {
			if !failedAt(reasons, len(effects)+i) {
				keep = append(keep, id)
			}
		}
		ids = append(keep, ids[k:]...)
	}
	return 0, retryExhausted("revoke sessions")
}

// liveRevokeItem is revokeInput(id, at, true) as a transaction item.
func (s *Store) liveRevokeItem(id string, at time.Time) types.TransactWriteItem {
	in := s.revokeInput(id, at, true)
	return types.TransactWriteItem{Update: &types.Update{
		TableName: in.TableName, Key: in.Key, UpdateExpression: in.UpdateExpression,
		ConditionExpression: in.ConditionExpression, ExpressionAttributeNames: in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues,
	}}
}

// Live reads the sessions the user's collection links to that have not expired by
// now, keeps the unrevoked ones, newest first.
func (ss *SessionStore) Live(ctx context.Context, userID string, now time.Time) ([]domain.Session, error) {
	ids, err := ss.s.liveSessionIDs(ctx, "list sessions", userID, "", now)
	if err != nil {
		return nil, err
	}
	out := []domain.Session{}
	for _, id := range ids {
		var it sessionItem
		ok, err := ss.s.get(ctx, "list sessions", sessionKey(id), &it)
		if err != nil {
			return nil, err
		}
		if !ok || it.RevokedAt != nil || !now.Before(it.ExpiresAt) || it.UserID != userID {
			continue
		}
		out = append(out, *it.session())
	}
	slices.SortFunc(out, func(a, b domain.Session) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
	return out, nil
}
