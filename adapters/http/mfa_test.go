package httpapi_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base32"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/adapters/totp"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

func (m *mailbox) SendRecoveryCodeUsed(_ context.Context, u domain.User, remaining int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notices[u.Email] = append(m.notices[u.Email], remaining)
	return nil
}

func (m *mailbox) noticesFor(email string) []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.notices[email])
}

// mfaEnv is an env whose signing key the test holds, so that an independent JWT
// library can verify its tokens.
func mfaEnv(t *testing.T, backend string, config func(*app.Config)) (*env, ed25519.PublicKey) {
	t.Helper()
	seed, err := jwt.GenerateEd25519Seed()
	if err != nil {
		t.Fatal(err)
	}
	key := ed25519.NewKeyFromSeed(seed)
	return newEnvWith(t, backend, envSetup{signingKey: key, config: config}), key.Public().(ed25519.PublicKey)
}

// codeAt is the TOTP code of the base32 secret at `at`, as the user's app shows it.
func codeAt(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatal(err)
	}
	c, err := totp.Code(raw, totp.Step(at))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type enrolment struct {
	Factor struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Status string `json:"status"`
	} `json:"factor"`
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
}

type confirmation struct {
	tokens
	RecoveryCodes []string `json:"recovery_codes"`
}

type mfaProblem struct {
	Code     string   `json:"code"`
	MFAToken string   `json:"mfa_token"`
	Methods  []string `json:"methods"`
}

// enableMFA enrols and confirms TOTP for the logged-in account and returns the
// secret and the confirmation (a new aal2 pair and the recovery codes).
func (e *env) enableMFA(t testing.TB, access string) (string, confirmation) {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/mfa/totp", nil, bearer(access))
	r.expect(t, 201, "")
	var en enrolment
	r.decode(t, &en)
	if en.Factor.Status != "pending" || en.Factor.Type != "totp" || len(en.Secret) != 32 {
		t.Fatalf("enrolment = %+v", en)
	}
	r = e.do(t, "POST", "/v1/auth/mfa/totp/confirm", map[string]string{"code": codeAt(t, en.Secret, e.clock.Now())}, bearer(access))
	r.expect(t, 200, "")
	var c confirmation
	r.decode(t, &c)
	return en.Secret, c
}

// mfaToken logs in with the password of an account with MFA on and returns the
// mfa_required answer.
func (e *env) mfaToken(t testing.TB, email string) mfaProblem {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password})
	r.expect(t, 401, "mfa_required")
	var p mfaProblem
	r.decode(t, &p)
	if len(p.MFAToken) < 43 {
		t.Fatalf("mfa_token %q is not 256 bits", p.MFAToken)
	}
	return p
}

func (e *env) loginMFA(t testing.TB, body map[string]string) response {
	t.Helper()
	return e.do(t, "POST", "/v1/auth/login/mfa", body)
}

// verifyClaims checks the access token with lestrrat-go/jwx (no code shared with
// golang-jwt) and returns its aal and amr.
func verifyClaims(t testing.TB, pub ed25519.PublicKey, token string) (string, []string, time.Time) {
	t.Helper()
	tok, err := jwxjwt.ParseString(token, jwxjwt.WithKey(jwa.EdDSA, pub), jwxjwt.WithValidate(false))
	if err != nil {
		t.Fatalf("jwx refuses the access token: %v", err)
	}
	aal, _ := tok.PrivateClaims()["aal"].(string)
	var amr []string
	raw, _ := tok.PrivateClaims()["amr"].([]any)
	for _, m := range raw {
		s, _ := m.(string)
		amr = append(amr, s)
	}
	at, _ := tok.PrivateClaims()["auth_time"].(float64)
	return aal, amr, time.Unix(int64(at), 0)
}

var recoveryCodeForm = regexp.MustCompile(`^[a-z2-7]{5}-[a-z2-7]{5}$`)

