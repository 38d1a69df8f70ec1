package dynamostore

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// MFAStore implements ports.MFAStore on the table.
//
// Item layout: a factor is PK "USER#<id>", SK "FACTOR#<type>" — one per type, so
// replacing a pending factor and refusing over an active one is one conditional
// Put; the account's recovery codes are one item, PK "USER#<id>", SK "RECOVERY",
// holding the hashes as a string set, so using a code is one UpdateItem that
// deletes it from the set on the condition that the set contains it. Both live in
// the account's item collection and go with it. An mfa token is PK
// "MFATOKEN#<hash>", SK "MFATOKEN", with a TTL.
type MFAStore struct{ s *Store }

var _ ports.MFAStore = (*MFAStore)(nil)

// MFA returns the MFA store.
func (s *Store) MFA() ports.MFAStore { return &MFAStore{s: s} }

// Sort keys of the MFA items in a user's collection.
const (
	factorPrefix = "FACTOR#"
	recoverySK   = "RECOVERY"
)

func factorKey(userID string, t domain.FactorType) key {
	return itemKey("USER#"+userID, factorPrefix+string(t))
}
func recoveryKey(userID string) key { return itemKey("USER#"+userID, recoverySK) }

// factorItem is a factor as stored; Secret is sealed.
type factorItem struct {
	PK         string     `dynamodbav:"PK"`
	SK         string     `dynamodbav:"SK"`
	ID         string     `dynamodbav:"id"`
	UserID     string     `dynamodbav:"user_id"`
	Type       string     `dynamodbav:"type"`
	Status     string     `dynamodbav:"status"`
	Secret     []byte     `dynamodbav:"secret"`
	LastStep   int64      `dynamodbav:"last_step"`
	CreatedAt  time.Time  `dynamodbav:"created_at"`
	LastUsedAt *time.Time `dynamodbav:"last_used_at,omitempty"`
}

func (it factorItem) factor() domain.Factor {
	return domain.Factor{ID: it.ID, UserID: it.UserID, Type: domain.FactorType(it.Type),
		Status: domain.FactorStatus(it.Status), Secret: it.Secret, LastStep: it.LastStep,
		CreatedAt: it.CreatedAt, LastUsedAt: it.LastUsedAt}
}

// recoveryItem holds the account's recovery-code hashes. DynamoDB has no empty
// set: an item whose last code was used has no codes attribute.
type recoveryItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Codes     []string  `dynamodbav:"codes,stringset,omitempty"`
	CreatedAt time.Time `dynamodbav:"created_at"`
}

// PutFactor is one conditional Put on the type's item: absent or pending.
func (m *MFAStore) PutFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	k := factorKey(f.UserID, f.Type)
	item := factorItem{PK: pkString(k), SK: skString(k), ID: f.ID, UserID: f.UserID, Type: string(f.Type),
		Status: string(domain.FactorPending), Secret: f.Secret, LastStep: f.LastStep, CreatedAt: f.CreatedAt.UTC()}
	return s.putForUser(ctx, "put factor", s.put(item, "attribute_not_exists(#pk) OR #status = :pending",
		map[string]string{"#pk": attrPK, "#status": "status"},
		map[string]types.AttributeValue{":pending": str(string(domain.FactorPending))}),
		f.UserID, effects, domain.Errorf(domain.CodeConflict, "An active factor of this type exists; remove it first."))
}

// Factors reads the user's factor items with a consistent Query.
func (m *MFAStore) Factors(ctx context.Context, userID string) ([]domain.Factor, error) {
	items, err := m.factorItems(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Factor, 0, len(items))
	for _, it := range items {
		out = append(out, it.factor())
	}
	// One item per type, in sort-key order; oldest first is what the port promises.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].CreatedAt.Before(out[j-1].CreatedAt); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

func (m *MFAStore) factorItems(ctx context.Context, userID string) ([]factorItem, error) {
	res, err := m.s.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                aws.String(m.s.table),
		ConsistentRead:           aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("USER#" + userID), ":prefix": str(factorPrefix),
		},
	})
	if err != nil {
		return nil, translate("list factors", err)
	}
	var items []factorItem
	if err := attributevalue.UnmarshalListOfMaps(res.Items, &items); err != nil {
		return nil, translate("list factors", err)
	}
	return items, nil
}

