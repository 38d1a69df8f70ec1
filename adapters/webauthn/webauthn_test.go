package webauthn_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/authd/authd/adapters/webauthn"
	"github.com/authd/authd/adapters/webauthn/webauthntest"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

const origin = "https://auth.example.com"

func newRP(t *testing.T) *webauthn.RelyingParty {
	t.Helper()
	rp, err := webauthn.New(webauthn.Config{RPID: "auth.example.com", RPName: "authd", Origins: []string{origin}})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func handle(b byte) ports.PasskeyUser {
	return ports.PasskeyUser{Handle: bytes.Repeat([]byte{b}, 64), Name: "ada@example.com", DisplayName: "Ada"}
}

// register runs a registration ceremony and returns the stored passkey and the
// authenticator's credential.
func register(t *testing.T, rp *webauthn.RelyingParty, a *webauthntest.Authenticator, u ports.PasskeyUser) (*domain.Passkey, *webauthntest.Credential) {
	t.Helper()
	opts, state, err := rp.RegistrationOptions(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, cred, err := a.Create(opts, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rp.VerifyRegistration(u, state, body)
	if err != nil {
		t.Fatalf("VerifyRegistration: %v", err)
	}
	return p, cred
}

func TestRegisterAndLogin(t *testing.T) {
	t.Parallel()
	rp := newRP(t)
	a := &webauthntest.Authenticator{Origin: origin, UserVerified: true}
	p, cred := register(t, rp, a, handle(1))
	if !bytes.Equal(p.CredentialID, cred.ID) || p.SignCount != 1 || !bytes.Equal(p.UserHandle, handle(1).Handle) {
		t.Fatalf("passkey = %+v, want credential %x with count 1", p, cred.ID)
	}
	for _, allow := range [][]domain.Passkey{nil, {*p}} {
		opts, state, err := rp.LoginOptions(allow)
		if err != nil {
			t.Fatal(err)
		}
		body, err := a.Get(opts, cred)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rp.VerifyLogin(state, body, func([]byte) (*domain.Passkey, error) { return p, nil })
		if err != nil {
			t.Fatalf("VerifyLogin(allow %d): %v", len(allow), err)
		}
		if got.SignCount != cred.Count || !got.UserVerified || got.CounterRegressed() {
			t.Fatalf("assertion = %+v, want count %d, user verified, no regression", got, cred.Count)
		}
		p.SignCount = got.SignCount
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	rp := newRP(t)
	good := &webauthntest.Authenticator{Origin: origin}
	p, cred := register(t, rp, good, handle(1))
	other, otherCred := register(t, rp, good, handle(2))
	lookup := func(id []byte) (*domain.Passkey, error) {
		switch {
		case bytes.Equal(id, p.CredentialID):
			return p, nil
		case bytes.Equal(id, other.CredentialID):
			return other, nil
		}
		return nil, domain.Errorf(domain.CodeNotFound, "none")
	}
	cases := []struct {
		name  string
		a     *webauthntest.Authenticator
		cred  *webauthntest.Credential
		allow []domain.Passkey
		bend  func(*webauthntest.Credential) *webauthntest.Credential
	}{
		{name: "wrong origin", a: &webauthntest.Authenticator{Origin: "https://evil.example.net"}, cred: cred},
		{name: "wrong rp id", a: &webauthntest.Authenticator{Origin: origin, RPID: "evil.example.net"}, cred: cred},
		{name: "not in the allow list", a: good, cred: otherCred, allow: []domain.Passkey{*p}},
		{name: "another account's handle", a: good, cred: cred, bend: func(c *webauthntest.Credential) *webauthntest.Credential {
			d := *c
			d.UserHandle = otherCred.UserHandle
			return &d
		}},
		{name: "wrong key", a: good, cred: cred, bend: func(c *webauthntest.Credential) *webauthntest.Credential {
			d := *c
			d.Key = otherCred.Key
			return &d
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, state, err := rp.LoginOptions(tc.allow)
			if err != nil {
				t.Fatal(err)
			}
			c := tc.cred
			if tc.bend != nil {
				c = tc.bend(c)
			}
			body, err := tc.a.Get(opts, c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = rp.VerifyLogin(state, body, lookup)
			if got := domain.ErrorCode(err); got != domain.CodeInvalidCredentials {
				t.Fatalf("VerifyLogin: code %q (%v), want invalid_credentials", got, err)
			}
		})
	}
	t.Run("replayed challenge", func(t *testing.T) {
		opts, _, _ := rp.LoginOptions(nil)
		_, state2, _ := rp.LoginOptions(nil)
		body, _ := good.Get(opts, cred)
		if _, err := rp.VerifyLogin(state2, body, lookup); domain.ErrorCode(err) != domain.CodeInvalidCredentials {
			t.Fatalf("an assertion for another challenge: %v, want invalid_credentials", err)
		}
	})
	t.Run("registration from a wrong origin", func(t *testing.T) {
		opts, state, _ := rp.RegistrationOptions(handle(3), nil)
		body, _, _ := (&webauthntest.Authenticator{Origin: "https://evil.example.net"}).Create(opts, nil, false)
		if _, err := rp.VerifyRegistration(handle(3), state, body); domain.ErrorCode(err) != domain.CodeInvalidCredentials {
			t.Fatalf("VerifyRegistration: %v, want invalid_credentials", err)
		}
	})
	t.Run("excluded credentials", func(t *testing.T) {
		opts, _, _ := rp.RegistrationOptions(handle(1), []domain.Passkey{*p})
		if _, _, err := good.Create(opts, []*webauthntest.Credential{cred}, false); !errors.Is(err, webauthntest.ErrExcluded) {
			t.Fatalf("Create with the credential excluded: %v, want ErrExcluded", err)
		}
	})
}
