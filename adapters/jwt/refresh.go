package jwt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"sync"

	"github.com/google/uuid"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

var _ ports.RefreshTokens = (*RefreshCodec)(nil)

// MinRefreshKey is the least number of bytes AUTH_REFRESH_KEY may have: as many as
// the HMAC-SHA256 output, so the key is never the weaker part.
const MinRefreshKey = 32

// Refresh token layouts, told apart by their first byte. A session id in canonical
// UUID form (domain.NewID) travels as its 16 bytes; any other id travels as
// length-prefixed bytes, so Encode never has to fail.
const (
	refreshUUID byte = 1 // 1 | 16-byte UUID | counter | MAC
	refreshRaw  byte = 2 // 2 | length | id bytes | counter | MAC

	macLen     = sha256.Size
	counterLen = 8
	maxRawID   = 255
	// maxRefreshLen bounds the encoded length Decode looks at:
	// 1 + 1 + 255 + 8 + 32 bytes, in base64.
	maxRefreshLen = (1 + 1 + maxRawID + counterLen + macLen + 2) / 3 * 4
)

// RefreshCodec encodes and decodes refresh tokens: base64url (unpadded) of a layout
// byte, the session id, the counter (uint64, big-endian) and an HMAC-SHA256 over all
// of that. The alphabet has no dot, so a refresh token can never be taken for a JWT
// nor a JWT for a refresh token. It is safe for concurrent use.
type RefreshCodec struct {
	key []byte
	// macs holds HMAC-SHA256 states keyed with key, for reuse: hmac.New hashes
	// the key into both pads each time, as much work again as the token's MAC.
	macs sync.Pool
}

// NewRefreshCodec returns a codec keyed by key (AUTH_REFRESH_KEY), which must have at
// least MinRefreshKey bytes.
func NewRefreshCodec(key []byte) (*RefreshCodec, error) {
	if len(key) < MinRefreshKey {
		return nil, fmt.Errorf("jwt: refresh key has %d bytes, want at least %d", len(key), MinRefreshKey)
	}
	c := &RefreshCodec{key: append([]byte(nil), key...)}
	c.macs.New = func() any { return hmac.New(sha256.New, c.key) }
	return c, nil
}

// Encode returns the token for t. Session ids longer than 255 bytes cannot occur
// (ids are UUIDs); such an id is cut to 255 bytes, and its token then decodes to a
// session that does not exist.
func (c *RefreshCodec) Encode(t domain.RefreshToken) string {
	var body []byte
	if u, err := uuid.Parse(t.SessionID); err == nil && u.String() == t.SessionID {
		body = make([]byte, 0, 1+16+counterLen+macLen)
		body = append(body, refreshUUID)
		body = append(body, u[:]...)
	} else {
		id := t.SessionID
		if len(id) > maxRawID {
			id = id[:maxRawID]
		}
		body = make([]byte, 0, 2+len(id)+counterLen+macLen)
		body = append(body, refreshRaw, byte(len(id)))
		body = append(body, id...)
	}
	body = binary.BigEndian.AppendUint64(body, t.Counter)
	body = append(body, c.sum(body)...)
	return base64.RawURLEncoding.EncodeToString(body)
}

// Decode checks the token's layout and MAC, comparing in constant time, and returns
// its content; anything else is token_invalid. Nothing in the token is trusted
// before the MAC matches.
func (c *RefreshCodec) Decode(token string) (domain.RefreshToken, error) {
	if len(token) > maxRefreshLen || !isBase64URL(token, false) {
		return domain.RefreshToken{}, refreshInvalid()
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) < 1+counterLen+macLen {
		return domain.RefreshToken{}, refreshInvalid()
	}
	var idLen, idStart int
	switch raw[0] {
	case refreshUUID:
		idLen, idStart = 16, 1
	case refreshRaw:
		if len(raw) < 2 {
			return domain.RefreshToken{}, refreshInvalid()
		}
		idLen, idStart = int(raw[1]), 2
	default:
		return domain.RefreshToken{}, refreshInvalid()
	}
	if len(raw) != idStart+idLen+counterLen+macLen {
		return domain.RefreshToken{}, refreshInvalid()
	}
	body, sum := raw[:len(raw)-macLen], raw[len(raw)-macLen:]
	if !hmac.Equal(sum, c.sum(body)) {
		return domain.RefreshToken{}, refreshInvalid()
	}
	id := body[idStart : idStart+idLen]
	t := domain.RefreshToken{Counter: binary.BigEndian.Uint64(body[idStart+idLen:])}
	if raw[0] == refreshUUID {
		t.SessionID = uuid.UUID(id).String()
	} else {
		t.SessionID = string(id)
	}
	return t, nil
}

// sum returns the HMAC-SHA256 of body under the codec's key.
func (c *RefreshCodec) sum(body []byte) []byte {
	h := c.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(body)
	sum := h.Sum(nil)
	c.macs.Put(h)
	return sum
}

func refreshInvalid() error {
	return domain.Errorf(domain.CodeTokenInvalid, "The refresh token is invalid.")
}

// isBase64URL reports whether s holds only base64url characters (and dots, when
// dots is set, for a compact JWS). Go's base64 decoder skips CR and LF even in
// strict mode; refusing them first keeps exactly one spelling of every token.
func isBase64URL(s string, dots bool) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_':
		case c == '.' && dots:
		default:
			return false
		}
	}
	return true
}