func TestMFALogin(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, nil)
		email := uniqEmail("mfa")
		id := e.activeUser(t, email)
		first := e.login(t, email)
		if aal, amr, _ := verifyClaims(t, pub, first.AccessToken); aal != "aal1" || !slices.Equal(amr, []string{"pwd"}) {
			t.Fatalf("password login: aal %q amr %v, want aal1 [pwd]", aal, amr)
		}

		// A wrong code leaves the factor pending.
		r := e.do(t, "POST", "/v1/auth/mfa/totp", nil, bearer(first.AccessToken))
		r.expect(t, 201, "")
		var en enrolment
		r.decode(t, &en)
		stored, err := e.backend.MFA().Factors(t.Context(), id)
		if err != nil || len(stored) != 1 {
			t.Fatalf("Factors = %v, %v", stored, err)
		}
		raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
		if bytes.Contains(stored[0].Secret, []byte(en.Secret)) || bytes.Contains(stored[0].Secret, raw) {
			t.Fatalf("the stored secret holds the clear secret")
		}
		wrong := codeAt(t, en.Secret, e.clock.Now().Add(-2*totp.Period))
		e.do(t, "POST", "/v1/auth/mfa/totp/confirm", map[string]string{"code": wrong}, bearer(first.AccessToken)).expect(t, 401, "invalid_code")
		var st struct {
			Factors []struct{ Status string } `json:"factors"`
		}
		e.do(t, "GET", "/v1/auth/mfa", nil, bearer(first.AccessToken)).decode(t, &st)
		if len(st.Factors) != 1 || st.Factors[0].Status != "pending" {
			t.Fatalf("after a wrong code: factors %+v, want one pending", st.Factors)
		}

		r = e.do(t, "POST", "/v1/auth/mfa/totp/confirm", map[string]string{"code": codeAt(t, en.Secret, e.clock.Now())}, bearer(first.AccessToken))
		r.expect(t, 200, "")
		var conf confirmation
		r.decode(t, &conf)
		if len(conf.RecoveryCodes) != 10 || !conf.User.MFAEnabled {
			t.Fatalf("confirmation: %d codes, mfa_enabled %v", len(conf.RecoveryCodes), conf.User.MFAEnabled)
		}
		for _, c := range conf.RecoveryCodes {
			if !recoveryCodeForm.MatchString(c) {
				t.Errorf("recovery code %q is not xxxxx-xxxxx", c)
			}
		}
		if aal, amr, _ := verifyClaims(t, pub, conf.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("confirmed session: aal %q amr %v, want aal2 [pwd otp mfa]", aal, amr)
		}
		// Every other session, the enrolling one too, was revoked.
		e.do(t, "GET", "/v1/auth/me", nil, bearer(first.AccessToken)).expect(t, 401, "token_revoked")
		live, err := e.backend.Sessions().Live(t.Context(), id, e.clock.Now())
		if err != nil || len(live) != 1 {
			t.Fatalf("live sessions after confirm = %d (%v), want 1", len(live), err)
		}

		// The password alone opens no session.
		p := e.mfaToken(t, email)
		if !slices.Equal(p.Methods, []string{"totp", "recovery_code"}) {
			t.Errorf("methods = %v", p.Methods)
		}
		if live, _ := e.backend.Sessions().Live(t.Context(), id, e.clock.Now()); len(live) != 1 {
			t.Fatalf("mfa_required opened a session: %d live", len(live))
		}
		// The code that confirmed the factor is spent; one two steps old is expired.
		now := codeAt(t, en.Secret, e.clock.Now())
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": now}).expect(t, 401, "invalid_code")
		e.clock.Advance(totp.Period)
		old := codeAt(t, en.Secret, e.clock.Now().Add(-2*totp.Period))
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": old}).expect(t, 401, "invalid_code")
		next := codeAt(t, en.Secret, e.clock.Now())
		r = e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": next})
		r.expect(t, 200, "")
		var tk tokens
		r.decode(t, &tk)
		aal, amr, authTime := verifyClaims(t, pub, tk.AccessToken)
		if aal != "aal2" || !slices.Equal(amr, []string{"pwd", "otp", "mfa"}) {
			t.Fatalf("login/mfa: aal %q amr %v, want aal2 [pwd otp mfa]", aal, amr)
		}
		// The mfa_token is single use, and so is the code.
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": next}).expect(t, 401, "token_invalid")
		p = e.mfaToken(t, email)
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": next}).expect(t, 401, "invalid_code")

		// A refresh keeps aal2, amr and auth_time, and is not fresh.
		e.clock.Advance(time.Minute)
		r = e.refresh(t, tk.RefreshToken)
		r.expect(t, 200, "")
		var refreshed tokens
		r.decode(t, &refreshed)
		aal2, amr2, authTime2 := verifyClaims(t, pub, refreshed.AccessToken)
		if aal2 != "aal2" || !slices.Equal(amr2, amr) || !authTime2.Equal(authTime) {
			t.Fatalf("refresh: aal %q amr %v auth_time %v, want aal2 %v %v", aal2, amr2, authTime2, amr, authTime)
		}
		// An aal2 session passes the step-up: new recovery codes.
		r = e.do(t, "POST", "/v1/auth/mfa/recovery-codes", nil, bearer(refreshed.AccessToken))
		r.expect(t, 200, "")
	})
}

