package jwt

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	gjwt "github.com/golang-jwt/jwt/v5"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.AccessTokens = (*Issuer)(nil)

// DefaultLeeway is the clock skew tolerated on exp, nbf and iat when Options.Leeway
// is zero: enough for servers kept by NTP, short against a 15-minute token.
const DefaultLeeway = 30 * time.Second

// maxTokenLen bounds what Verify will parse. authd's tokens are a few hundred bytes;
// anything this long is not one of them and is refused before any work is done.
const maxTokenLen = 8 << 10

// tokenType is the JOSE typ of access tokens (RFC 9068 §2.1).
const tokenType = "at+jwt"

// Options are the claims and policy an Issuer applies to every token.
type Options struct {
	// Issuer is the iss of minted tokens and the only one Verify accepts
	// (AUTH_ISSUER). Required.
	Issuer string
	// Audience is the aud of minted tokens and the one Verify requires
	// (AUTH_AUDIENCE). Required.
	Audience string
	// Leeway is the clock skew tolerated on exp, nbf and iat. Zero means
	// DefaultLeeway; a negative value means none.
	Leeway time.Duration
	// Now is the clock; nil means time.Now. Tests inject a fixed time.
	Now func() time.Time
	// VerifiedCacheSize bounds how many verified tokens Verify remembers so that a
	// token presented again skips the signature check (see verified.go). Zero means
	// DefaultVerifiedCacheSize; a negative value turns the cache off.
	VerifiedCacheSize int
}

// Issuer mints and verifies access tokens with a KeySet. It is safe for
// concurrent use.
type Issuer struct {
	keys   *KeySet
	byKid  map[string]*key
	iss    string
	aud    string
	now    func() time.Time
	parser *gjwt.Parser
	jwks   []byte
	algs   []string
	leeway time.Duration
	// verified remembers successful verifications; nil when turned off.
	verified *verifiedCache
	// header is the signing key's encoded JOSE header, the same for every token.
	header string
}

