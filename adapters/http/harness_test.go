package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/adapters/aesgcm"
	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/backendtest"
	httpapi "github.com/authd/authd/adapters/http"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/adapters/metrics"
	"github.com/authd/authd/adapters/totp"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// testIssuer is the iss of access tokens minted in these tests.
const testIssuer = "http://authd.test"

// fakeClock is a clock the tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// mailbox is a recording ports.Notifier: it keeps the latest clear token mailed to
// each address, as the user's inbox would.
type mailbox struct {
	mu         sync.Mutex
	activation map[string]string
	reset      map[string]string
	notices    map[string][]int        // recovery-code notices: the codes left, per address
	change     map[string]string       // e-mail-change tokens, by the new address
	changeFrom map[string][]string     // e-mail-change notices: the new addresses, by the old one
	signIns    map[string][]signInMail // sign-in mails by address, oldest first
}

func newMailbox() *mailbox {
	return &mailbox{activation: map[string]string{}, reset: map[string]string{}, notices: map[string][]int{},
		change: map[string]string{}, changeFrom: map[string][]string{}, signIns: map[string][]signInMail{}}
}

func (m *mailbox) SendActivation(_ context.Context, u domain.User, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.activation[u.Email] = token
	return nil
}

func (m *mailbox) SendPasswordReset(_ context.Context, u domain.User, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reset[u.Email] = token
	return nil
}

// activationFor returns the latest activation token mailed to email, or "".
func (m *mailbox) activationFor(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.activation[email]
}

// resetFor returns the latest reset token mailed to email, or "".
func (m *mailbox) resetFor(email string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reset[email]
}

// env is one API over one backend, with the doubles a test steers.
type env struct {
	api      *fiber.App
	core     *app.App
	backend  ports.Backend
	clock    *fakeClock
	mail     *mailbox
	registry *prometheus.Registry
	ready    *readiness
	hasher   *argon2.Hasher
}

// readiness is a Ready function whose answer a test sets.
type readiness struct {
	mu  sync.Mutex
	err error
}