func TestMFAConcurrentCode(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, _ := mfaEnv(t, backend, func(c *app.Config) { c.LockoutThreshold = 100 })
		email := uniqEmail("mfarace")
		e.activeUser(t, email)
		secret, _ := e.enableMFA(t, e.login(t, email).AccessToken)
		e.clock.Advance(totp.Period)
		code := codeAt(t, secret, e.clock.Now())
		const n = 10
		tokens := make([]string, n)
		for i := range tokens {
			tokens[i] = e.mfaToken(t, email).MFAToken
		}
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.loginMFA(t, map[string]string{"mfa_token": tokens[i], "code": code}).Status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 401:
			default:
				t.Errorf("status %d, want 200 or 401", s)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent submissions of one code succeeded (%v), want exactly 1", ok, n, statuses)
		}
	})
}

func TestMFARecoveryAndLimits(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e, pub := mfaEnv(t, backend, nil)
		email := uniqEmail("mfarec")
		e.activeUser(t, email)
		secret, conf := e.enableMFA(t, e.login(t, email).AccessToken)

		// A recovery code works once, in any case and without its dash; the owner is told.
		code := conf.RecoveryCodes[3]
		p := e.mfaToken(t, email)
		r := e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "recovery_code": code})
		r.expect(t, 200, "")
		var tk tokens
		r.decode(t, &tk)
		if aal, amr, _ := verifyClaims(t, pub, tk.AccessToken); aal != "aal2" || !slices.Equal(amr, []string{"pwd", "recovery_code", "mfa"}) {
			t.Fatalf("recovery login: aal %q amr %v", aal, amr)
		}
		if got := e.mail.noticesFor(email); !slices.Equal(got, []int{9}) {
			t.Errorf("notices = %v, want [9]", got)
		}
		p = e.mfaToken(t, email)
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "recovery_code": code}).expect(t, 401, "invalid_code")
		r = e.do(t, "GET", "/v1/auth/mfa", nil, bearer(tk.AccessToken))
		var st struct {
			Remaining int `json:"recovery_codes_remaining"`
		}
		r.decode(t, &st)
		if st.Remaining != 9 {
			t.Errorf("recovery_codes_remaining = %d, want 9", st.Remaining)
		}

		// Concurrent uses of one recovery code: exactly one wins.
		shared := conf.RecoveryCodes[5]
		toks := []string{e.mfaToken(t, email).MFAToken, e.mfaToken(t, email).MFAToken, e.mfaToken(t, email).MFAToken}
		var wg sync.WaitGroup
		statuses := make([]int, len(toks))
		for i := range toks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.loginMFA(t, map[string]string{"mfa_token": toks[i], "recovery_code": shared}).Status
			}()
		}
		wg.Wait()
		if n := slices.Index(statuses, 200); n < 0 || slices.Index(statuses[n+1:], 200) >= 0 {
			t.Errorf("concurrent uses of one recovery code: %v, want exactly one 200", statuses)
		}

		// An mfa_token dies after 5 wrong codes, even for a right one after them.
		p = e.mfaToken(t, email)
		for range domain.MFAChallengeMaxAttempts {
			e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": "000000"}).expect(t, 401, "invalid_code")
		}
		right := codeAt(t, secret, e.clock.Now())
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": right}).expect(t, 401, "token_invalid")
		// The wrong codes counted against the account: the password backs off too.
		e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": password}).expect(t, 429, "rate_limited")

		// A password reset does not turn MFA off; an mfa_token expires after 5 minutes.
		e.clock.Advance(time.Hour)
		e.do(t, "POST", "/v1/auth/password/forgot", map[string]string{"email": email}).expect(t, 202, "")
		e.do(t, "POST", "/v1/auth/password/reset", map[string]string{"token": e.mail.resetFor(email), "new_password": password}).expect(t, 204, "")
		p = e.mfaToken(t, email)
		e.clock.Advance(domain.MFAChallengeTTL)
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken, "code": codeAt(t, secret, e.clock.Now())}).expect(t, 401, "token_expired")
		e.loginMFA(t, map[string]string{"mfa_token": "no-such-token", "code": "123456"}).expect(t, 401, "token_invalid")
		e.loginMFA(t, map[string]string{"mfa_token": p.MFAToken}).expect(t, 422, "validation_failed")
	})
}

