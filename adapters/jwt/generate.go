package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// GeneratedRSABits is the size of RSA keys made by GenerateKey: comfortably above
// the 2048-bit minimum, good until 2030 and beyond by NIST SP 800-57.
const GeneratedRSABits = 3072

// GenerateKey returns a new private key for alg ("EdDSA", "RS256" or "ES256",
// case-insensitive) as an unencrypted PKCS#8 PEM block, the form LoadKeys reads and
// `authd keygen --alg` prints. The caller stores it with owner-only permissions.
func GenerateKey(alg string) ([]byte, error) {
	var (
		priv crypto.Signer
		err  error
	)
	switch {
	case strings.EqualFold(alg, AlgEdDSA):
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case strings.EqualFold(alg, AlgRS256):
		priv, err = rsa.GenerateKey(rand.Reader, GeneratedRSABits)
	case strings.EqualFold(alg, AlgES256):
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("jwt: cannot generate a key for algorithm %q (want %s, %s or %s)", alg, AlgEdDSA, AlgRS256, AlgES256)
	}
	if err != nil {
		return nil, fmt.Errorf("jwt: generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("jwt: encode %s key: %w", alg, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
