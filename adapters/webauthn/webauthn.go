// Package webauthn is the relying party of passkey ceremonies (ARCHITECTURE.md
// §9), on github.com/go-webauthn/webauthn. It speaks the WebAuthn JSON forms to
// the client and plain domain values to the use cases; no library type leaves it.
package webauthn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	lib "github.com/go-webauthn/webauthn/webauthn"

	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// Config names the relying party: its id (a registrable domain, the host of
// the public URL by default), its display name, and the origins whose pages may
// run ceremonies for it.
type Config struct {
	RPID    string
	RPName  string
	Origins []string
	// Timeout is what the options ask the browser to allow; the ceremony's
	// one-time token bounds it on the server.
	Timeout time.Duration
}

// RelyingParty implements ports.WebAuthn.
type RelyingParty struct{ w *lib.WebAuthn }

var _ ports.WebAuthn = (*RelyingParty)(nil)

// New checks cfg and returns the relying party.
func New(cfg Config) (*RelyingParty, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = domain.PasskeyCeremonyTTL
	}
	w, err := lib.New(&lib.Config{
		RPID:          cfg.RPID,
		RPDisplayName: cfg.RPName,
		RPOrigins:     cfg.Origins,
		// No attestation is asked for: authd trusts the key, not the maker.
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: lib.TimeoutsConfig{
			Login:        lib.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
			Registration: lib.TimeoutConfig{Timeout: cfg.Timeout, TimeoutUVD: cfg.Timeout},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("webauthn: %w", err)
	}
	return &RelyingParty{w: w}, nil
}

// user is an account as the library sees it.
type user struct {
	u     ports.PasskeyUser
	creds []lib.Credential
}

func (u user) WebAuthnID() []byte                    { return u.u.Handle }
func (u user) WebAuthnName() string                  { return u.u.Name }
func (u user) WebAuthnDisplayName() string           { return u.u.DisplayName }
func (u user) WebAuthnCredentials() []lib.Credential { return u.creds }

// credential is a stored passkey as the library's credential record.
func credential(p domain.Passkey) lib.Credential {
	transports := make([]protocol.AuthenticatorTransport, len(p.Transports))
	for i, t := range p.Transports {
		transports[i] = protocol.AuthenticatorTransport(t)
	}
	return lib.Credential{
		ID: p.CredentialID, PublicKey: p.PublicKey, AttestationType: p.AttestationType,
		Transport:     transports,
		Flags:         lib.CredentialFlags{UserPresent: true, BackupEligible: p.BackupEligible, BackupState: p.BackedUp},
		Authenticator: lib.Authenticator{AAGUID: p.AAGUID, SignCount: p.SignCount},
	}
}

func descriptors(ps []domain.Passkey) []protocol.CredentialDescriptor {
	out := make([]protocol.CredentialDescriptor, len(ps))
	for i, p := range ps {
		c := credential(p)
		out[i] = c.Descriptor()
	}
	return out
}

// RegistrationOptions begins a registration.
func (rp *RelyingParty) RegistrationOptions(u ports.PasskeyUser, exclude []domain.Passkey) (json.RawMessage, []byte, error) {
	creation, sd, err := rp.w.BeginRegistration(user{u: u},
		lib.WithExclusions(descriptors(exclude)),
		lib.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		lib.WithExtensions(lib.WithExtensionCredProps()))
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin registration: %w", err)
	}
	return marshal(creation.Response, sd)
}

// VerifyRegistration finishes a registration.
func (rp *RelyingParty) VerifyRegistration(u ports.PasskeyUser, state []byte, body json.RawMessage) (*domain.Passkey, error) {
	sd, err := session(state)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return nil, refused(err)
	}
	c, err := rp.w.CreateCredential(user{u: u}, *sd, parsed)
	if err != nil {
		return nil, refused(err)
	}
	transports := make([]string, len(c.Transport))
	for i, t := range c.Transport {
		transports[i] = string(t)
	}
	return &domain.Passkey{
		CredentialID: c.ID, PublicKey: c.PublicKey, UserHandle: u.Handle,
		SignCount: c.Authenticator.SignCount, AAGUID: c.Authenticator.AAGUID,
		AttestationType: c.AttestationType, Transports: transports,
		BackupEligible: c.Flags.BackupEligible, BackedUp: c.Flags.BackupState,
	}, nil
}

// LoginOptions begins a login; with no passkeys to allow, a discoverable one.
func (rp *RelyingParty) LoginOptions(allow []domain.Passkey) (json.RawMessage, []byte, error) {
	opts := []lib.LoginOption{lib.WithUserVerification(protocol.VerificationPreferred)}
	if len(allow) > 0 {
		opts = append(opts, lib.WithAllowedCredentials(descriptors(allow)))
	}
	assertion, sd, err := rp.w.BeginDiscoverableLogin(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: begin login: %w", err)
	}
	return marshal(assertion.Response, sd)
}

// VerifyLogin finishes a login. The allow list of the options (when there was
// one) is checked here; the library then verifies the assertion against the
// one passkey it names, as a login of that passkey's user handle, which also
// refuses an assertion whose user handle is another account's.
func (rp *RelyingParty) VerifyLogin(state []byte, body json.RawMessage, lookup func([]byte) (*domain.Passkey, error)) (*domain.PasskeyAssertion, error) {
	sd, err := session(state)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return nil, refused(err)
	}
	if len(sd.AllowedCredentialIDs) > 0 && !contains(sd.AllowedCredentialIDs, parsed.RawID) {
		return nil, refused(errors.New("credential not in the allow list"))
	}
	p, err := lookup(parsed.RawID)
	if domain.IsCode(err, domain.CodeNotFound) {
		return nil, refused(err)
	}
	if err != nil {
		return nil, err
	}
	sd.UserID, sd.AllowedCredentialIDs = p.UserHandle, nil
	u := user{u: ports.PasskeyUser{Handle: p.UserHandle}, creds: []lib.Credential{credential(*p)}}
	if _, err := rp.w.ValidateLogin(u, *sd, parsed); err != nil {
		return nil, refused(err)
	}
	flags := parsed.Response.AuthenticatorData.Flags
	return &domain.PasskeyAssertion{Passkey: *p, SignCount: parsed.Response.AuthenticatorData.Counter,
		UserVerified: flags.HasUserVerified(), BackedUp: flags.HasBackupState()}, nil
}

func contains(ids [][]byte, id []byte) bool {
	for _, x := range ids {
		if bytes.Equal(x, id) {
			return true
		}
	}
	return false
}

func marshal(options any, sd *lib.SessionData) (json.RawMessage, []byte, error) {
	o, err := json.Marshal(options)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: options: %w", err)
	}
	s, err := json.Marshal(sd)
	if err != nil {
		return nil, nil, fmt.Errorf("webauthn: state: %w", err)
	}
	return o, s, nil
}

func session(state []byte) (*lib.SessionData, error) {
	var sd lib.SessionData
	if err := json.Unmarshal(state, &sd); err != nil {
		return nil, fmt.Errorf("webauthn: stored state: %w", err)
	}
	return &sd, nil
}

// refused is the answer to a ceremony that does not verify. The library's
// reason is kept for the log (errors.Unwrap), never shown to the client.
func refused(cause error) error {
	return &domain.Error{Code: domain.CodeInvalidCredentials,
		Message: "The passkey could not be verified.", Err: cause}
}
