package dynamostore

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.Archive = (*Archive)(nil)

// Archive reads and writes whole accounts on the table. An account is one item
// collection (USER#id) plus its sessions and guards, so reading one is a few
// consistent reads, and writing one is one transaction.
type Archive struct{ s *Store }

// Archive returns the table's account archive.
func (s *Store) Archive() ports.Archive { return &Archive{s: s} }

// Accounts reads each user's collection through the stores' own reads.
func (a *Archive) Accounts(ctx context.Context, users []domain.User, now time.Time) ([]domain.Account, error) {
	out := make([]domain.Account, len(users))
	mfa, passkeys, sessions, identities := &MFAStore{s: a.s}, &PasskeyStore{s: a.s}, &SessionStore{s: a.s}, &IdentityStore{s: a.s}
	for i := range users {
		acc := &out[i]
		acc.User = users[i]
		id := users[i].ID
		var err error
		if acc.Factors, err = mfa.Factors(ctx, id); err != nil {
			return nil, err
		}
		var rec recoveryItem
		if _, err := a.s.get(ctx, "read recovery codes", recoveryKey(id), &rec); err != nil {
			return nil, err
		}
		acc.RecoveryCodes = rec.Codes
		sort.Strings(acc.RecoveryCodes)
		if acc.Passkeys, err = passkeys.Passkeys(ctx, id); err != nil {
			return nil, err
		}
		if acc.Sessions, err = sessions.Live(ctx, id, now); err != nil {
			return nil, err
		}
		if acc.Identities, err = identities.Identities(ctx, id); err != nil {
			return nil, err
		}
		// Live answers newest first; the archive keeps creation order.
		if acc.Tokens, err = a.liveTokens(ctx, id, now); err != nil {
			return nil, err
		}
		ss := acc.Sessions
		sort.Slice(ss, func(x, y int) bool {
			if !ss[x].CreatedAt.Equal(ss[y].CreatedAt) {
				return ss[x].CreatedAt.Before(ss[y].CreatedAt)
			}
			return ss[x].ID < ss[y].ID
		})
	}
	return out, nil
}

// liveTokens reads the user's current token of each kind, when it is live: only
// the current one of a kind can be consumed (see currentTokenItem).
func (a *Archive) liveTokens(ctx context.Context, userID string, now time.Time) ([]domain.OneTimeToken, error) {
	var out []domain.OneTimeToken
	for _, kind := range []domain.TokenKind{domain.TokenActivation, domain.TokenPasswordReset, domain.TokenEmailChange} {
		var cur currentTokenItem
		ok, err := a.s.get(ctx, "read current token", currentTokenKey(userID, kind), &cur)
		if err != nil {
			return nil, err
		}
		if !ok || cur.Hash == "" {
			continue
		}
		var it tokenItem
		ok, err = a.s.get(ctx, "read token", tokenKey(cur.Hash), &it)
		if err != nil {
			return nil, err
		}
		if !ok || it.UserID != userID || !it.ExpiresAt.After(now) {
			continue
		}
		out = append(out, domain.OneTimeToken{Hash: it.Hash, Kind: domain.TokenKind(it.Kind), UserID: it.UserID,
			NewEmail: it.NewEmail, CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt})
	}
	return out, nil
}

// Count counts the users' index partition (GSI1, USERS).
func (a *Archive) Count(ctx context.Context) (int64, error) {
	return a.s.countGSI1(ctx, usersPart, "count users")
}

