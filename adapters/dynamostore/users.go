package dynamostore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// UserStore implements ports.UserStore on the table.
type UserStore struct{ s *Store }

var _ ports.UserStore = (*UserStore)(nil)

// writeAttempts bounds how often a write that lost a race (a replaced orphan guard,
// a concurrent profile change) is recomputed and retried.
const writeAttempts = 5

func userNotFound() error { return domain.Errorf(domain.CodeNotFound, "User not found.") }

// retryExhausted is what a write answers after losing writeAttempts races in a row.
func retryExhausted(op string) error {
	e := domain.Wrap(domain.CodeUnavailable,
		fmt.Errorf("dynamostore: %s: lost %d races in a row", op, writeAttempts),
		"The user store is busy; try again.")
	e.RetryAfter = retryAfter
	return e
}

// Create writes the user, its guards and fx in one transaction.
func (us *UserStore) Create(ctx context.Context, u *domain.User, fx domain.Effects) error {
	return us.create(ctx, u, nil, nil, fx)
}

// CreatePending writes the user, its guards, its activation token (with its link
// and current-token items) and fx in one transaction.
func (us *UserStore) CreatePending(ctx context.Context, u *domain.User, activation *domain.OneTimeToken, fx domain.Effects) error {
	return us.create(ctx, u, activation, nil, fx)
}

// create writes the user, its guards, tok (when not nil) and fx in one
// transaction; with ident (an account made by a provider) also the identity and
// its guard, right after the user's guards: their failure answers conflict.
func (us *UserStore) create(ctx context.Context, u *domain.User, tok *domain.OneTimeToken, ident *domain.Identity, fx domain.Effects) error {
	s := us.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	if tok != nil {
		effects = append(s.tokenItems(tok), effects...)
	}
	var idents []domain.Identity
	if ident != nil {
		idents = append(idents, *ident)
	}
	return us.createWith(ctx, u, idents, effects)
}

// createWith writes the user, its guards and idents (each with its guard) in one
// transaction with effects, the items of whatever else comes with the account
// (its token and effects, or an archive's factors, passkeys and sessions).
// Returns conflict when the id exists, email_taken, username_taken or
// identity_taken.
func (us *UserStore) createWith(ctx context.Context, u *domain.User, idents []domain.Identity, effects []types.TransactWriteItem) error {
	s := us.s
	guards := []guard{emailGuard(u.Email)}
	if u.Username != "" {
		guards = append(guards, usernameGuard(u.Username))
	}
	stale := make([]string, len(guards))
	for range writeAttempts {
		items := []types.TransactWriteItem{s.put(newUserItem(u), "attribute_not_exists(#pk)",
			map[string]string{"#pk": attrPK}, nil)}
		for i, g := range guards {
			items = append(items, s.claim(g, u.ID, stale[i]))
		}
		identAt := len(items)
		for i := range idents {
			items = append(items, s.identityPuts(&idents[i])...)
		}
		identEnd := len(items)
		err := s.transact(ctx, append(items, effects...))
		if err == nil {
			return nil
		}
		reasons := cancelled(err)
		if reasons == nil || conflictOnly(reasons) {
			return translate("create user", err)
		}
		if failedAt(reasons, 0) {
			return domain.Errorf(domain.CodeConflict, "A user with this id exists.")
		}
		for i := identAt; i < identEnd; i++ {
			if failedAt(reasons, i) {
				return errIdentityTaken()
			}
		}
		if err := us.resolveGuards(ctx, guards, reasons, 1, stale); err != nil {
			return err
		}
	}
	return retryExhausted("create user")
}

// resolveGuards inspects the failed claims of guards (transaction items from offset
// on): a live holder answers its taken code, in guard order (e-mail before
// username); an orphan holder is recorded in stale for the next attempt.
func (us *UserStore) resolveGuards(ctx context.Context, guards []guard, reasons []types.CancellationReason, offset int, stale []string) error {
	for i, g := range guards {
		if !failedAt(reasons, offset+i) {
			continue
		}
		holder, err := us.s.resolveClaim(ctx, g, reasons[offset+i])
		if err != nil {
			return err
		}
		stale[i] = holder
	}
	return nil
}

// ByID returns the user with that id.
func (us *UserStore) ByID(ctx context.Context, id string) (*domain.User, error) {
	it, err := us.s.getUser(ctx, "get user", id)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, userNotFound()
	}
	return it.user(), nil
}

// ByEmail reads the e-mail guard and then its user.
func (us *UserStore) ByEmail(ctx context.Context, email string) (*domain.User, error) {
	return us.byGuard(ctx, emailGuard(email))
}

// ByUsername reads the username guard and then its user.
func (us *UserStore) ByUsername(ctx context.Context, username string) (*domain.User, error) {
	if username == "" {
		return nil, userNotFound()
	}
	return us.byGuard(ctx, usernameGuard(username))
}

