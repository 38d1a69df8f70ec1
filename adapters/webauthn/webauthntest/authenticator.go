// Package webauthntest is a software authenticator for tests: it answers
// WebAuthn options (the JSON forms authd sends) the way a platform
// authenticator with an ES256 key does, and lets a test bend what it signs —
// the origin, the RP ID, the counter, the user-verified flag — to drive the
// attacks a relying party must refuse.
package webauthntest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Authenticator holds credentials and signs as the browser at Origin would.
// Zero RPID means: the RP ID the options name.
type Authenticator struct {
	Origin       string
	RPID         string
	UserVerified bool
	// BackupEligible and BackedUp are the BE and BS flags (a synced passkey).
	BackupEligible bool
	BackedUp       bool
}

// Credential is one key pair the authenticator made. Count is the signature
// counter of the next assertion minus one (0: the authenticator keeps none, as
// synced passkeys do).
type Credential struct {
	ID         []byte
	UserHandle []byte
	Key        *ecdsa.PrivateKey
	Count      uint32
	Counting   bool
}

var b64 = base64.RawURLEncoding

// ErrExcluded is Create's answer when the options exclude a credential it
// holds (the browser's InvalidStateError).
var ErrExcluded = errors.New("webauthntest: a credential of the exclude list is held")

// Create answers creation options (the publicKey member, JSON) with a new
// credential. held are the credentials already on this authenticator, for
// excludeCredentials. With counting the credential keeps a signature counter.
func (a *Authenticator) Create(options []byte, held []*Credential, counting bool) ([]byte, *Credential, error) {
	var o struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		Exclude []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, nil, err
	}
	for _, x := range o.Exclude {
		id, _ := b64.DecodeString(x.ID)
		for _, h := range held {
			if bytes.Equal(h.ID, id) {
				return nil, nil, ErrExcluded
			}
		}
	}
	handle, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthntest: user.id: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	c := &Credential{ID: make([]byte, 32), UserHandle: handle, Key: key, Counting: counting}
	if _, err := rand.Read(c.ID); err != nil {
		return nil, nil, err
	}
	if counting {
		c.Count = 1
	}
	clientData := a.clientData("webauthn.create", o.Challenge)
	cose, err := coseKey(&key.PublicKey)
	if err != nil {
		return nil, nil, err
	}
	attested := append(make([]byte, 16), byte(len(c.ID)>>8), byte(len(c.ID)))
	attested = append(append(attested, c.ID...), cose...)
	authData := append(a.authData(o.RP.ID, 0x40, c.Count), attested...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, nil, err
	}
	body, err := json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal", "hybrid"},
		},
	})
	return body, c, err
}

// Get answers request options (the publicKey member, JSON) with an assertion
// by c, advancing its counter when it keeps one.
func (a *Authenticator) Get(options []byte, c *Credential) ([]byte, error) {
	var o struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	if c.Counting {
		c.Count++
	}
	clientData := a.clientData("webauthn.get", o.Challenge)
	authData := a.authData(o.RPID, 0, c.Count)
	sum := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.Key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(c.ID), "rawId": b64.EncodeToString(c.ID), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(authData),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(c.UserHandle),
		},
	})
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

// authData is rpIdHash, flags (UP always; UV, BE, BS as set; extra) and the
// counter.
func (a *Authenticator) authData(rpID string, extra byte, count uint32) []byte {
	if a.RPID != "" {
		rpID = a.RPID
	}
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01) | extra
	if a.UserVerified {
		flags |= 0x04
	}
	if a.BackupEligible {
		flags |= 0x08
	}
	if a.BackedUp {
		flags |= 0x10
	}
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, count)
}

// coseKey is the EC2 P-256 ES256 public key in COSE (RFC 9053).
func coseKey(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	return cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: raw[1:33], -3: raw[33:65]})
}
