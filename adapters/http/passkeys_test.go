package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/webauthn"
	"github.com/authd/authd/adapters/webauthn/webauthntest"
	"github.com/authd/authd/domain"
)

// The relying party of the test env: authd at http://localhost:8080.
const testOrigin = "http://localhost:8080"

func testRelyingParty(t testing.TB) *webauthn.RelyingParty {
	t.Helper()
	rp, err := webauthn.New(webauthn.Config{RPID: "localhost", RPName: "authd", Origins: []string{testOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

type ceremony struct {
	CeremonyID string          `json:"ceremony_id"`
	PublicKey  json.RawMessage `json:"publicKey"`
}

type passkeyRegistration struct {
	tokens
	Passkey struct {
		ID         string   `json:"id"`
		Name       string   `json:"name"`
		BackedUp   bool     `json:"backed_up"`
		Transports []string `json:"transports"`
	} `json:"passkey"`
	RecoveryCodes []string `json:"recovery_codes"`
}

func (e *env) ceremony(t testing.TB, path string, body any, opts ...reqOption) ceremony {
	t.Helper()
	r := e.do(t, "POST", path, body, opts...)
	r.expect(t, 200, "")
	var c ceremony
	r.decode(t, &c)
	return c
}

// registerPasskey runs a whole registration with a and returns the answer and
// the authenticator's new credential.
func (e *env) registerPasskey(t testing.TB, access string, a *webauthntest.Authenticator, name string) (passkeyRegistration, *webauthntest.Credential) {
	t.Helper()
	c := e.ceremony(t, "/v1/auth/passkeys/register/options", nil, bearer(access))
	body, cred, err := a.Create(c.PublicKey, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	r := e.do(t, "POST", "/v1/auth/passkeys/register", map[string]any{"ceremony_id": c.CeremonyID,
		"credential": json.RawMessage(body), "name": name}, bearer(access))
	r.expect(t, 201, "")
	var reg passkeyRegistration
	r.decode(t, &reg)
	return reg, cred
}

// assert answers login options with cred and posts the assertion.
func (e *env) passkeyLogin(t testing.TB, a *webauthntest.Authenticator, cred *webauthntest.Credential, mfaToken string) response {
	t.Helper()
	opts := map[string]string{}
	if mfaToken != "" {
		opts["mfa_token"] = mfaToken
	}
	c := e.ceremony(t, "/v1/auth/passkeys/login/options", opts)
	body, err := a.Get(c.PublicKey, cred)
	if err != nil {
		t.Fatal(err)
	}
	req := map[string]any{"ceremony_id": c.CeremonyID, "credential": json.RawMessage(body)}
	if mfaToken != "" {
		req["mfa_token"] = mfaToken
	}
	return e.do(t, "POST", "/v1/auth/passkeys/login", req)
}

func countEvents(t testing.TB, e *env, userID string, typ domain.EventType) int {
	t.Helper()
	events, err := e.backend.Events().List(t.Context(), domain.EventFilter{UserID: userID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range events {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func TestPasskeyRegistrationAndSecondFactor(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, nil)
		email := uniqEmail("passkey")
		id := e.activeUser(t, email)
		first := e.login(t, email)
		phone := &webauthntest.Authenticator{Origin: testOrigin, UserVerified: true}

		c := e.ceremony(t, "/v1/auth/passkeys/register/options", nil, bearer(first.AccessToken))
		var opts struct {
			User struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"user"`
			Selection struct {
				ResidentKey string `json:"residentKey"`
				UV          string `json:"userVerification"`
			} `json:"authenticatorSelection"`
		}
		if err := json.Unmarshal(c.PublicKey, &opts); err != nil {
			t.Fatal(err)
		}
		handle, _ := base64.RawURLEncoding.DecodeString(opts.User.ID)
		if len(handle) != 64 || opts.User.Name != email || opts.Selection.ResidentKey != "required" || opts.Selection.UV != "preferred" {
			t.Fatalf("registration options = %s; want a 64-byte user handle, resident key required, UV preferred", c.PublicKey)
		}

		reg, cred := e.registerPasskey(t, first.AccessToken, phone, "Phone")
		if len(reg.RecoveryCodes) != 10 || reg.AccessToken == "" || !reg.User.MFAEnabled || reg.Passkey.Name != "Phone" {
			t.Fatalf("first passkey: %d codes, token %q, mfa %v, name %q; want 10 codes and a pair", len(reg.RecoveryCodes),
				reg.AccessToken, reg.User.MFAEnabled, reg.Passkey.Name)
		}
		if aal, amr, _ := verifyClaims(t, pub, reg.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"pwd", "hwk", "mfa"}) {
			t.Fatalf("registration session: aal %q amr %v, want aal2 [pwd hwk mfa]", aal, amr)
		}
		e.do(t, "GET", "/v1/auth/me", nil, bearer(first.AccessToken)).expect(t, 401, "token_revoked")
		if n := countEvents(t, e, id, domain.EventPasskeyAdded); n != 1 {
			t.Fatalf("passkey.added events = %d, want 1", n)
		}

		// Excluded credentials: the options list the passkey, so the
		// authenticator that holds it refuses to make another.
		c = e.ceremony(t, "/v1/auth/passkeys/register/options", nil, bearer(reg.AccessToken))
		if _, _, err := phone.Create(c.PublicKey, []*webauthntest.Credential{cred}, false); !errors.Is(err, webauthntest.ErrExcluded) {
			t.Fatalf("registration options do not exclude the passkey: %v (%s)", err, c.PublicKey)
		}
		// A ceremony is single use.
		body, _, err := phone.Create(c.PublicKey, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		req := map[string]any{"ceremony_id": c.CeremonyID, "credential": json.RawMessage(body)}
		e.do(t, "POST", "/v1/auth/passkeys/register", req, bearer(reg.AccessToken)).expect(t, 201, "")
		e.do(t, "POST", "/v1/auth/passkeys/register", req, bearer(reg.AccessToken)).expect(t, 401, "invalid_credentials")
		second, _ := e.registerPasskey(t, reg.AccessToken, &webauthntest.Authenticator{Origin: testOrigin}, "")
		if len(second.RecoveryCodes) != 0 || second.AccessToken != "" || second.Passkey.Name != "Passkey" {
			t.Fatalf("a later passkey: %+v; want no codes, no pair, the default name", second)
		}

		// A password login now asks for the second factor, passkey among them.
		p := e.mfaToken(t, email)
		if !slices.Contains(p.Methods, "passkey") {
			t.Fatalf("methods = %v, want passkey among them", p.Methods)
		}
		r := e.passkeyLogin(t, phone, cred, p.MFAToken)
		r.expect(t, 200, "")
		var tk tokens
		r.decode(t, &tk)
		if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"pwd", "hwk", "mfa"}) {
			t.Fatalf("second-factor login: aal %q amr %v, want aal2 [pwd hwk mfa]", aal, amr)
		}
		// The mfa_token was spent with it.
		e.do(t, "POST", "/v1/auth/passkeys/login/options", map[string]string{"mfa_token": p.MFAToken}).expect(t, 401, "token_invalid")

		// Manage: list, rename, and another account's passkey is not found.
		var list struct {
			Passkeys []struct {
				ID   string `json:"id"`
				Name string `json:"name"`
			} `json:"passkeys"`
		}
		e.do(t, "GET", "/v1/auth/passkeys", nil, bearer(tk.AccessToken)).decode(t, &list)
		if len(list.Passkeys) != 3 || !slices.ContainsFunc(list.Passkeys, func(p struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}) bool {
			return p.ID == reg.Passkey.ID && p.Name == "Phone"
		}) {
			t.Fatalf("passkeys = %+v, want 3, %s named Phone among them", list.Passkeys, reg.Passkey.ID)
		}
		e.do(t, "PATCH", "/v1/auth/passkeys/"+reg.Passkey.ID, map[string]string{"name": "Work phone"}, bearer(tk.AccessToken)).expect(t, 200, "")
		e.do(t, "PATCH", "/v1/auth/passkeys/"+reg.Passkey.ID, map[string]string{"name": ""}, bearer(tk.AccessToken)).expect(t, 422, "validation_failed")
		other := uniqEmail("passkey-other")
		e.activeUser(t, other)
		otherTok := e.login(t, other)
		e.do(t, "PATCH", "/v1/auth/passkeys/"+reg.Passkey.ID, map[string]string{"name": "mine"}, bearer(otherTok.AccessToken)).expect(t, 404, "not_found")
		e.do(t, "DELETE", "/v1/auth/passkeys/"+reg.Passkey.ID, nil, bearer(otherTok.AccessToken)).expect(t, 404, "not_found")

		// Removing every passkey turns MFA off; the password still logs in.
		for _, pk := range list.Passkeys {
			e.do(t, "DELETE", "/v1/auth/passkeys/"+pk.ID, nil, bearer(tk.AccessToken)).expect(t, 204, "")
		}
		if n := countEvents(t, e, id, domain.EventPasskeyRemoved); n != 3 {
			t.Fatalf("passkey.removed events = %d, want 3", n)
		}
		e.login(t, email)
	})
}

func TestPasskeyPasswordlessLoginAndAttacks(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, nil)
		email := uniqEmail("passwordless")
		id := e.activeUser(t, email)
		key := &webauthntest.Authenticator{Origin: testOrigin, UserVerified: true}
		reg, cred := e.registerPasskey(t, e.login(t, email).AccessToken, key, "Key")
		if reg.AccessToken == "" {
			t.Fatal("the first passkey opened no session")
		}

		c := e.ceremony(t, "/v1/auth/passkeys/login/options", nil)
		var opts struct {
			Allow []any  `json:"allowCredentials"`
			RPID  string `json:"rpId"`
			UV    string `json:"userVerification"`
		}
		if err := json.Unmarshal(c.PublicKey, &opts); err != nil || len(opts.Allow) != 0 || opts.RPID != "localhost" || opts.UV != "preferred" {
			t.Fatalf("discoverable login options = %s (%v)", c.PublicKey, err)
		}
		body, err := key.Get(c.PublicKey, cred)
		if err != nil {
			t.Fatal(err)
		}
		req := map[string]any{"ceremony_id": c.CeremonyID, "credential": json.RawMessage(body)}
		r := e.do(t, "POST", "/v1/auth/passkeys/login", req)
		r.expect(t, 200, "")
		var tk tokens
		r.decode(t, &tk)
		if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"hwk", "mfa"}) {
			t.Fatalf("passwordless login: aal %q amr %v, want aal2 [hwk mfa]", aal, amr)
		}
		// Replays: the same ceremony again, and the old assertion on a new ceremony.
		e.do(t, "POST", "/v1/auth/passkeys/login", req).expect(t, 401, "invalid_credentials")
		c2 := e.ceremony(t, "/v1/auth/passkeys/login/options", nil)
		e.do(t, "POST", "/v1/auth/passkeys/login", map[string]any{"ceremony_id": c2.CeremonyID,
			"credential": json.RawMessage(body)}).expect(t, 401, "invalid_credentials")

		// Without user verification a passkey is one factor: mfa_required.
		noUV := &webauthntest.Authenticator{Origin: testOrigin}
		r = e.passkeyLogin(t, noUV, cred, "")
		r.expect(t, 401, "mfa_required")

		refusals := []struct {
			name string
			a    *webauthntest.Authenticator
			bend func() *webauthntest.Credential
		}{
			{"wrong origin", &webauthntest.Authenticator{Origin: "http://evil.localhost:8080", UserVerified: true}, nil},
			{"wrong RP ID", &webauthntest.Authenticator{Origin: testOrigin, RPID: "evil.example", UserVerified: true}, nil},
			{"counter regression", key, func() *webauthntest.Credential {
				clone := *cred
				clone.Count = 0 // the next assertion signs 1, below the stored counter
				return &clone
			}},
		}
		for _, tc := range refusals {
			before := countEvents(t, e, id, domain.EventLoginFailed)
			use := cred
			if tc.bend != nil {
				use = tc.bend()
			}
			e.passkeyLogin(t, tc.a, use, "").expect(t, 401, "invalid_credentials")
			if tc.bend != nil && countEvents(t, e, id, domain.EventLoginFailed) != before+1 {
				t.Errorf("%s: no login.failed event for the account", tc.name)
			}
		}
		// The genuine authenticator still logs in after the clone was refused.
		e.passkeyLogin(t, key, cred, "").expect(t, 200, "")

		// A credential of another account: not in that account's allow list,
		// nor accepted under that account's user handle.
		victim := uniqEmail("victim")
		e.activeUser(t, victim)
		vkey := &webauthntest.Authenticator{Origin: testOrigin, UserVerified: true}
		_, vcred := e.registerPasskey(t, e.login(t, victim).AccessToken, vkey, "")
		p := e.mfaToken(t, victim)
		e.passkeyLogin(t, key, cred, p.MFAToken).expect(t, 401, "invalid_credentials")
		bent := *cred
		bent.UserHandle = vcred.UserHandle
		e.passkeyLogin(t, key, &bent, "").expect(t, 401, "invalid_credentials")

		// A ceremony expires after 5 minutes.
		c = e.ceremony(t, "/v1/auth/passkeys/login/options", nil)
		body, _ = key.Get(c.PublicKey, cred)
		e.clock.Advance(domain.PasskeyCeremonyTTL + time.Second)
		e.do(t, "POST", "/v1/auth/passkeys/login", map[string]any{"ceremony_id": c.CeremonyID,
			"credential": json.RawMessage(body)}).expect(t, 401, "invalid_credentials")
		e.do(t, "POST", "/v1/auth/passkeys/login", map[string]any{"ceremony_id": "x"},
			invalidRequest("the credential is missing")).expect(t, 422, "validation_failed")

		// An account without a password keeps its only passkey: last_login_method.
		if err := e.backend.Credentials().SetPasswordHash(t.Context(), id, "", e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		e.do(t, "DELETE", "/v1/auth/passkeys/"+reg.Passkey.ID, nil, bearer(tk.AccessToken)).expect(t, 409, "last_login_method")
		spare, _ := e.registerPasskey(t, tk.AccessToken, &webauthntest.Authenticator{Origin: testOrigin}, "Spare")
		e.do(t, "DELETE", "/v1/auth/passkeys/"+reg.Passkey.ID, nil, bearer(tk.AccessToken)).expect(t, 204, "")
		e.do(t, "DELETE", "/v1/auth/passkeys/"+spare.Passkey.ID, nil, bearer(tk.AccessToken)).expect(t, 409, "last_login_method")
	})
}