// stepUpdate is the compare-and-swap on a factor item: it is still f (id), in
// status from, and its last step is below step; it becomes status to with step.
func (s *Store) stepUpdate(f *domain.Factor, from, to domain.FactorStatus, step int64, at time.Time) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:        aws.String(s.table),
		Key:              factorKey(f.UserID, f.Type),
		UpdateExpression: aws.String("SET #status = :to, #step = :step, #used = :at"),
		ConditionExpression: aws.String(
			"attribute_exists(#pk) AND #id = :id AND #status = :from AND #step < :step"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrPK, "#id": "id", "#status": "status", "#step": "last_step", "#used": "last_used_at",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":id": str(f.ID), ":from": str(string(from)), ":to": str(string(to)),
			":step": num(step), ":at": timeValue(at),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// stepFailure explains a failed stepUpdate from the item it found: not_found
// unless it is still f in status want, else conflict (the step was taken).
func stepFailure(old map[string]types.AttributeValue, f *domain.Factor, want domain.FactorStatus) error {
	var it factorItem
	if len(old) > 0 {
		_ = attributevalue.UnmarshalMap(old, &it)
	}
	if it.ID != f.ID || it.Status != string(want) {
		return domain.Errorf(domain.CodeNotFound, "The factor does not exist.")
	}
	return domain.Errorf(domain.CodeConflict, "This code was used already.")
}

// setMFAItem writes the account's MFA flag on an existing user item. The profile
// version is left alone: the flag is not a profile field, so a profile update
// racing it neither undoes it nor is undone by it.
func (s *Store) setMFAItem(userID string, on bool) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       userKey(userID),
		UpdateExpression:          aws.String("SET #mfa = :on"),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#mfa": "mfa_enabled"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":on": &types.AttributeValueMemberBOOL{Value: on}},
	}}
}

// recoveryPut replaces the account's recovery codes with hashes.
func (s *Store) recoveryPut(userID string, hashes []string, at time.Time) types.TransactWriteItem {
	if len(hashes) == 0 {
		return s.del(recoveryKey(userID))
	}
	k := recoveryKey(userID)
	return s.put(recoveryItem{PK: pkString(k), SK: skString(k), Codes: hashes, CreatedAt: at.UTC()}, "", nil, nil)
}

// Activate writes the factor's compare-and-swap, the MFA flag, the codes, the new
// session and fx in one transaction with the revocation of the live sessions (see
// atomicWithRevocations).
func (m *MFAStore) Activate(ctx context.Context, act domain.FactorActivation, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	f := act.Factor
	base := []types.TransactWriteItem{
		s.stepUpdate(&f, domain.FactorPending, domain.FactorActive, act.Step, act.At),
		s.setMFAItem(f.UserID, true),
	}
	if act.RecoveryCodes != nil {
		base = append(base, s.recoveryPut(f.UserID, act.RecoveryCodes, act.At))
	}
	if act.Session != nil {
		item, link := newSessionItems(act.Session)
		base = append(base,
			s.put(item, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
			s.put(link, "", nil, nil))
	}
	reasons, err := s.atomicWithRevocations(ctx, "activate factor", append(base, effects...), f.UserID, "", act.At)
	if err != nil {
		return err
	}
	switch {
	case failedAt(reasons, 0):
		return stepFailure(reasons[0].Item, &f, domain.FactorPending)
	case failedAt(reasons, 1):
		return userNotFound()
	case reasons != nil:
		return domain.Errorf(domain.CodeConflict, "A session with this id exists.")
	}
	return nil
}

// AcceptStep is one conditional update of the factor item (with fx, one
// transaction).
func (m *MFAStore) AcceptStep(ctx context.Context, f *domain.Factor, step int64, at time.Time, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{
		s.stepUpdate(f, domain.FactorActive, domain.FactorActive, step, at),
	}, effects...))
	if reasons := cancelled(err); failedAt(reasons, 0) {
		return stepFailure(reasons[0].Item, f, domain.FactorActive)
	}
	return translate("accept step", err)
}

