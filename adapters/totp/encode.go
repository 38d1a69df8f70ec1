package totp

import "encoding/base32"

// b32 is the base32 of otpauth URIs: RFC 4648 alphabet, no padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

func encode(secret []byte) string { return b32.EncodeToString(secret) }