func (r *readiness) set(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *readiness) check(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// newEnv builds a real App over a fresh backend of the named kind, with cheap argon2
// parameters, an Ed25519 issuer and a recording notifier, and the HTTP API over it.
// configure may adjust the Options (rate limits, proxies, ...).
func newEnv(t *testing.T, backend string, configure ...func(*httpapi.Options)) *env {
	t.Helper()
	return newEnvWith(t, backend, envSetup{options: configure})
}

// envSetup is what a test may choose about an env beyond newEnv's defaults; every
// zero field keeps the default.
type envSetup struct {
	// relyingParty replaces the passkey relying party of http://localhost:8080.
	relyingParty ports.WebAuthn
	// backend is the store to use instead of a fresh one, so that two envs (two
	// configurations of the service) can share one database.
	backend ports.Backend
	// signingKey signs and verifies access tokens instead of a fresh key, so a test
	// can forge tokens with the service's own key.
	signingKey ed25519.PrivateKey
	// refreshKey keys the refresh codec instead of a fresh key.
	refreshKey []byte
	// hasher replaces the cheap default argon2 parameters (m=1024, t=1, p=1).
	hasher argon2.Params
	// hashSlots and hashOptions are the hasher's bound and options (default: one
	// slot per CPU, the default queue timeout).
	hashSlots   int
	hashOptions []argon2.Option
	// wrapHasher, when not nil, wraps the hasher the use cases get.
	wrapHasher func(ports.Hasher) ports.Hasher
	// config adjusts the App's policy, starting from app.DefaultConfig.
	config func(*app.Config)
	// options adjust the HTTP Options (rate limits, proxies, ...).
	options []func(*httpapi.Options)
	// notifier, when not nil, wraps the recording mailbox (a mail server that is
	// slow or held, say); the mailbox still records what gets through.
	notifier func(ports.Notifier) ports.Notifier
	// tokens, when not nil, wraps the backend's token store (one that holds its
	// writes, say).
	tokens func(ports.TokenStore) ports.TokenStore
	// providers are the identity providers (none when nil).
	providers ports.Providers
}

// newEnvWith is newEnv with the choices of s.
func newEnvWith(t testing.TB, backend string, s envSetup) *env {
	t.Helper()
	b := s.backend
	if b == nil {
		b = backendtest.Open(t, backend)
	}
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	signingKey := s.signingKey
	if signingKey == nil {
		seed, err := jwt.GenerateEd25519Seed()
		if err != nil {
			t.Fatal(err)
		}
		signingKey = ed25519.NewKeyFromSeed(seed)
	}
	keys, err := jwt.NewKeySet(signingKey)
	if err != nil {
		t.Fatal(err)
	}
	issuer := jwt.NewIssuer(keys, jwt.Options{Issuer: testIssuer, Audience: "authd", Now: clock.Now})
	refreshKey := s.refreshKey
	if refreshKey == nil {
		if refreshKey, err = jwt.GenerateRefreshKey(); err != nil {
			t.Fatal(err)
		}
	}
	codec, err := jwt.NewRefreshCodec(refreshKey)
	if err != nil {
		t.Fatal(err)
	}
	params := s.hasher
	if params == (argon2.Params{}) {
		params = argon2.Params{Memory: 1024, Time: 1, Threads: 1}
	}
	cfg := app.DefaultConfig()
	if s.config != nil {
		s.config(&cfg)
	}
	mail := newMailbox()
	registry := prometheus.NewRegistry()
	var notifier ports.Notifier = metrics.Notifier(mail, registry)
	if s.notifier != nil {
		notifier = metrics.Notifier(s.notifier(mail), registry)
	}
	hasher := argon2.New(params, s.hashSlots, s.hashOptions...)
	var useHasher ports.Hasher = hasher
	if s.wrapHasher != nil {
		useHasher = s.wrapHasher(hasher)
	}
	relyingParty := s.relyingParty
	if relyingParty == nil {
		relyingParty = testRelyingParty(t)
	}
	tokens := b.Tokens()
	if s.tokens != nil {
		tokens = s.tokens(tokens)
	}
	core := app.New(app.Deps{
		Users: b.Users(), Credentials: b.Credentials(), Throttle: b.Throttle(), Sessions: b.Sessions(), Tokens: tokens,
		Events: b.Events(), Outbox: b.Outbox(), Sealer: testSealer(t),
		MFA: b.MFA(), OTP: totp.New(),
		Passkeys: b.Passkeys(), WebAuthn: relyingParty,
		Identities: b.Identities(), Providers: s.providers,
		Hasher:        useHasher,
		AccessTokens:  issuer,
		RefreshTokens: codec,
		Notifier:      notifier,
		Clock:         clock,
		Random:        rand.Reader,
		Identifiers:   identifiers.New(),
		// As in cmd/authd, the admission wait is observed into the registry.
		ObservePasswordWait: metrics.RegisterHashQueueWait(registry),
	}, cfg)
	e := &env{core: core, backend: b, clock: clock, mail: mail, registry: registry, ready: &readiness{}, hasher: hasher}
	opts := httpapi.Options{
		PublicURL: "http://localhost:8080", Issuer: testIssuer, Keys: issuer,
		Ready: e.ready.check, Registry: e.registry, Version: "test",
	}
	for _, f := range s.options {
		f(&opts)
	}
	e.api = httpapi.New(core, opts)
	return e
}

// spec is the OpenAPI document every response is validated against, loaded once.
var spec = sync.OnceValues(func() (routers.Router, error) {
	doc, err := loadSpec()
	if err != nil {
		return nil, err
	}
	for _, ct := range []string{"text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	openapi3filter.RegisterBodyDecoder("image/png", openapi3filter.FileBodyDecoder)
	return gorillamux.NewRouter(doc)
})

// loadSpec reads, parses and validates a fresh copy of openapi.json.
func loadSpec() (*openapi3.T, error) {
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	return doc, nil
}

// specDoc returns the parsed document, for checks beyond one response.
func specDoc(t testing.TB) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// response is what a test sees of one exchange.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// outgoing is one request a test is about to send, with what the test says about it.
type outgoing struct {
	*http.Request
	// offSpec is why the request does not match openapi.json on purpose; empty for
	// a request that must match it.
	offSpec string
}

// reqOption adjusts a request before it is sent.
type reqOption func(*outgoing)

// bearer sends an Authorization: Bearer header.
func bearer(token string) reqOption {
	return func(r *outgoing) { r.Header.Set("Authorization", "Bearer "+token) }
}

// header sets one request header.
func header(k, v string) reqOption {
	return func(r *outgoing) { r.Header.Set(k, v) }
}

// invalidRequest marks a request that does not match openapi.json on purpose
// (malformed JSON, a wrong type, an undocumented field or path, ...); why says how.
// env.do then fails the test if the request does match the document, so that a
// mark cannot outlive its reason.
func invalidRequest(why string) reqOption {
	return func(r *outgoing) { r.offSpec = why }
}

// do sends one request through the Fiber app and validates the request and the
// response against the OpenAPI document; a mismatch fails the test. A request that
// is off the document on purpose says so with invalidRequest. body is nil (no
// body), a string or []byte (sent as is) or anything else (sent as JSON).
func (e *env) do(t testing.TB, method, path string, body any, opts ...reqOption) response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req := &outgoing{Request: httptest.NewRequest(method, path, bytes.NewReader(raw))}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	if method != http.MethodOptions { // CORS preflights are answered by middleware, outside the API
		checkRequest(t, method, path, req.Header, raw, req.offSpec)
	}
	res, err := e.api.Test(req.Request, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: out}
	if method != http.MethodOptions { // CORS preflights are answered by middleware, outside the API
		validate(t, method, path, r)
	}
	return r
}

// validate checks r against the OpenAPI document: status, headers, content type
// and body schema of the operation. A path the document does not describe must be
// answered with a problem document.
func validate(t testing.TB, method, path string, r response) {
	t.Helper()
	router, err := spec()
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	req, err := http.NewRequest(method, "http://localhost:8080"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		var p map[string]any
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s (not in the document): Content-Type %q, want application/problem+json", method, path, ct)
		}
		if err := json.Unmarshal(r.Body, &p); err != nil {
			t.Errorf("%s %s: problem body: %v", method, path, err)
			return
		}
		problem := specDoc(t).Components.Schemas["Problem"].Value
		if err := problem.VisitJSON(p); err != nil {
			t.Errorf("%s %s: problem body does not match the Problem schema: %v", method, path, err)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 r.Status,
		Header:                 r.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s %s -> %d does not match openapi.json: %v\nbody: %s", method, path, r.Status, err, r.Body)
	}
	checkErrorCode(t, method, path, route.Operation, r)
}

// decode unmarshals the body into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// problem is the decoded error body.
type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
	// Error and ErrorDescription are the token endpoint's OAuth members.
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// expect fails unless r has the given status and, for an error, the given code.
func (r response) expect(t testing.TB, status int, code string) problem {
	t.Helper()
	var p problem
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.Status, status, r.Body)
	}
	if code != "" {
		r.decode(t, &p)
		if p.Code != code {
			t.Fatalf("code = %q, want %q; body: %s", p.Code, code, r.Body)
		}
		if p.Status != status {
			t.Fatalf("problem status = %d, want %d", p.Status, status)
		}
	}
	return p
}