// NewIssuer returns an Issuer that signs with the first key of keys and verifies
// with any of them. It panics when keys is nil or Issuer or Audience is empty: those
// come from validated configuration, and an issuer that checked no iss or aud would
// quietly accept other services' tokens.
func NewIssuer(keys *KeySet, opts Options) *Issuer {
	if keys == nil || len(keys.keys) == 0 {
		panic("jwt: NewIssuer needs a key set")
	}
	if opts.Issuer == "" || opts.Audience == "" {
		panic("jwt: NewIssuer needs an issuer and an audience")
	}
	switch {
	case opts.Leeway == 0:
		opts.Leeway = DefaultLeeway
	case opts.Leeway < 0:
		opts.Leeway = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	i := &Issuer{keys: keys, byKid: map[string]*key{}, iss: opts.Issuer, aud: opts.Audience, now: opts.Now,
		leeway: opts.Leeway, verified: newVerifiedCache(opts.VerifiedCacheSize)}
	published := []*jwk{}
	for _, k := range keys.keys {
		i.byKid[k.kid] = k
		if !slices.Contains(i.algs, k.alg) {
			i.algs = append(i.algs, k.alg)
		}
		if k.jwk != nil {
			published = append(published, k.jwk)
		}
	}
	jwks, err := json.Marshal(struct {
		Keys []*jwk `json:"keys"`
	}{published})
	if err != nil {
		panic(fmt.Sprintf("jwt: encode JWKS: %v", err)) // plain strings cannot fail to encode
	}
	i.jwks = jwks
	i.header = encodeHeader(keys.keys[0])
	i.parser = gjwt.NewParser(
		// The first line of defence; keyFor then pins the one algorithm of the key
		// the kid names, so a key is never used with another algorithm.
		gjwt.WithValidMethods(i.algs),
		gjwt.WithIssuer(opts.Issuer),
		gjwt.WithAudience(opts.Audience),
		gjwt.WithLeeway(opts.Leeway),
		gjwt.WithTimeFunc(opts.Now),
		gjwt.WithExpirationRequired(),
		gjwt.WithNotBeforeRequired(),
		gjwt.WithIssuedAt(),
		gjwt.WithStrictDecoding(),
	)
	return i
}

// accessClaims is the payload of an access token as Verify reads it.
type accessClaims struct {
	gjwt.RegisteredClaims
	SessionID string      `json:"sid"`
	Role      domain.Role `json:"role"`
	Fresh     bool        `json:"fresh"`
	// AAL, AMR and AuthTime say how the session was opened (ARCHITECTURE.md §8).
	// Tokens minted before they existed have none: read as aal1 by a password.
	AAL      domain.AAL        `json:"aal"`
	AMR      []string          `json:"amr"`
	AuthTime *gjwt.NumericDate `json:"auth_time"`
}

// errMissingClaims marks a token without the claims every authd token carries.
var errMissingClaims = errors.New("required claim missing or invalid")

// errDateNotNumber marks a token whose exp, iat or nbf is not a JSON number.
var errDateNotNumber = errors.New("exp, iat or nbf is not a JSON number")

// UnmarshalJSON decodes the payload after checking that exp, iat and nbf, when
// present, are JSON numbers. RFC 7519 §2 defines a NumericDate as a number, but
// golang-jwt also takes a string holding one ("exp":"1700000000"); a verifier that
// reads dates more loosely than other verifiers of the same token is one an attacker
// can play against them, so authd takes only the form it mints.
func (c *accessClaims) UnmarshalJSON(b []byte) error {
	var dates struct {
		Exp json.RawMessage `json:"exp"`
		Iat json.RawMessage `json:"iat"`
		Nbf json.RawMessage `json:"nbf"`
	}
	if err := json.Unmarshal(b, &dates); err != nil {
		return err
	}
	for _, d := range []json.RawMessage{dates.Exp, dates.Iat, dates.Nbf} {
		if len(d) > 0 && d[0] != '-' && (d[0] < '0' || d[0] > '9') && string(d) != "null" {
			return errDateNotNumber
		}
	}
	type plain accessClaims // the same fields without this method, so no recursion
	return json.Unmarshal(b, (*plain)(c))
}

// Validate is called by the parser after the registered claims pass; it insists on
// the claims authd's endpoints rely on.
func (c *accessClaims) Validate() error {
	if c.Subject == "" || c.SessionID == "" || c.ID == "" || c.IssuedAt == nil || !c.Role.Valid() {
		return errMissingClaims
	}
	return nil
}

// Mint signs claims with the first key. The caller fills every field; iat and nbf
// are IssuedAt and exp is ExpiresAt, all in whole seconds. Incomplete claims are an
// internal error: they are a bug in the caller, not a client mistake.
func (i *Issuer) Mint(_ context.Context, c domain.AccessClaims) (string, error) {
	switch {
	case c.ID == "" || c.Subject == "" || c.SessionID == "":
		return "", errors.New("jwt: mint: claims need an ID, a Subject and a SessionID")
	case !c.Role.Valid():
		return "", fmt.Errorf("jwt: mint: invalid role %q", c.Role)
	case c.IssuedAt.IsZero() || !c.ExpiresAt.After(c.IssuedAt):
		return "", errors.New("jwt: mint: ExpiresAt must be after a set IssuedAt")
	}
	aal, amr, authTime := c.AAL, c.AMR, c.AuthTime
	if aal == "" {
		aal = domain.AAL1
	}
	if len(amr) == 0 {
		amr = []string{domain.AMRPassword}
	}
	if authTime.IsZero() {
		authTime = c.IssuedAt
	}
	k := i.keys.keys[0]
	iat := c.IssuedAt.Unix()
	payload, err := json.Marshal(mintedClaims{
		AAL: string(aal), AMR: amr, Aud: i.aud, AuthTime: authTime.Unix(),
		Exp: c.ExpiresAt.Unix(), Fresh: c.Fresh, Iat: iat, Iss: i.iss, Jti: c.ID,
		Nbf: iat, Role: string(c.Role), Sid: c.SessionID, Sub: c.Subject,
	})
	if err != nil {
		return "", fmt.Errorf("jwt: mint: encode claims: %w", err)
	}
	// The JWS compact serialisation (RFC 7515 §7.1), signed by golang-jwt's method
	// for the key's algorithm: the header is encoded once per issuer, and the
	// payload from a struct rather than a map, which encoding/json would sort.
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(i.header)+1+enc.EncodedLen(len(payload))+1+128)
	buf = append(buf, i.header...)
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, payload)
	sig, err := k.method.Sign(string(buf), k.sign)
	if err != nil {
		return "", fmt.Errorf("jwt: mint: sign with %s: %w", k.alg, err)
	}
	buf = append(buf, '.')
	return string(enc.AppendEncode(buf, sig)), nil
}