// Secrets scans the table for SECRET# items. It reads the whole table once: an
// export does this once, not per account.
func (a *Archive) Secrets(ctx context.Context) ([]domain.Secret, error) {
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(a.s.table),
		ConsistentRead:            aws.Bool(true),
		FilterExpression:          aws.String("begins_with(#pk, :p) AND #sk = :sk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrPK, "#sk": attrSK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("SECRET#"), ":sk": str("SECRET")},
	}
	var out []domain.Secret
	p := dynamodb.NewScanPaginator(a.s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, translate("scan secrets", err)
		}
		for _, item := range page.Items {
			var it secretItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, translate("scan secrets", err)
			}
			out = append(out, domain.Secret{Name: strings.TrimPrefix(it.PK, "SECRET#"), Value: it.Value})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Restore writes each account as one transaction: the user and its guards
// (conditioned as a sign-up is), its identities with their guards, its factors,
// codes, passkeys with their credential guards, and as many sessions as fit; the remaining sessions follow
// in further transactions. Without skipConflicts every account is checked first
// and nothing is written when one conflicts. fx goes with the first account.
func (a *Archive) Restore(ctx context.Context, accts []domain.Account, skipConflicts bool, fx domain.Effects) ([]string, error) {
	s := a.s
	users := &UserStore{s: s}
	if !skipConflicts {
		var conflicts []string
		for i := range accts {
			taken, err := a.taken(ctx, &accts[i])
			if err != nil {
				return nil, err
			}
			if taken {
				conflicts = append(conflicts, accts[i].User.ID)
			}
		}
		if len(conflicts) > 0 {
			return conflicts, domain.Errorf(domain.CodeConflict, "%d accounts exist in the target already.", len(conflicts))
		}
	}
	effects, err := s.effectItems(fx)
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for i := range accts {
		acc := &accts[i]
		items, rest := a.accountItems(acc)
		if i == 0 {
			items = append(items, effects...)
		}
		idents := make([]domain.Identity, len(acc.Identities))
		for j, id := range acc.Identities {
			id.UserID = acc.User.ID
			idents[j] = id
		}
		err := users.createWith(ctx, &acc.User, idents, items)
		switch {
		case domain.IsCode(err, domain.CodeConflict), domain.IsCode(err, domain.CodeEmailTaken), domain.IsCode(err, domain.CodeUsernameTaken):
			conflicts = append(conflicts, acc.User.ID)
			continue
		case err != nil:
			return conflicts, err
		}
		if err := s.transactChunks(ctx, "restore sessions", rest); err != nil {
			return conflicts, err
		}
	}
	return conflicts, nil
}

// taken reports whether acc's id, e-mail, username or one of its external
// identities is held in the table.
func (a *Archive) taken(ctx context.Context, acc *domain.Account) (bool, error) {
	u := &acc.User
	keys := []key{userKey(u.ID), emailGuardKey(u.Email)}
	if u.Username != "" {
		keys = append(keys, usernameGuardKey(u.Username))
	}
	for _, id := range acc.Identities {
		keys = append(keys, identityGuardKey(id.Provider, id.Subject))
	}
	for _, k := range keys {
		var it map[string]any
		ok, err := a.s.get(ctx, "check account", k, &it)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// accountItems returns the items of acc besides the user and its guards: those
// that fit in the account's transaction, and the sessions that do not.
func (a *Archive) accountItems(acc *domain.Account) (items, rest []types.TransactWriteItem) {
	s := a.s
	id := acc.User.ID
	notExists := map[string]string{"#pk": attrPK}
	for _, f := range acc.Factors {
		k := factorKey(id, f.Type)
		items = append(items, s.put(factorItem{PK: pkString(k), SK: skString(k), ID: f.ID, UserID: id, Type: string(f.Type),
			Status: string(f.Status), Secret: f.Secret, LastStep: f.LastStep, CreatedAt: f.CreatedAt.UTC(),
			LastUsedAt: utcPtr(f.LastUsedAt)}, "", nil, nil))
	}
	if len(acc.RecoveryCodes) > 0 {
		items = append(items, s.recoveryPut(id, acc.RecoveryCodes, time.Now()))
	}
	for _, p := range acc.Passkeys {
		k, gk := passkeyKey(id, p.ID), credGuardKey(p.CredentialID)
		items = append(items,
			s.put(passkeyItem{PK: pkString(k), SK: skString(k), Target: pkString(gk), ID: p.ID, UserID: id,
				CredentialID: p.CredentialID, PublicKey: p.PublicKey, UserHandle: p.UserHandle,
				SignCount: int64(p.SignCount), AAGUID: p.AAGUID, AttestationType: p.AttestationType,
				Transports: p.Transports, BackupEligible: p.BackupEligible, BackedUp: p.BackedUp, Name: p.Name,
				CreatedAt: p.CreatedAt.UTC(), LastUsedAt: utcPtr(p.LastUsedAt)}, "", nil, nil),
			s.put(credGuardItem{PK: pkString(gk), SK: skString(gk), UserID: id, PasskeyID: p.ID},
				"attribute_not_exists(#pk)", notExists, nil))
	}
	for j := range acc.Tokens {
		tok := acc.Tokens[j]
		tok.UserID = id
		items = append(items, s.tokenItems(&tok)...)
	}
	// The user, two guards and each identity's two items come first; eight slots
	// are kept for the effects.
	room := maxTransactItems - 3 - 2*len(acc.Identities) - len(items) - 8
	for j := range acc.Sessions {
		sess := acc.Sessions[j]
		sess.UserID = id
		item, link := newSessionItems(&sess)
		pair := []types.TransactWriteItem{s.put(item, "attribute_not_exists(#pk)", notExists, nil), s.put(link, "", nil, nil)}
		if room >= 2 {
			items, room = append(items, pair...), room-2
		} else {
			rest = append(rest, pair...)
		}
	}
	return items, rest
}