func TestMFAStepUpAndAdmin(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		seed, err := jwt.GenerateEd25519Seed()
		if err != nil {
			t.Fatal(err)
		}
		key := ed25519.NewKeyFromSeed(seed)
		e := newEnvWith(t, backend, envSetup{signingKey: key})
		email := uniqEmail("stepup")
		id := e.activeUser(t, email)

		// MFA off: enrolling needs a fresh token.
		first := e.login(t, email)
		r := e.refresh(t, first.RefreshToken)
		var refreshed tokens
		r.decode(t, &refreshed)
		e.do(t, "POST", "/v1/auth/mfa/totp", nil, bearer(refreshed.AccessToken)).expect(t, 401, "fresh_token_required")
		e.do(t, "POST", "/v1/auth/mfa/recovery-codes", nil, bearer(first.AccessToken)).expect(t, 409, "conflict")
		_, conf := e.enableMFA(t, first.AccessToken)
		e.do(t, "POST", "/v1/auth/mfa/totp", nil, bearer(conf.AccessToken)).expect(t, 409, "conflict")

		// An aal1 session of an account with MFA on (opened before MFA, say) is refused
		// every step-up operation.
		keys, err := jwt.NewKeySet(key)
		if err != nil {
			t.Fatal(err)
		}
		issuer := jwt.NewIssuer(keys, jwt.Options{Issuer: testIssuer, Audience: "authd", Now: e.clock.Now})
		now := e.clock.Now()
		s := &domain.Session{ID: "0192f5b0-0000-7000-8000-00000000aa01", UserID: id, RotatedAt: now, CreatedAt: now,
			ExpiresAt: now.Add(time.Hour), AAL: domain.AAL1, AMR: []string{"pwd"}, AuthTime: now}
		if err := e.backend.Sessions().Create(t.Context(), s, domain.Effects{}); err != nil {
			t.Fatal(err)
		}
		aal1, err := issuer.Mint(t.Context(), domain.AccessClaims{ID: "0192f5b0-0000-7000-8000-00000000bb01", Subject: id,
			SessionID: s.ID, Role: domain.RoleUser, Fresh: true, AAL: domain.AAL1, AMR: []string{"pwd"},
			AuthTime: now, IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": "another long one"}},
			{"DELETE", "/v1/auth/me", map[string]string{"password": password}},
			{"DELETE", "/v1/auth/mfa/totp", nil},
			{"POST", "/v1/auth/mfa/recovery-codes", nil},
			{"POST", "/v1/auth/mfa/totp", nil},
			{"POST", "/v1/auth/email", map[string]string{"new_email": uniqEmail("stepup-new"), "password": password}},
		} {
			e.do(t, c.method, c.path, c.body, bearer(aal1)).expect(t, 403, "aal2_required")
		}
		// The aal2 session may.
		e.do(t, "POST", "/v1/auth/password", map[string]string{"current_password": password, "new_password": password},
			bearer(conf.AccessToken)).expect(t, 204, "")

		// Admin reset: a user may not, a refreshed admin token may not, a fresh one may.
		e.do(t, "DELETE", "/v1/users/"+id+"/mfa", nil, bearer(conf.AccessToken)).expect(t, 403, "forbidden")
		_, admin := e.admin(t)
		r = e.refresh(t, admin.RefreshToken)
		var adminRefreshed tokens
		r.decode(t, &adminRefreshed)
		e.do(t, "DELETE", "/v1/users/"+id+"/mfa", nil, bearer(adminRefreshed.AccessToken)).expect(t, 401, "fresh_token_required")
		e.do(t, "DELETE", "/v1/users/0192f5b0-0000-7000-8000-0000000000ff/mfa", nil, bearer(admin.AccessToken)).expect(t, 404, "not_found")
		e.do(t, "DELETE", "/v1/users/"+id+"/mfa", nil, bearer(admin.AccessToken)).expect(t, 204, "")
		e.do(t, "GET", "/v1/auth/me", nil, bearer(conf.AccessToken)).expect(t, 401, "token_revoked")
		after := e.login(t, email)
		if after.User.MFAEnabled {
			t.Errorf("mfa_enabled after the reset")
		}
	})
}

func TestAdminRequireMFA(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, backend string) {
		e := newEnvWith(t, backend, envSetup{config: func(c *app.Config) { c.AdminRequireMFA = true }})
		_, admin := e.admin(t)
		e.do(t, "GET", "/v1/users", nil, bearer(admin.AccessToken)).expect(t, 403, "aal2_required")
		// The admin can still set MFA up, and then administer.
		_, conf := e.enableMFA(t, admin.AccessToken)
		e.do(t, "GET", "/v1/users", nil, bearer(conf.AccessToken)).expect(t, 200, "")
		// Ordinary users are not affected on their own record.
		email := uniqEmail("plain")
		id := e.activeUser(t, email)
		e.do(t, "GET", "/v1/users/"+id, nil, bearer(e.login(t, email).AccessToken)).expect(t, 200, "")
	})
}

// The recording notifiers of other tests pass the recovery-code notice through.

func (c countingMail) SendRecoveryCodeUsed(ctx context.Context, u domain.User, remaining int) error {
	return c.next.SendRecoveryCodeUsed(ctx, u, remaining)
}