// mintedClaims is the payload Mint writes. Its fields are in the order of their
// names, as golang-jwt's MapClaims wrote them before, so a token's bytes did not
// change with it. auth_time (OpenID Connect Core §2) is when the session was
// opened.
type mintedClaims struct {
	AAL      string   `json:"aal"`
	AMR      []string `json:"amr"`
	Aud      string   `json:"aud"`
	AuthTime int64    `json:"auth_time"`
	Exp      int64    `json:"exp"`
	Fresh    bool     `json:"fresh"`
	Iat      int64    `json:"iat"`
	Iss      string   `json:"iss"`
	Jti      string   `json:"jti"`
	Nbf      int64    `json:"nbf"`
	Role     string   `json:"role"`
	Sid      string   `json:"sid"`
	Sub      string   `json:"sub"`
}

// encodeHeader is k's JOSE header (RFC 7515 §4: alg, kid, and typ at+jwt per RFC
// 9068 §2.1), base64url-encoded, with its members in the order golang-jwt's map
// encoding gave them.
func encodeHeader(k *key) string {
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}{k.method.Alg(), k.kid, tokenType})
	if err != nil {
		panic(fmt.Sprintf("jwt: encode header: %v", err)) // plain strings cannot fail to encode
	}
	return base64.RawURLEncoding.EncodeToString(h)
}

// Verify checks the token's typ, kid, algorithm (pinned to the kid's key),
// signature, iss, aud, exp, nbf and iat with the configured leeway, and the
// presence of sub, sid, jti and a valid role. It returns token_expired for a
// well-signed token past its exp and token_invalid for anything else wrong. Times
// in the returned claims are in UTC. A token verified before and not expired since
// is answered from the Issuer's cache of verified tokens (verified.go).
func (i *Issuer) Verify(_ context.Context, token string) (*domain.AccessClaims, error) {
	if len(token) > maxTokenLen || !isBase64URL(token, true) {
		return nil, invalid("The access token is malformed.", errors.New("token too long or not base64url"))
	}
	if i.verified == nil {
		claims, _, err := i.verify(token)
		return claims, err
	}
	sum := sha256.Sum256([]byte(token))
	now := i.now()
	if claims, ok := i.verified.get(sum, now, i.trusts); ok {
		return claims, nil
	}
	claims, e, err := i.verify(token)
	if err != nil {
		return nil, err
	}
	i.verified.put(sum, e, now)
	return claims, nil
}

// trusts reports whether kid names a key of this Issuer's key set.
func (i *Issuer) trusts(kid string) bool {
	_, ok := i.byKid[kid]
	return ok
}

// verify is Verify without the cache: it parses and checks token in full and
// returns its claims and the cache entry for it.
func (i *Issuer) verify(token string) (*domain.AccessClaims, verifiedEntry, error) {
	var c accessClaims
	t, err := i.parser.ParseWithClaims(token, &c, i.keyFor)
	if err != nil {
		if t != nil && t.Method != nil && !slices.Contains(i.algs, t.Method.Alg()) {
			return nil, verifiedEntry{}, invalid("The access token's algorithm is not accepted.", err)
		}
		return nil, verifiedEntry{}, classify(err)
	}
	claims := &domain.AccessClaims{
		ID:        c.ID,
		Subject:   c.Subject,
		SessionID: c.SessionID,
		Role:      c.Role,
		Fresh:     c.Fresh,
		AAL:       c.AAL,
		AMR:       c.AMR,
		IssuedAt:  c.IssuedAt.UTC(),
		ExpiresAt: c.ExpiresAt.UTC(),
	}
	if claims.AAL == "" {
		claims.AAL = domain.AAL1
	}
	if len(claims.AMR) == 0 {
		claims.AMR = []string{domain.AMRPassword}
	}
	if c.AuthTime != nil {
		claims.AuthTime = c.AuthTime.UTC()
	} else {
		claims.AuthTime = claims.IssuedAt
	}
	kid, _ := t.Header["kid"].(string)
	notBefore := c.NotBefore.Time
	if c.IssuedAt.After(notBefore) {
		notBefore = c.IssuedAt.Time
	}
	return claims, verifiedEntry{claims: *claims, kid: kid, notBefore: notBefore.Add(-i.leeway)}, nil
}

