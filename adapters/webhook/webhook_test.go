package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/authd/authd/adapters/webhook"
)

// The example of the Standard Webhooks specification's reference libraries.
func TestSignMatchesTheSpecificationExample(t *testing.T) {
	t.Parallel()
	key, err := webhook.ParseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := webhook.Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestParseSecretRefusesBadSecrets(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_!!!", "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := webhook.ParseSecret(s); err == nil {
			t.Errorf("ParseSecret(%q) = nil error, want one", s)
		}
	}
}

func TestSendSignsAndReportsStatus(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	status := http.StatusNoContent
	var gotSig, gotID, gotTS string
	var gotBody []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotID, gotTS, gotSig = r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
		gotBody, _ = io.ReadAll(r.Body)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	now := time.Unix(1700000000, 0)
	s, err := webhook.New(srv.URL, secret, webhook.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"user.created"}`)
	if err := s.Send(context.Background(), "evt-1", body); err != nil {
		t.Fatalf("Send to a 204 = %v, want nil", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(gotID + "." + gotTS + "." + string(gotBody)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); gotSig != want || gotID != "evt-1" || gotTS != strconv.FormatInt(now.Unix(), 10) {
		t.Errorf("headers id=%q ts=%q sig=%q, want evt-1, %d, %q", gotID, gotTS, gotSig, now.Unix(), want)
	}
	status = http.StatusInternalServerError
	if err := s.Send(context.Background(), "evt-1", body); err == nil {
		t.Error("Send to a 500 = nil, want an error")
	}
}

func TestSendTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	s, err := webhook.New(srv.URL, "whsec_"+base64.StdEncoding.EncodeToString(make([]byte, 32)), webhook.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := s.Send(context.Background(), "evt", []byte("{}")); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("Send to a stalled endpoint = %v after %v, want a timeout error soon", err, time.Since(start))
	}
}
