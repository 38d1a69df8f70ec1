// Package jwt implements authd's tokens: JWT access tokens (ports.AccessTokens) on
// github.com/golang-jwt/jwt/v5, with the signing keys, their JWKS and key
// generation, and the opaque HMAC refresh tokens (ports.RefreshTokens).
package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"

	gjwt "github.com/golang-jwt/jwt/v5"
)

// The JWS algorithms authd signs with.
const (
	AlgEdDSA = "EdDSA" // Ed25519
	AlgRS256 = "RS256" // RSA PKCS#1 v1.5 with SHA-256, keys of 2048 bits or more
	AlgES256 = "ES256" // ECDSA on P-256 with SHA-256
	AlgHS256 = "HS256" // HMAC-SHA256 with a shared secret (AUTH_JWT_SECRET)
)

// Minimum key sizes: NIST SP 800-131A for RSA, and a secret as long as the HS256
// MAC for HMAC (RFC 7518 §3.2).
const (
	MinRSABits      = 2048
	MinHMACSecret   = 32
	ed25519SeedSize = ed25519.SeedSize
)

// KeySet is an ordered list of signing keys: the first signs new tokens, and all
// of them verify, so a rotation can introduce a new key while tokens signed by the
// old one are still alive. A KeySet is immutable and safe for concurrent use.
type KeySet struct {
	keys []*key
}

// key is one signing key with everything derived from it once.
type key struct {
	kid    string
	alg    string
	method gjwt.SigningMethod
	sign   any  // private key, or the secret for HS256
	verify any  // public key, or the secret for HS256
	jwk    *jwk // nil for HS256: a shared secret is never published
}

// jwk is the public part of a key as RFC 7517 publishes it.
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// LoadKeys reads one PEM private key from each file (the AUTH_JWT_KEYS list) and
// returns them as a KeySet in the same order: the first file's key signs. See
// ParsePrivateKey for the accepted formats.
func LoadKeys(pemFiles []string) (*KeySet, error) {
	if len(pemFiles) == 0 {
		return nil, errors.New("jwt: no key files given")
	}
	signers := make([]crypto.Signer, 0, len(pemFiles))
	for _, name := range pemFiles {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("jwt: read key: %w", err)
		}
		s, err := ParsePrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("jwt: key file %s: %w", name, err)
		}
		signers = append(signers, s)
	}
	return NewKeySet(signers...)
}

// ParsePrivateKey reads one unencrypted PEM private key: PKCS#8 ("PRIVATE KEY"),
// PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY", optionally preceded by the
// "EC PARAMETERS" block that openssl ecparam writes). The key type must be one
// NewKeySet accepts.
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	var found crypto.Signer
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		var (
			k   any
			err error
		)
		switch block.Type {
		case "EC PARAMETERS":
			continue
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, errors.New("encrypted PEM keys are not supported; decrypt it first")
			}
			k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, errors.New("encrypted PEM keys are not supported; decrypt it first")
			}
			k, err = x509.ParseECPrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted PEM keys are not supported; decrypt it first")
		case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
			return nil, fmt.Errorf("found a %s; a private key is needed to sign", block.Type)
		default:
			return nil, fmt.Errorf("unsupported PEM block %q", block.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", block.Type, err)
		}
		if found != nil {
			return nil, errors.New("more than one private key in one file; list each key file separately")
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported key type %T", k)
		}
		found = s
	}
	if found == nil {
		return nil, errors.New("no PEM private key found")
	}
	return found, nil
}

// NewKeySet builds a KeySet from private keys, the first of which signs. Ed25519
// keys sign with EdDSA, RSA keys of at least 2048 bits with RS256, and EC keys on
// P-256 with ES256; other types, smaller RSA keys, other curves and duplicates are
// errors. Each key's kid is its RFC 7638 JWK thumbprint.
func NewKeySet(signers ...crypto.Signer) (*KeySet, error) {
	if len(signers) == 0 {
		return nil, errors.New("jwt: a key set needs at least one key")
	}
	ks := &KeySet{}
	seen := map[string]bool{}
	for i, s := range signers {
		k, err := newAsymmetricKey(s)
		if err != nil {
			return nil, fmt.Errorf("jwt: key %d: %w", i+1, err)
		}
		if seen[k.kid] {
			return nil, fmt.Errorf("jwt: key %d: the same key is listed twice (kid %s)", i+1, k.kid)
		}
		seen[k.kid] = true
		ks.keys = append(ks.keys, k)
	}
	return ks, nil
}