// Reasons keyFor refuses a token, before its signature is checked.
var (
	errWrongType   = errors.New("typ is not at+jwt")
	errCritical    = errors.New("crit header present")
	errUnknownKid  = errors.New("unknown kid")
	errAlgMismatch = errors.New("alg differs from the kid's key")
)

// keyFor returns the verification key that the token's kid names, after checking
// that the header is an access token's and that alg is exactly that key's
// algorithm, which is what stops algorithm confusion.
func (i *Issuer) keyFor(t *gjwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !strings.EqualFold(typ, tokenType) && !strings.EqualFold(typ, "application/"+tokenType) {
		return nil, errWrongType
	}
	if _, ok := t.Header["crit"]; ok {
		// authd never sets critical extensions, and one it does not understand
		// must make the token invalid (RFC 7515 §4.1.11).
		return nil, errCritical
	}
	kid, _ := t.Header["kid"].(string)
	k, ok := i.byKid[kid]
	if !ok {
		return nil, errUnknownKid
	}
	if t.Method == nil || t.Method.Alg() != k.alg {
		return nil, errAlgMismatch
	}
	return k.verify, nil
}

// classify turns a parser error into the domain error of the contract: expired
// when that is the only thing wrong with a well-signed token, invalid otherwise,
// with a message that helps a client developer and reveals nothing internal.
func classify(err error) error {
	var msg string
	switch {
	case errors.Is(err, errWrongType):
		msg = "The token is not an access token."
	case errors.Is(err, errCritical):
		msg = "The access token has an unsupported critical header."
	case errors.Is(err, errUnknownKid):
		msg = "The access token was signed with an unknown key."
	case errors.Is(err, errAlgMismatch):
		msg = "The access token's algorithm does not match its key."
	case errors.Is(err, errDateNotNumber):
		msg = "The access token is malformed: exp, iat and nbf must be numbers."
	case errors.Is(err, gjwt.ErrTokenMalformed):
		msg = "The access token is malformed."
	case errors.Is(err, gjwt.ErrTokenSignatureInvalid):
		msg = "The access token's signature is invalid."
	case errors.Is(err, gjwt.ErrTokenInvalidIssuer):
		msg = "The access token was issued by another issuer."
	case errors.Is(err, gjwt.ErrTokenInvalidAudience):
		msg = "The access token is meant for another audience."
	case errors.Is(err, gjwt.ErrTokenNotValidYet), errors.Is(err, gjwt.ErrTokenUsedBeforeIssued):
		msg = "The access token is not valid yet."
	case errors.Is(err, errMissingClaims), errors.Is(err, gjwt.ErrTokenRequiredClaimMissing):
		msg = "The access token lacks required claims."
	case errors.Is(err, gjwt.ErrTokenExpired):
		return domain.Wrap(domain.CodeTokenExpired, err, "The access token has expired.")
	default:
		msg = "The access token is invalid."
	}
	return invalid(msg, err)
}

func invalid(msg string, err error) error {
	return domain.Wrap(domain.CodeTokenInvalid, err, msg)
}

// JWKS returns the public keys as an RFC 7517 JSON Web Key Set,
// {"keys":[{kty, crv/n/e/x/y, use:"sig", alg, kid}, …]}, in key order, for
// GET /.well-known/jwks.json. With HS256 the set is empty. The caller may keep the
// returned slice; it is a copy.
func (i *Issuer) JWKS() []byte { return slices.Clone(i.jwks) }

// Algorithms returns the JWS algorithms of the key set without repeats, signing
// key's first, for the discovery document.
func (i *Issuer) Algorithms() []string { return slices.Clone(i.algs) }
