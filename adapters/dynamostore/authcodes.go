package dynamostore

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// An authorization code (ARCHITECTURE.md §10) is one item keyed by its hash;
// its TTL removes it once it can no longer be redeemed.
func authCodeKey(hash string) key { return itemKey("AUTHCODE#"+hash, "AUTHCODE") }

type authCodeItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	UserID        string    `dynamodbav:"user_id"`
	Method        string    `dynamodbav:"method"`
	RedirectURI   string    `dynamodbav:"redirect_uri"`
	CodeChallenge string    `dynamodbav:"code_challenge"`
	CreatedAt     time.Time `dynamodbav:"created_at"`
	ExpiresAt     time.Time `dynamodbav:"expires_at"`
	TTL           int64     `dynamodbav:"ttl"`
}

func errAuthCodeInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The authorization code is not valid.")
}

// PutAuthCode writes the code, which must be new, and fx in one transaction.
func (tk *TokenStore) PutAuthCode(ctx context.Context, c *domain.AuthCode, fx domain.Effects) error {
	s := tk.s
	effects, err := s.effectItems(fx)
	if err != nil {
		return err
	}
	k := authCodeKey(c.Hash)
	item := authCodeItem{PK: pkString(k), SK: skString(k), UserID: c.UserID, Method: c.Method, RedirectURI: c.RedirectURI,
		CodeChallenge: c.CodeChallenge, CreatedAt: c.CreatedAt.UTC(), ExpiresAt: c.ExpiresAt.UTC(), TTL: ttlOf(c.ExpiresAt)}
	err = s.transact(ctx, append(effects[:len(effects):len(effects)],
		s.put(item, "attribute_not_exists(#pk)", map[string]string{"#pk": attrPK}, nil)))
	if failedAt(cancelled(err), len(effects)) {
		return domain.Errorf(domain.CodeConflict, "An authorization code with this hash exists.")
	}
	return translate("put authorization code", err)
}

// ConsumeAuthCode is one conditional delete returning the item it deleted: of
// concurrent calls only one finds it there. An expired code is deleted too (the
// TTL may not have got to it yet), and refused.
func (tk *TokenStore) ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (*domain.AuthCode, error) {
	var it authCodeItem
	ok, err := tk.s.take(ctx, "consume authorization code", authCodeKey(hash), &it)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errAuthCodeInvalid()
	}
	if !now.Before(it.ExpiresAt) {
		return nil, domain.Errorf(domain.CodeTokenExpired, "The authorization code has expired.")
	}
	return &domain.AuthCode{Hash: hash, UserID: it.UserID, Method: it.Method, RedirectURI: it.RedirectURI,
		CodeChallenge: it.CodeChallenge, CreatedAt: it.CreatedAt, ExpiresAt: it.ExpiresAt}, nil
}
