// Package totp implements ports.OTP with github.com/pquerna/otp: RFC 6238 codes of
// SHA-1, 6 digits and 30-second steps, the parameters every authenticator app
// reads from an otpauth:// URI.
package totp

import (
	"crypto/subtle"
	"errors"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/authd/authd/ports"
)

// Period is the length of one time step; Digits the length of a code; Skew how
// many steps either side of the current one a code may come from (clock drift
// between the phone and the server, and the seconds it takes to type a code).
const (
	Period = 30 * time.Second
	Digits = 6
	Skew   = 1
)

// OTP is the TOTP adapter. The zero value is ready to use.
type OTP struct{}

var _ ports.OTP = OTP{}

// New returns the adapter.
func New() OTP { return OTP{} }

// Key returns the secret in base32 (no padding, as apps expect) and the otpauth
// URI with issuer and account in its label and issuer parameter.
func (OTP) Key(issuer, account string, secret []byte) (string, string, error) {
	if len(secret) == 0 {
		return "", "", errors.New("totp: empty secret")
	}
	k, err := totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Secret: secret,
		Period: uint(Period / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", err
	}
	return k.Secret(), k.URL(), nil
}

// Step returns the time step that at falls in.
func Step(at time.Time) int64 { return at.Unix() / int64(Period/time.Second) }

// Code returns the code of secret for the time step step. Tests and the
// walk-through compute codes with it; Check compares against it.
func Code(secret []byte, step int64) (string, error) {
	return hotp.GenerateCodeCustom(encode(secret), uint64(step), hotp.ValidateOpts{
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// Check compares code, in constant time, with the codes of the steps from one
// before at's to one after, and returns the step it matched. Anything but six
// ASCII digits is refused without computing a code.
func (OTP) Check(secret []byte, code string, at time.Time) (int64, bool) {
	if len(code) != Digits || len(secret) == 0 {
		return 0, false
	}
	for _, c := range []byte(code) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	now := Step(at)
	matched, ok := int64(0), 0
	for step := now - Skew; step <= now+Skew; step++ {
		want, err := Code(secret, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && ok == 0 {
			matched, ok = step, 1
		}
	}
	return matched, ok == 1
}