func (us *UserStore) byGuard(ctx context.Context, g guard) (*domain.User, error) {
	var gi guardItem
	ok, err := us.s.get(ctx, "get guard", g.key, &gi)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, userNotFound()
	}
	it, err := us.s.getUser(ctx, "get user", gi.UserID)
	if err != nil {
		return nil, err
	}
	// An orphan or stale guard names nobody who uses the value.
	if it == nil || g.field(it) != g.value {
		return nil, userNotFound()
	}
	return it.user(), nil
}

// Update reads the user, applies change and writes the profile fields, conditioned
// on the version read; a changed e-mail or username moves its guard in the same
// transaction. A write that came between makes the condition fail, and the whole
// step — read, change, write — runs again on the new state, so nothing is undone.
func (us *UserStore) Update(ctx context.Context, id string, change func(*domain.User) (domain.Effects, error)) (*domain.User, error) {
	s := us.s
	var stale [2]string
	for attempt := range updateAttempts {
		if attempt > 0 {
			if err := pause(ctx, attempt); err != nil {
				return nil, err
			}
		}
		cur, err := s.getUser(ctx, "update user", id)
		if err != nil {
			return nil, err
		}
		if cur == nil {
			return nil, userNotFound()
		}
		u := cur.user()
		fx, err := change(u)
		if err != nil {
			return nil, err
		}
		effects, err := s.effectItems(fx)
		if err != nil {
			return nil, err
		}
		u.ID = id
		items := []types.TransactWriteItem{us.profileUpdate(u, cur)}
		var guards []guard
		var staleOf []string
		if u.Email != cur.Email {
			guards = append(guards, emailGuard(u.Email))
			staleOf = append(staleOf, stale[0])
		}
		if u.Username != cur.Username && u.Username != "" {
			guards = append(guards, usernameGuard(u.Username))
			staleOf = append(staleOf, stale[1])
		}
		for i, g := range guards {
			items = append(items, s.claim(g, u.ID, staleOf[i]))
		}
		if u.Email != cur.Email {
			items = append(items, s.release(emailGuard(cur.Email), u.ID))
		}
		if u.Username != cur.Username && cur.Username != "" {
			items = append(items, s.release(usernameGuard(cur.Username), u.ID))
		}
		err = s.transact(ctx, append(items, effects...))
		if err == nil {
			return u, nil
		}
		reasons := cancelled(err)
		if reasons == nil || conflictOnly(reasons) {
			return nil, translate("update user", err)
		}
		if failedAt(reasons, 0) {
			continue // changed or deleted meanwhile: read again
		}
		if err := us.resolveGuards(ctx, guards, reasons, 1, staleOf); err != nil {
			return nil, err
		}
		for i, g := range guards {
			if g.taken == domain.CodeEmailTaken {
				stale[0] = staleOf[i]
			} else {
				stale[1] = staleOf[i]
			}
		}
	}
	return nil, &domain.Error{Code: domain.CodeUnavailable, RetryAfter: retryAfter,
		Message: "The user store is busy; try again.",
		Err:     fmt.Errorf("dynamostore: update user: lost %d races in a row", updateAttempts)}
}

// updateAttempts bounds Update's read-change-write rounds. Every lost round means
// another write to the account went in, so N concurrent writers need at most N
// rounds each; the bound is set well above any real concurrency on one account
// (an admin and a few of the user's own tabs).
const updateAttempts = 16

// pause waits a short, growing, jittered time before round attempt of a
// read-change-write loop, so that writers that lost a race to each other do not
// collide again at once.
func pause(ctx context.Context, attempt int) error {
	d := time.Duration(rand.IntN(2<<min(attempt, 6))) * time.Millisecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// profileUpdate sets the profile fields of u and the next version, conditioned on
// the user still being at cur's version.
func (us *UserStore) profileUpdate(u *domain.User, cur *userItem) types.TransactWriteItem {
	set := "SET #email = :email, #username = :username, #name = :name, #mobile = :mobile, " +
		"#role = :role, #status = :status, #locale = :locale, #updated = :updated, #version = :next"
	values := map[string]types.AttributeValue{
		":email": str(u.Email), ":username": str(u.Username), ":name": str(u.Name),
		":mobile": str(u.Mobile), ":locale": str(u.Locale), ":role": str(string(u.Role)), ":status": str(string(u.Status)),
		":updated": timeValue(u.UpdatedAt), ":next": num(cur.Version + 1),
	}
	names := map[string]string{
		"#pk": attrPK, "#email": "email", "#username": "username", "#name": "name",
		"#mobile": "mobile", "#role": "role", "#status": "status", "#updated": "updated_at",
		"#activated": "activated_at", "#version": "version", "#locale": "locale",
	}
	expr := set + " REMOVE #activated"
	if u.ActivatedAt != nil {
		expr = set + ", #activated = :activated"
		values[":activated"] = timeValue(*u.ActivatedAt)
	}
	cond := "attribute_exists(#pk) AND attribute_not_exists(#version)"
	if cur.Version != 0 {
		cond = "attribute_exists(#pk) AND #version = :cur"
		values[":cur"] = num(cur.Version)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(us.s.table),
		Key:                       userKey(u.ID),
		UpdateExpression:          aws.String(expr),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}}
}

