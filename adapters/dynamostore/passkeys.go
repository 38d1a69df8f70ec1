package dynamostore

import (
	"context"
	"encoding/base64"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// PasskeyStore implements ports.PasskeyStore on the table.
//
// Item layout: a passkey is PK "USER#<id>", SK "PASSKEY#<passkey id>", in the
// account's item collection (it goes with the account). Its credential id is
// reserved by a guard item, PK "PASSKEYCRED#<base64url id>", SK "PASSKEYCRED",
// naming the owner — written with the passkey on attribute_not_exists, so no two
// accounts hold one credential — and found by its key at login. The passkey
// item's `target` is the guard's PK, so the account's deletion removes both. A
// ceremony state is PK "CEREMONY#<hash>", SK "CEREMONY", with a TTL.
type PasskeyStore struct{ s *Store }

var _ ports.PasskeyStore = (*PasskeyStore)(nil)

// Passkeys returns the passkey store.
func (s *Store) Passkeys() ports.PasskeyStore { return &PasskeyStore{s: s} }

const (
	passkeyPrefix   = "PASSKEY#"
	credGuardPrefix = "PASSKEYCRED#"
)

func passkeyKey(userID, id string) key { return itemKey("USER#"+userID, passkeyPrefix+id) }
func credGuardPK(credentialID []byte) string {
	return credGuardPrefix + base64.RawURLEncoding.EncodeToString(credentialID)
}
func credGuardKey(credentialID []byte) key { return itemKey(credGuardPK(credentialID), "PASSKEYCRED") }
func ceremonyKey(hash string) key          { return itemKey("CEREMONY#"+hash, "CEREMONY") }

// passkeyItem is a passkey as stored.
type passkeyItem struct {
	PK              string     `dynamodbav:"PK"`
	SK              string     `dynamodbav:"SK"`
	Target          string     `dynamodbav:"target"`
	ID              string     `dynamodbav:"id"`
	UserID          string     `dynamodbav:"user_id"`
	CredentialID    []byte     `dynamodbav:"credential_id"`
	PublicKey       []byte     `dynamodbav:"public_key"`
	UserHandle      []byte     `dynamodbav:"user_handle"`
	SignCount       int64      `dynamodbav:"sign_count"`
	AAGUID          []byte     `dynamodbav:"aaguid,omitempty"`
	AttestationType string     `dynamodbav:"attestation_type"`
	Transports      []string   `dynamodbav:"transports,omitempty"`
	BackupEligible  bool       `dynamodbav:"backup_eligible"`
	BackedUp        bool       `dynamodbav:"backed_up"`
	Name            string     `dynamodbav:"name"`
	CreatedAt       time.Time  `dynamodbav:"created_at"`
	LastUsedAt      *time.Time `dynamodbav:"last_used_at,omitempty"`
}

func (it passkeyItem) passkey() domain.Passkey {
	return domain.Passkey{ID: it.ID, UserID: it.UserID, CredentialID: it.CredentialID, PublicKey: it.PublicKey,
		UserHandle: it.UserHandle, SignCount: uint32(it.SignCount), AAGUID: it.AAGUID,
		AttestationType: it.AttestationType, Transports: it.Transports,
		BackupEligible: it.BackupEligible, BackedUp: it.BackedUp, Name: it.Name,
		CreatedAt: it.CreatedAt, LastUsedAt: it.LastUsedAt}
}

// credGuardItem reserves a credential id for one passkey.
type credGuardItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	UserID    string `dynamodbav:"user_id"`
	PasskeyID string `dynamodbav:"passkey_id"`
}

// ceremonyItem is a ceremony state as stored.
type ceremonyItem struct {
	PK        string    `dynamodbav:"PK"`
	SK        string    `dynamodbav:"SK"`
	Kind      string    `dynamodbav:"kind"`
	UserID    string    `dynamodbav:"user_id,omitempty"`
	MFAHash   string    `dynamodbav:"mfa_hash,omitempty"`
	State     []byte    `dynamodbav:"state"`
	CreatedAt time.Time `dynamodbav:"created_at"`
	ExpiresAt time.Time `dynamodbav:"expires_at"`
	TTL       int64     `dynamodbav:"ttl"`
}

func errPasskeyNotFound() error {
	return domain.Errorf(domain.CodeNotFound, "The passkey does not exist.")
}

