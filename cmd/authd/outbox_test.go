package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// killableBinary serves with bin and env until kill (SIGKILL, no shutdown at all)
// or the end of t.
func killableBinary(t *testing.T, bin string, env map[string]string) (binaryAPI, func()) {
	t.Helper()
	cmd := binaryCommand(t, bin, env, "serve")
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	var once sync.Once
	kill := func() {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-exited
		})
	}
	t.Cleanup(kill)
	waitHealthy(t, env["AUTH_LISTEN"], 60*time.Second, exited, logs.String)
	return binaryAPI{base: "http://" + env["AUTH_LISTEN"], client: &http.Client{Timeout: 30 * time.Second}}, kill
}

// publicURL is the AUTH_PUBLIC_URL of the kill tests, which their mailed links carry.
const publicURL = "https://auth.example.test"

// mailDownEnv is the environment of a binary on backend whose mail server, at
// smtpAddr, is not up yet.
func mailDownEnv(t *testing.T, backend, smtpAddr string) map[string]string {
	return map[string]string{
		"AUTH_DATABASE_URL": backendtest.URL(t, backend),
		"AUTH_LISTEN":       freeAddr(t),
		"AUTH_ARGON2":       "m=1024,t=1,p=1",
		"AUTH_PUBLIC_URL":   publicURL,
		"AUTH_SMTP_URL":     "smtp://" + smtpAddr,
		"AUTH_MAIL_FROM":    "authd <no-reply@example.com>",
	}
}

// TestMailSurvivesAKill: a sign-up is answered 201 while the mail server is down,
// and the server is killed (SIGKILL) at once. Once the mail server is up and authd
// runs again, the activation mail arrives and its link activates the account.
func TestMailSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	backendtest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		smtpAddr := freeAddr(t) // nothing listens there yet: the mail server is down
		env := mailDownEnv(t, backend, smtpAddr)
		api, kill := killableBinary(t, bin, env)
		email := "survivor@example.com"
		api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "the real password"})
		kill()

		mb := smtptest.Start(t, smtptest.Options{Addr: smtpAddr})
		env["AUTH_LISTEN"] = freeAddr(t)
		api = startBinary(t, bin, env)
		// The first attempt failed before the kill, so the row is due again within
		// the back-off (about a second) — or, if the kill came mid-attempt, when its
		// one-minute lease runs out.
		msg := mb.Next(t, 90*time.Second)
		token := mailToken(t, msg, email, "Activate your account", publicURL, "/activate")
		out := api.call(t, 200, "POST", "/v1/auth/activate", "", map[string]any{"token": token})
		if u, _ := out["user"].(map[string]any); u["status"] != "active" {
			t.Errorf("activation with the mailed link = %v, want an active account", out)
		}
	})
}

// TestForgotSurvivesAKill: a password-reset request is answered 202 and the server
// is killed (SIGKILL) at once, before anything is known about the address and while
// the mail server is down. Once both run again, the reset mail arrives and its link
// sets the new password: the 202 was a promise the store kept.
func TestForgotSurvivesAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	backendtest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		smtpAddr := freeAddr(t) // nothing listens there yet: the mail server is down
		env := mailDownEnv(t, backend, smtpAddr)
		env["AUTH_REQUIRE_ACTIVATION"] = "false" // no sign-up mail: the reset mail is the only one
		api, kill := killableBinary(t, bin, env)
		email := "forgetful@example.com"
		api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "the old password"})
		api.call(t, 202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": email})
		kill()

		mb := smtptest.Start(t, smtptest.Options{Addr: smtpAddr})
		env["AUTH_LISTEN"] = freeAddr(t)
		api = startBinary(t, bin, env)
		msg := mb.Next(t, 90*time.Second)
		token := mailToken(t, msg, email, "Reset your password", publicURL, "/reset-password")
		api.call(t, 204, "POST", "/v1/auth/password/reset", "", map[string]any{"token": token, "new_password": "the new password"})
		api.call(t, 200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "the new password"})
	})
}

// receiver is a webhook endpoint that fails its first `failures` requests with 500.
type receiver struct {
	mu       sync.Mutex
	failures int
	got      []webhookRequest
}

type webhookRequest struct {
	id, timestamp, signature string
	body                     []byte
	status                   int
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	status := http.StatusOK
	if r.failures > 0 {
		r.failures--
		status = http.StatusInternalServerError
	}
	r.got = append(r.got, webhookRequest{req.Header.Get("webhook-id"), req.Header.Get("webhook-timestamp"),
		req.Header.Get("webhook-signature"), body, status})
	w.WriteHeader(status)
}

func (r *receiver) requests() []webhookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookRequest(nil), r.got...)
}