// userJSON is the user object of the API.
type userJSON struct {
	ID          string  `json:"id"`
	Email       string  `json:"email"`
	Username    string  `json:"username"`
	Name        string  `json:"name"`
	Mobile      string  `json:"mobile"`
	Role        string  `json:"role"`
	Status      string  `json:"status"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
	ActivatedAt *string `json:"activated_at"`
	MFAEnabled  bool    `json:"mfa_enabled"`
	Locale      string  `json:"locale"`
}

type userBody struct {
	User userJSON `json:"user"`
}

// tokens is the token response.
type tokens struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	RefreshToken string   `json:"refresh_token"`
	User         userJSON `json:"user"`
}

// uniq returns an e-mail address no other test uses, so tests can share a backend.
var uniqCounter struct {
	sync.Mutex
	n int
}

func uniqEmail(prefix string) string {
	uniqCounter.Lock()
	defer uniqCounter.Unlock()
	uniqCounter.n++
	return fmt.Sprintf("%s-%d-%d@example.com", strings.ToLower(prefix), time.Now().UnixNano()%1e6, uniqCounter.n)
}

const password = "correct horse battery"

// signUp creates a pending account through the API and returns it.
func (e *env) signUp(t testing.TB, email string) userJSON {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/signup", map[string]string{"email": email, "password": password})
	r.expect(t, 201, "")
	var b userBody
	r.decode(t, &b)
	return b.User
}

// activeUser signs up and activates an account through the API; it returns its id.
func (e *env) activeUser(t testing.TB, email string) string {
	t.Helper()
	u := e.signUp(t, email)
	e.do(t, "POST", "/v1/auth/activate", map[string]string{"token": e.mail.activationFor(email)}).expect(t, 200, "")
	return u.ID
}

// login logs in by e-mail with the shared password and returns the tokens.
func (e *env) login(t testing.TB, email string) tokens {
	t.Helper()
	return e.loginWith(t, email, password)
}

func (e *env) loginWith(t testing.TB, email, pw string) tokens {
	t.Helper()
	r := e.do(t, "POST", "/v1/auth/login", map[string]string{"email": email, "password": pw})
	r.expect(t, 200, "")
	var tk tokens
	r.decode(t, &tk)
	return tk
}

// admin creates an active admin and logs it in.
func (e *env) admin(t testing.TB) (string, tokens) {
	t.Helper()
	email := uniqEmail("admin")
	u, err := e.core.CreateAdmin(context.Background(), app.SignUpInput{Email: email, Password: password})
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	return u.ID, e.login(t, email)
}

// refresh exchanges a refresh token in the body.
func (e *env) refresh(t testing.TB, refreshToken string) response {
	t.Helper()
	return e.do(t, "POST", "/v1/auth/refresh", map[string]string{"refresh_token": refreshToken})
}

// liveServer is e's API listening on a loopback port, for the few exchanges
// app.Test cannot carry.
type liveServer struct {
	base   string
	client *http.Client
}

// served starts e's API on 127.0.0.1:0 until t ends; app.Test keeps working on e
// meanwhile and afterwards.
func served(t testing.TB, e *env) liveServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, e, ln)
	return liveServer{base: "http://" + ln.Addr().String(), client: &http.Client{Timeout: 10 * time.Second}}
}

// postDeclaring sends a JSON POST whose Content-Length declares n bytes but sends
// only the headers, and validates the response like env.do. The server must answer
// from the declared length alone: a client that wrote the whole oversized body could
// see the server close the connection mid-write (EPIPE) and lose the answer.
func (s liveServer) postDeclaring(t testing.TB, path string, n int) response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, n)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("POST %s declaring %d bytes: %v", path, n, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{Status: res.StatusCode, Header: res.Header, Body: out}
	validate(t, "POST", path, r)
	return r
}

// testSealer is an AES-256-GCM sealer under a fresh random key.
func testSealer(t testing.TB) *aesgcm.Sealer {
	t.Helper()
	key, err := aesgcm.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := aesgcm.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// settle delivers the outbox — link requests, then the mails they store — as the
// dispatcher of a running authd would.
func (e *env) settle(t testing.TB) {
	t.Helper()
	for {
		n, err := e.core.DispatchOnce(context.Background())
		if err != nil {
			t.Fatalf("DispatchOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
}
