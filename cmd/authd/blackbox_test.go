package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/notify/smtptest"
)

// TestBlackBoxConcurrency drives the built binary over HTTP on every backend with
// the concurrent requests that once broke the back-off, the reset links and the
// account status (issue 9): parallel guesses, parallel forgot calls, and a user's
// own edits racing an admin's disable.
func TestBlackBoxConcurrency(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := buildBinary(t)
	backendtest.Each(t, func(t *testing.T, backend string) {
		t.Parallel()
		const publicURL = "https://auth.example.test"
		mb := smtptest.Start(t, smtptest.Options{})
		env := map[string]string{
			"AUTH_DATABASE_URL":       backendtest.URL(t, backend),
			"AUTH_LISTEN":             freeAddr(t),
			"AUTH_ARGON2":             "m=1024,t=1,p=1",
			"AUTH_PUBLIC_URL":         publicURL,
			"AUTH_REQUIRE_ACTIVATION": "false",
			"AUTH_SMTP_URL":           "smtp://" + mb.Addr(),
			"AUTH_MAIL_FROM":          "authd <no-reply@example.com>",
			// The per-IP limits would answer 429 too; turned off, every 429 below
			// is the per-identifier back-off.
			"AUTH_RATE_LIMIT_LOGIN":  "0",
			"AUTH_RATE_LIMIT_FORGOT": "0",
			"AUTH_RATE_LIMIT_SIGNUP": "0",
		}
		admin := binaryCommand(t, bin, env, "admin", "create", "--email", "root@example.com")
		admin.Stdin = strings.NewReader("root password here\n")
		if out, err := admin.CombinedOutput(); err != nil {
			t.Fatalf("authd admin create: %v\n%s", err, out)
		}
		api := startBinary(t, bin, env)

		t.Run("ParallelWrongPasswords", func(t *testing.T) {
			api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": "guessed@example.com", "password": "the real password"})
			for _, email := range []string{"guessed@example.com", "no-account@example.com"} {
				var mu sync.Mutex
				statuses := map[int]int{}
				missingRetryAfter := 0
				parallel(40, func(int) {
					status, h, _ := api.send(t, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": "a wrong guess"})
					mu.Lock()
					defer mu.Unlock()
					statuses[status]++
					if status == 429 && h.Get("Retry-After") == "" {
						missingRetryAfter++
					}
				})
				if statuses[401] > 6 || statuses[401]+statuses[429] != 40 || missingRetryAfter > 0 {
					t.Errorf("%s: 40 parallel wrong passwords answered %v (%d 429s without Retry-After); want at most 6 × 401 and the rest 429 with Retry-After",
						email, statuses, missingRetryAfter)
				}
			}
		})

		t.Run("ParallelForgotLeavesOneLink", func(t *testing.T) {
			email := "forgetful@example.com"
			api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "the real password"})
			parallel(10, func(int) {
				api.call(t, 202, "POST", "/v1/auth/password/forgot", "", map[string]any{"email": email})
			})
			var tokens []string
			for range 10 {
				tokens = append(tokens, mailToken(t, mb.Next(t, 20*time.Second), email, "Reset your password", publicURL, "/reset-password"))
			}
			working := 0
			for i, tok := range tokens {
				status, _, body := api.send(t, "POST", "/v1/auth/password/reset", "", map[string]any{"token": tok, "new_password": fmt.Sprintf("new password %d", i)})
				switch {
				case status == 204:
					working++
				case status != 401 || body["code"] != "token_invalid":
					t.Errorf("reset with link %d: %d %v, want 204 or 401 token_invalid", i, status, body)
				}
			}
			if working != 1 {
				t.Errorf("after 10 parallel forgot calls, %d of the 10 mailed links reset the password; want exactly 1", working)
			}
		})

		t.Run("OwnEditsRacingDisable", func(t *testing.T) {
			root := api.login(t, "root@example.com", "root password here")
			email := "edited@example.com"
			created := api.call(t, 201, "POST", "/v1/auth/signup", "", map[string]any{"email": email, "password": "the real password"})
			id := created["user"].(map[string]any)["id"].(string)
			for round := range 5 {
				own := api.login(t, email, "the real password")
				parallel(9, func(i int) {
					if i == 0 {
						api.call(t, 200, "PATCH", "/v1/users/"+id, root, map[string]any{"status": "disabled"})
						return
					}
					// The user's own edits: before the disable they succeed; after it
					// their session is gone. Either way they must not undo it.
					status, _, body := api.send(t, "PATCH", "/v1/users/"+id, own, map[string]any{"name": fmt.Sprintf("Edit %d.%d", round, i)})
					if status != 200 && status != 401 && status != 403 {
						t.Errorf("own PATCH: %d %v, want 200, or 401/403 once disabled", status, body)
					}
				})
				got := api.call(t, 200, "GET", "/v1/users/"+id, root, nil)
				if s := got["user"].(map[string]any)["status"]; s != "disabled" {
					t.Fatalf("round %d: status after the user's edits raced an admin's disable = %v, want disabled", round, s)
				}
				api.call(t, 200, "PATCH", "/v1/users/"+id, root, map[string]any{"status": "active"})
			}
		})
	})
}

// parallel runs fn(0..n-1) at once and waits for all.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// binaryAPI is a running authd binary.
type binaryAPI struct {
	base   string
	client *http.Client
}

// startBinary serves with bin and env until t ends (then SIGTERM), once /healthz
// answers.
func startBinary(t *testing.T, bin string, env map[string]string) binaryAPI {
	t.Helper()
	cmd := binaryCommand(t, bin, env, "serve")
	logs := &syncBuffer{}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	waitHealthy(t, env["AUTH_LISTEN"], 60*time.Second, exited, logs.String)
	return binaryAPI{base: "http://" + env["AUTH_LISTEN"], client: &http.Client{Timeout: 30 * time.Second}}
}

// send makes one JSON request and returns the status, headers and decoded body.
func (b binaryAPI) send(t *testing.T, method, path, token string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, b.base+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, resp.Header, out
}

// call is send that fails t unless the status is want.
func (b binaryAPI) call(t *testing.T, want int, method, path, token string, body any) map[string]any {
	t.Helper()
	status, _, out := b.send(t, method, path, token, body)
	if status != want {
		t.Errorf("%s %s: status %d %v, want %d", method, path, status, out, want)
	}
	return out
}

// login returns an access token for email and password.
func (b binaryAPI) login(t *testing.T, email, password string) string {
	t.Helper()
	out := b.call(t, 200, "POST", "/v1/auth/login", "", map[string]any{"email": email, "password": password})
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("login %s: no access token in %v", email, out)
	}
	return tok
}