// TestWebhookRetriedWithOneIDAcrossAKill: the receiver answers 500 three times and
// then 200; authd is killed right after the sign-up and started again. The event
// arrives with one webhook-id on every attempt, and each attempt's signature
// verifies with this test's own HMAC.
func TestWebhookRetriedWithOneIDAcrossAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	backendtest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		key := []byte("a webhook key of thirty-two bytes")
		rcv := &receiver{failures: 3}
		srv := httptest.NewServer(rcv)
		defer srv.Close()
		env := map[string]string{
			"AUTH_DATABASE_URL":       backendtest.URL(t, backend),
			"AUTH_LISTEN":             freeAddr(t),
			"AUTH_ARGON2":             "m=1024,t=1,p=1",
			"AUTH_REQUIRE_ACTIVATION": "false",
			"AUTH_WEBHOOK_URL":        srv.URL + "/hooks/authd",
			"AUTH_WEBHOOK_SECRET":     "whsec_" + base64.StdEncoding.EncodeToString(key),
			"AUTH_WEBHOOK_EVENTS":     "user.created",
		}
		api, kill := killableBinary(t, bin, env)
		created := api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": "hooked@example.com", "password": "the real password"})
		userID, _ := created["user"].(map[string]any)["id"].(string)
		kill()
		env["AUTH_LISTEN"] = freeAddr(t)
		startBinary(t, bin, env)

		deadline := time.Now().Add(90 * time.Second)
		var got []webhookRequest
		for {
			got = rcv.requests()
			if n := len(got); n > 0 && got[n-1].status == 200 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if len(got) < 4 || got[len(got)-1].status != 200 {
			t.Fatalf("the receiver got %d requests, the last answered %v; want 3 failures and then a 200", len(got), got)
		}
		ids := map[string]bool{}
		for i, r := range got {
			ids[r.id] = true
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte(r.id + "." + r.timestamp + "."))
			mac.Write(r.body)
			if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); r.signature != want {
				t.Errorf("attempt %d: webhook-signature %q, want %q", i+1, r.signature, want)
			}
			var body struct {
				Type      string         `json:"type"`
				Timestamp string         `json:"timestamp"`
				Data      map[string]any `json:"data"`
			}
			if err := json.Unmarshal(r.body, &body); err != nil || body.Type != "user.created" || body.Data["user_id"] != userID || body.Data["id"] != r.id {
				t.Errorf("attempt %d: body %s (%v), want user.created of %s with data.id = webhook-id", i+1, r.body, err, userID)
			}
		}
		if len(ids) != 1 {
			t.Errorf("webhook-ids over %d attempts: %v, want one", len(got), ids)
		}
		if len(got) > 4 {
			t.Logf("%d attempts for 3 failures (a kill mid-attempt repeats one)", len(got))
		}
	})
}

// TestTwoInstancesDeliverEveryMail runs two instances on one database (PostgreSQL,
// DynamoDB) and signs up 200 accounts through both: every account's activation
// mail arrives; duplicates (at least once allows them) are counted and reported.
func TestTwoInstancesDeliverEveryMail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	for _, backend := range []string{"postgres", "dynamodb"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			mb := smtptest.Start(t, smtptest.Options{})
			url := backendtest.URL(t, backend)
			var apis []binaryAPI
			for range 2 {
				apis = append(apis, startBinary(t, bin, map[string]string{
					"AUTH_DATABASE_URL":      url,
					"AUTH_LISTEN":            freeAddr(t),
					"AUTH_ARGON2":            "m=1024,t=1,p=1",
					"AUTH_SMTP_URL":          "smtp://" + mb.Addr(),
					"AUTH_MAIL_FROM":         "authd <no-reply@example.com>",
					"AUTH_RATE_LIMIT_SIGNUP": "0",
				}))
			}
			const n = 200
			received := map[string]int{}
			done := make(chan struct{})
			go func() {
				defer close(done)
				for total := 0; total < n+50; total++ {
					select {
					case m := <-mb.Messages():
						received[strings.Join(m.To, ",")]++
					case <-time.After(20 * time.Second):
						return
					}
				}
			}()
			parallel(8, func(w int) {
				for i := w; i < n; i += 8 {
					apis[i%2].call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{
						"email": fmt.Sprintf("two-%03d@example.com", i), "password": "the real password"})
				}
			})
			<-done
			missing, dups := 0, 0
			for i := range n {
				c := received[fmt.Sprintf("two-%03d@example.com", i)]
				if c == 0 {
					missing++
				}
				if c > 1 {
					dups += c - 1
				}
			}
			t.Logf("%s: %d sign-ups through two instances, %d distinct mails, %d missing, %d duplicates", backend, n, len(received), missing, dups)
			if missing > 0 || len(received) != n {
				t.Errorf("%d of %d activation mails missing (%d recipients)", missing, n, len(received))
			}
		})
	}
}