// Add writes the guard, the passkey and the user's existence check in one
// transaction; with on, also the MFA flag, the codes and the new session, with
// the revocation of the live sessions (see atomicWithRevocations).
func (ps *PasskeyStore) Add(ctx context.Context, p *domain.Passkey, on *domain.MFAOn, fx domain.Effects) error {
	s := ps.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	k := passkeyKey(p.UserID, p.ID)
	gk := credGuardKey(p.CredentialID)
	item := passkeyItem{PK: pkString(k), SK: skString(k), Target: pkString(gk), ID: p.ID, UserID: p.UserID,
		CredentialID: p.CredentialID, PublicKey: p.PublicKey, UserHandle: p.UserHandle,
		SignCount: int64(p.SignCount), AAGUID: p.AAGUID, AttestationType: p.AttestationType,
		Transports: p.Transports, BackupEligible: p.BackupEligible, BackedUp: p.BackedUp, Name: p.Name,
		CreatedAt: p.CreatedAt.UTC(), LastUsedAt: utcPtr(p.LastUsedAt)}
	guard := credGuardItem{PK: pkString(gk), SK: skString(gk), UserID: p.UserID, PasskeyID: p.ID}
	notExists := map[string]string{"#pk": attrPK}
	// The second item checks that the user exists: a plain check, or (turning
	// MFA on) the flag's update, which carries the same condition — one
	// transaction may touch the user's item only once.
	user := s.userExists(p.UserID)
	if on != nil {
		user = s.setMFAItem(p.UserID, true)
	}
	base := []types.TransactWriteItem{
		s.put(guard, "attribute_not_exists(#pk)", notExists, nil),
		user,
		s.put(item, "attribute_not_exists(#pk)", notExists, nil),
	}
	var reasons []types.CancellationReason
	if on == nil {
		err = s.transact(ctx, append(base, effects...))
		reasons = cancelled(err)
		if reasons == nil && err != nil {
			return translate("add passkey", err)
		}
	} else {
		base = append(base, s.recoveryPut(p.UserID, on.RecoveryCodes, on.At))
		if on.Session != nil {
			sess, link := newSessionItems(on.Session)
			base = append(base, s.put(sess, "attribute_not_exists(#pk)", notExists, nil), s.put(link, "", nil, nil))
		}
		if reasons, err = s.atomicWithRevocations(ctx, "add passkey", append(base, effects...), p.UserID, "", on.At); err != nil {
			return err
		}
	}
	switch {
	case failedAt(reasons, 0):
		return domain.Errorf(domain.CodeConflict, "This passkey is registered already.")
	case failedAt(reasons, 1):
		return userNotFound()
	case reasons != nil:
		return domain.Errorf(domain.CodeConflict, "A passkey or session with this id exists.")
	}
	return nil
}

// Passkeys queries the user's collection for its passkey items.
func (ps *PasskeyStore) Passkeys(ctx context.Context, userID string) ([]domain.Passkey, error) {
	items, err := ps.items(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Passkey, len(items))
	for i, it := range items {
		out[i] = it.passkey()
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.Before(out[j].CreatedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func (ps *PasskeyStore) items(ctx context.Context, userID string) ([]passkeyItem, error) {
	in := &dynamodb.QueryInput{
		TableName:                aws.String(ps.s.table),
		ConsistentRead:           aws.Bool(true),
		KeyConditionExpression:   aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str("USER#" + userID), ":prefix": str(passkeyPrefix),
		},
	}
	var out []passkeyItem
	for p := dynamodb.NewQueryPaginator(ps.s.db, in); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate("list passkeys", err)
		}
		var items []passkeyItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, translate("list passkeys", err)
		}
		out = append(out, items...)
	}
	return out, nil
}

// ByCredentialID reads the guard, then the passkey it names.
func (ps *PasskeyStore) ByCredentialID(ctx context.Context, credentialID []byte) (*domain.Passkey, error) {
	var g credGuardItem
	ok, err := ps.s.get(ctx, "find passkey", credGuardKey(credentialID), &g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errPasskeyNotFound()
	}
	return ps.byID(ctx, g.UserID, g.PasskeyID)
}

func (ps *PasskeyStore) byID(ctx context.Context, userID, id string) (*domain.Passkey, error) {
	var it passkeyItem
	ok, err := ps.s.get(ctx, "read passkey", passkeyKey(userID, id), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errPasskeyNotFound()
	}
	p := it.passkey()
	return &p, nil
}

// Rename is one conditional update of the passkey item, with fx.
func (ps *PasskeyStore) Rename(ctx context.Context, userID, id, name string, fx domain.Effects) (*domain.Passkey, error) {
	s := ps.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return nil, err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       passkeyKey(userID, id),
		UpdateExpression:          aws.String("SET #name = :name"),
		ConditionExpression:       aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#name": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":name": str(name)},
	}}}, effects...))
	if failedAt(cancelled(err), 0) {
		return nil, errPasskeyNotFound()
	}
	if err != nil {
		return nil, translate("rename passkey", err)
	}
	return ps.byID(ctx, userID, id)
}