// Delete removes the user and its guards in one transaction, together with as many
// of its sessions and tokens as fit; the rest follow in further transactions. Those
// leftovers are harmless even if the process dies in between: a session or token of
// a user that does not exist is refused wherever it is used. fx goes into the
// first transaction, with the user.
func (us *UserStore) Delete(ctx context.Context, id string, fx domain.Effects) error {
	s := us.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	for range writeAttempts {
		cur, err := s.getUser(ctx, "delete user", id)
		if err != nil {
			return err
		}
		if cur == nil {
			return userNotFound()
		}
		items := []types.TransactWriteItem{{Delete: &types.Delete{
			TableName:                aws.String(s.table),
			Key:                      userKey(id),
			ConditionExpression:      aws.String("attribute_exists(#pk) AND #email = :email AND #username = :username"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#email": "email", "#username": "username"},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":email": str(cur.Email), ":username": str(cur.Username),
			},
		}}, s.release(emailGuard(cur.Email), id)}
		if cur.Username != "" {
			items = append(items, s.release(usernameGuard(cur.Username), id))
		}
		items = append(items, effects...)
		owned, err := s.ownedItems(ctx, "delete user", id)
		if err != nil {
			return err
		}
		n := min(len(owned), maxTransactItems-len(items))
		err = s.transact(ctx, append(items, owned[:n]...))
		if err == nil {
			return s.transactChunks(ctx, "delete user", owned[n:])
		}
		reasons := cancelled(err)
		if reasons == nil || conflictOnly(reasons) {
			return translate("delete user", err)
		}
		// The user changed (or vanished) meanwhile: read again.
	}
	return retryExhausted("delete user")
}

// ownedItems returns deletes of every session and token of the user, their links,
// the user's current-token items and its MFA items (factors, recovery codes,
// passkeys with their credential-id guards).
func (s *Store) ownedItems(ctx context.Context, op, userID string) ([]types.TransactWriteItem, error) {
	sessions, err := s.links(ctx, op, userID, "SESSION#")
	if err != nil {
		return nil, err
	}
	tokens, err := s.links(ctx, op, userID, "TOKEN#")
	if err != nil {
		return nil, err
	}
	currents, err := s.links(ctx, op, userID, currentTokenPrefix)
	if err != nil {
		return nil, err
	}
	// The MFA items (factors, recovery codes) are the user's own, not links.
	factors, err := s.links(ctx, op, userID, factorPrefix)
	if err != nil {
		return nil, err
	}
	recovery, err := s.links(ctx, op, userID, recoverySK)
	if err != nil {
		return nil, err
	}
	currents = append(currents, append(factors, recovery...)...)
	// An identity's target is the PK of its (provider, subject) guard, which goes
	// too.
	identities, err := s.links(ctx, op, userID, identityPrefix)
	if err != nil {
		return nil, err
	}
	// A passkey's target is the PK of its credential-id guard, which goes too.
	passkeys, err := s.links(ctx, op, userID, passkeyPrefix)
	if err != nil {
		return nil, err
	}
	var out []types.TransactWriteItem
	for _, l := range passkeys {
		out = append(out, s.del(itemKey(l.PK, l.SK)), s.del(itemKey(l.Target, "PASSKEYCRED")))
	}
	for _, l := range identities {
		out = append(out, s.del(itemKey(l.PK, l.SK)), s.del(itemKey(l.Target, identityGuardSK)))
	}
	for _, l := range sessions {
		out = append(out, s.del(itemKey(l.PK, l.SK)), s.del(sessionKey(l.Target)))
	}
	for _, l := range tokens {
		out = append(out, s.del(itemKey(l.PK, l.SK)), s.del(tokenKey(l.Target)))
	}
	for _, l := range currents {
		out = append(out, s.del(itemKey(l.PK, l.SK)))
	}
	return out, nil
}

// List reads users in id order from GSI1 — one Query, never a scan.
func (us *UserStore) List(ctx context.Context, afterID string, limit int) ([]domain.User, error) {
	if limit <= 0 {
		return []domain.User{}, nil
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(us.s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": attrGSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(usersPart)},
		ScanIndexForward:          aws.Bool(true),
	}
	if afterID != "" {
		in.KeyConditionExpression = aws.String("#pk = :pk AND #sk > :after")
		in.ExpressionAttributeNames["#sk"] = attrGSI1SK
		in.ExpressionAttributeValues[":after"] = str(afterID)
	}
	out := make([]domain.User, 0, min(limit, 100))
	for len(out) < limit {
		in.Limit = aws.Int32(int32(min(limit-len(out), 1000)))
		page, err := us.s.db.Query(ctx, in)
		if err != nil {
			return nil, translate("list users", err)
		}
		var items []userItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, translate("list users", err)
		}
		for _, it := range items {
			out = append(out, *it.user())
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	return out, nil
}