// DeleteFactor deletes the factor item (still f); when no other active factor
// and no passkey is left, the recovery item goes and the MFA flag is cleared in the same
// transaction.
func (m *MFAStore) DeleteFactor(ctx context.Context, f *domain.Factor, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	others, err := (&PasskeyStore{s: s}).othersLeft(ctx, f.UserID, "", f.ID)
	if err != nil {
		return err
	}
	tx := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName:                 aws.String(s.table),
		Key:                       factorKey(f.UserID, f.Type),
		ConditionExpression:       aws.String("attribute_exists(#pk) AND #id = :id"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#id": "id"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":id": str(f.ID)},
	}}}
	if !others {
		tx = append(tx, s.setMFAItem(f.UserID, false), s.del(recoveryKey(f.UserID)))
	}
	err = s.transact(ctx, append(tx, effects...))
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return domain.Errorf(domain.CodeNotFound, "The factor does not exist.")
	case failedAt(reasons, 1):
		return userNotFound()
	}
	return translate("delete factor", err)
}

// Reset deletes every factor and passkey item (with the passkeys' guards) and
// the recovery item and clears the MFA flag
// in one transaction with the revocation of the live sessions.
func (m *MFAStore) Reset(ctx context.Context, userID string, at time.Time, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	items, err := m.factorItems(ctx, userID)
	if err != nil {
		return err
	}
	passkeys, err := (&PasskeyStore{s: s}).items(ctx, userID)
	if err != nil {
		return err
	}
	base := []types.TransactWriteItem{s.setMFAItem(userID, false), s.del(recoveryKey(userID))}
	for _, it := range items {
		base = append(base, s.del(itemKey(it.PK, it.SK)))
	}
	for _, it := range passkeys {
		base = append(base, s.del(itemKey(it.PK, it.SK)), s.del(credGuardKey(it.CredentialID)))
	}
	reasons, err := s.atomicWithRevocations(ctx, "reset mfa", append(base, effects...), userID, "", at)
	if err != nil {
		return err
	}
	if failedAt(reasons, 0) {
		return userNotFound()
	}
	return nil
}

// ReplaceRecoveryCodes puts the recovery item anew, on an existing user.
func (m *MFAStore) ReplaceRecoveryCodes(ctx context.Context, userID string, hashes []string, at time.Time, fx domain.Effects) error {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{
		s.userExists(userID), s.recoveryPut(userID, hashes, at),
	}, effects...))
	if failedAt(cancelled(err), 0) {
		return userNotFound()
	}
	return translate("replace recovery codes", err)
}

// UseRecoveryCode deletes the hash from the set on the condition that the set
// holds it: one write decides who used the code. With fx it is a transaction
// (which returns no values), and the remaining count is read after it.
func (m *MFAStore) UseRecoveryCode(ctx context.Context, userID, hash string, fx domain.Effects) (int, error) {
	s := m.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return 0, err
	}
	use := &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       recoveryKey(userID),
		UpdateExpression:          aws.String("DELETE #codes :code"),
		ConditionExpression:       aws.String("contains(#codes, :hash)"),
		ExpressionAttributeNames:  map[string]string{"#codes": "codes"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":code": &types.AttributeValueMemberSS{Value: []string{hash}}, ":hash": str(hash)},
	}
	notFound := domain.Errorf(domain.CodeNotFound, "No such recovery code.")
	if len(effects) == 0 {
		out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: use.TableName, Key: use.Key, UpdateExpression: use.UpdateExpression,
			ConditionExpression: use.ConditionExpression, ExpressionAttributeNames: use.ExpressionAttributeNames,
			ExpressionAttributeValues: use.ExpressionAttributeValues, ReturnValues: types.ReturnValueAllNew,
		})
		if _, ok := conditionFailed(err); ok {
			return 0, notFound
		}
		if err != nil {
			return 0, translate("use recovery code", err)
		}
		var it recoveryItem
		if err := attributevalue.UnmarshalMap(out.Attributes, &it); err != nil {
			return 0, translate("use recovery code", err)
		}
		return len(it.Codes), nil
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{{Update: use}}, effects...))
	if failedAt(cancelled(err), 0) {
		return 0, notFound
	}
	if err != nil {
		return 0, translate("use recovery code", err)
	}
	return m.RecoveryCodesLeft(ctx, userID)
}

// RecoveryCodesLeft reads the recovery item.
func (m *MFAStore) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var it recoveryItem
	if _, err := m.s.get(ctx, "count recovery codes", recoveryKey(userID), &it); err != nil {
		return 0, err
	}
	return len(it.Codes), nil
}