// Use is one conditional update on the counter read, with fx.
func (ps *PasskeyStore) Use(ctx context.Context, p *domain.Passkey, count uint32, backedUp bool, at time.Time, fx domain.Effects) error {
	s := ps.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	err = s.transact(ctx, append([]types.TransactWriteItem{{Update: &types.Update{
		TableName:           aws.String(s.table),
		Key:                 passkeyKey(p.UserID, p.ID),
		UpdateExpression:    aws.String("SET #count = :count, #bs = :bs, #used = :at"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #count = :from"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#count": "sign_count", "#bs": "backed_up",
			"#used": "last_used_at"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":count": num(int64(count)), ":from": num(int64(p.SignCount)),
			":bs": &types.AttributeValueMemberBOOL{Value: backedUp}, ":at": timeValue(at),
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}, effects...))
	if reasons := cancelled(err); failedAt(reasons, 0) {
		if len(reasons[0].Item) == 0 {
			return errPasskeyNotFound()
		}
		return domain.Errorf(domain.CodeConflict, "The passkey's counter moved; try again.")
	}
	return translate("use passkey", err)
}

// Remove deletes the passkey item and its guard; when the account has no other
// passkey and no active factor, the recovery item goes and the MFA flag is
// cleared in the same transaction.
func (ps *PasskeyStore) Remove(ctx context.Context, userID, id string, fx domain.Effects) error {
	s := ps.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	p, err := ps.byID(ctx, userID, id)
	if err != nil {
		return err
	}
	others, err := ps.othersLeft(ctx, userID, id, "")
	if err != nil {
		return err
	}
	tx := []types.TransactWriteItem{{Delete: &types.Delete{
		TableName:                aws.String(s.table),
		Key:                      passkeyKey(userID, id),
		ConditionExpression:      aws.String("attribute_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": attrPK},
	}}, s.del(credGuardKey(p.CredentialID))}
	if !others {
		tx = append(tx, s.setMFAItem(userID, false), s.del(recoveryKey(userID)))
	}
	err = s.transact(ctx, append(tx, effects...))
	reasons := cancelled(err)
	switch {
	case failedAt(reasons, 0):
		return errPasskeyNotFound()
	case failedAt(reasons, 2):
		return userNotFound()
	}
	return translate("remove passkey", err)
}

// othersLeft reports whether the account keeps a second factor besides the
// passkey exceptPasskey and the factor exceptFactor: another passkey or an
// active factor.
func (ps *PasskeyStore) othersLeft(ctx context.Context, userID, exceptPasskey, exceptFactor string) (bool, error) {
	passkeys, err := ps.items(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, it := range passkeys {
		if it.ID != exceptPasskey {
			return true, nil
		}
	}
	factors, err := (&MFAStore{s: ps.s}).factorItems(ctx, userID)
	if err != nil {
		return false, err
	}
	for _, it := range factors {
		if it.ID != exceptFactor && it.Status == string(domain.FactorActive) {
			return true, nil
		}
	}
	return false, nil
}

// CreateCeremony puts the ceremony item, with its TTL.
func (ps *PasskeyStore) CreateCeremony(ctx context.Context, c *domain.PasskeyCeremony) error {
	s := ps.s
	k := ceremonyKey(c.Hash)
	it := ceremonyItem{PK: pkString(k), SK: skString(k), Kind: string(c.Kind), UserID: c.UserID, MFAHash: c.MFAHash,
		State: c.State, CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(), TTL: ttlOf(c.ExpiresAt)}
	return s.putForUser(ctx, "create ceremony", s.put(it, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil),
		c.UserID, nil, domain.Errorf(domain.CodeConflict, "The ceremony exists."))
}

// ConsumeCeremony is one conditional DeleteItem returning the old item: whoever
// deletes it has it.
func (ps *PasskeyStore) ConsumeCeremony(ctx context.Context, hash string, now time.Time) (*domain.PasskeyCeremony, error) {
	var it ceremonyItem
	ok, err := ps.s.take(ctx, "consume ceremony", ceremonyKey(hash), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, domain.Errorf(domain.CodeTokenInvalid, "The passkey ceremony is not valid; start again.")
	}
	if !now.Before(it.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The passkey ceremony has expired; start again.")
	}
	return &domain.PasskeyCeremony{Hash: hash, Kind: domain.CeremonyKind(it.Kind), UserID: it.UserID,
		MFAHash: it.MFAHash, State: it.State, CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt}, nil
}