// HMACKeySet returns a KeySet that signs and verifies with HS256 under a shared
// secret (AUTH_JWT_SECRET) of at least 32 bytes. Nothing is published in the JWKS:
// whoever verifies needs the secret, and with it could mint tokens too.
func HMACKeySet(secret []byte) (*KeySet, error) {
	if len(secret) < MinHMACSecret {
		return nil, fmt.Errorf("jwt: HS256 secret has %d bytes, want at least %d", len(secret), MinHMACSecret)
	}
	s := append([]byte(nil), secret...)
	// The kid names the secret without revealing it: a domain-separated hash,
	// truncated, from which the secret cannot be recovered.
	sum := sha256.Sum256(append([]byte("authd HS256 kid\x00"), s...))
	return &KeySet{keys: []*key{{
		kid:    "hs256-" + base64.RawURLEncoding.EncodeToString(sum[:12]),
		alg:    AlgHS256,
		method: gjwt.SigningMethodHS256,
		sign:   s,
		verify: s,
	}}}, nil
}

// Ed25519KeySet returns a single-key EdDSA KeySet from a 32-byte Ed25519 seed, the
// form in which the generated default key is kept in the SecretStore.
func Ed25519KeySet(seed []byte) (*KeySet, error) {
	if len(seed) != ed25519SeedSize {
		return nil, fmt.Errorf("jwt: Ed25519 seed has %d bytes, want %d", len(seed), ed25519SeedSize)
	}
	return NewKeySet(ed25519.NewKeyFromSeed(seed))
}

// GenerateEd25519Seed returns a fresh random Ed25519 seed for Ed25519KeySet.
func GenerateEd25519Seed() ([]byte, error) {
	return randomBytes(ed25519SeedSize)
}

// GenerateRefreshKey returns a fresh random 32-byte key for NewRefreshCodec.
func GenerateRefreshKey() ([]byte, error) {
	return randomBytes(MinRefreshKey)
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("jwt: random: %w", err)
	}
	return b, nil
}

// KeyIDs returns the kids of the keys in order; the first is the signing key's.
// They identify keys in logs without revealing anything.
func (ks *KeySet) KeyIDs() []string {
	ids := make([]string, len(ks.keys))
	for i, k := range ks.keys {
		ids[i] = k.kid
	}
	return ids
}

func newAsymmetricKey(s crypto.Signer) (*key, error) {
	b64 := base64.RawURLEncoding.EncodeToString
	var (
		k = &key{sign: s}
		j *jwk
	)
	switch priv := s.(type) {
	case ed25519.PrivateKey:
		pub := priv.Public().(ed25519.PublicKey)
		k.alg, k.method, k.verify = AlgEdDSA, gjwt.SigningMethodEdDSA, pub
		j = &jwk{Kty: "OKP", Crv: "Ed25519", X: b64(pub)}
	case *ed25519.PrivateKey:
		return newAsymmetricKey(*priv)
	case *rsa.PrivateKey:
		if bits := priv.N.BitLen(); bits < MinRSABits {
			return nil, fmt.Errorf("RSA key has %d bits, want at least %d", bits, MinRSABits)
		}
		if err := priv.Validate(); err != nil {
			return nil, fmt.Errorf("RSA key is inconsistent: %w", err)
		}
		k.alg, k.method, k.verify = AlgRS256, gjwt.SigningMethodRS256, &priv.PublicKey
		j = &jwk{Kty: "RSA", N: b64(priv.N.Bytes()), E: b64(big.NewInt(int64(priv.E)).Bytes())}
	case *ecdsa.PrivateKey:
		if priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on curve %s, want P-256 (ES256)", priv.Curve.Params().Name)
		}
		pub, err := priv.PublicKey.Bytes() // uncompressed point: 0x04 || X || Y
		if err != nil {
			return nil, fmt.Errorf("EC public key: %w", err)
		}
		k.alg, k.method, k.verify = AlgES256, gjwt.SigningMethodES256, &priv.PublicKey
		j = &jwk{Kty: "EC", Crv: "P-256", X: b64(pub[1:33]), Y: b64(pub[33:65])}
	default:
		return nil, fmt.Errorf("unsupported key type %T (want Ed25519, RSA or EC P-256)", s)
	}
	kid, err := thumbprint(j)
	if err != nil {
		return nil, err
	}
	j.Use, j.Alg, j.Kid = "sig", k.alg, kid
	k.kid, k.jwk = kid, j
	return k, nil
}

// thumbprint computes the RFC 7638 JWK thumbprint: SHA-256 over the JSON object of
// the required members only, in lexicographic order without whitespace, base64url.
func thumbprint(j *jwk) (string, error) {
	var members any
	switch j.Kty {
	case "OKP": // RFC 8037 §2
		members = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
		}{j.Crv, j.Kty, j.X}
	case "RSA":
		members = struct {
			E   string `json:"e"`
			Kty string `json:"kty"`
			N   string `json:"n"`
		}{j.E, j.Kty, j.N}
	case "EC":
		members = struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{j.Crv, j.Kty, j.X, j.Y}
	default:
		return "", fmt.Errorf("thumbprint of unknown key type %q", j.Kty)
	}
	canonical, err := json.Marshal(members)
	if err != nil {
		return "", fmt.Errorf("thumbprint: %w", err)
	}
	sum := sha256.Sum256(canonical)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}
