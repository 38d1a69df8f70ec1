// Package webhook sends authd's events to the operator's endpoint as the Standard
// Webhooks specification (https://www.standardwebhooks.com) has it: a POST of the
// JSON body with the headers webhook-id (the message id, the same on every retry),
// webhook-timestamp (Unix seconds of this attempt) and webhook-signature
// ("v1,<base64 HMAC-SHA256 of id.timestamp.body>"), keyed by the bytes of a
// "whsec_"-prefixed base64 secret. Any 2xx is delivered; anything else, or no answer
// within the timeout, is an error the caller retries.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/authd/authd/ports"
)

// SecretPrefix starts every Standard Webhooks secret.
const SecretPrefix = "whsec_"

// DefaultTimeout bounds one attempt: connecting, sending and the answer's headers.
const DefaultTimeout = 10 * time.Second

var _ ports.WebhookSender = (*Sender)(nil)

// Sender posts signed events to one URL.
type Sender struct {
	url    string
	key    []byte
	client *http.Client
	now    func() time.Time
}

// Options tune a Sender; the zero value is the production setting.
type Options struct {
	Timeout time.Duration    // DefaultTimeout when zero
	Now     func() time.Time // the clock of webhook-timestamp; time.Now when nil
}

// ParseSecret decodes a "whsec_" + base64 secret into its key bytes (at least 24,
// as the specification recommends).
func ParseSecret(secret string) ([]byte, error) {
	rest, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New(`must start with "whsec_" followed by the base64 of the key`)
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil {
		return nil, errors.New(`the part after "whsec_" is not valid base64`)
	}
	if len(key) < 24 {
		return nil, fmt.Errorf("the key is %d bytes; use at least 24 (32 recommended)", len(key))
	}
	return key, nil
}

// New returns a Sender to endpoint (an http or https URL) signing with secret.
func New(endpoint, secret string, opts Options) (*Sender, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("webhook: the URL must be an absolute http or https URL")
	}
	key, err := ParseSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("webhook: secret %w", err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Sender{url: endpoint, key: key, now: opts.Now, client: &http.Client{
		Timeout: opts.Timeout,
		// A redirect is not a delivery: the receiver must be configured exactly.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, nil
}

// Sign returns the webhook-signature value of one message: "v1," and the base64
// HMAC-SHA256 of "id.timestamp.body" under key.
func Sign(key []byte, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Send posts body as message id, signed for this attempt's timestamp.
func (s *Sender) Send(ctx context.Context, id string, body []byte) error {
	ts := s.now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "authd-webhooks")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", Sign(s.key, id, ts, body))
	res, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: post: %w", redact(err))
	}
	defer func() { _ = res.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("webhook: the endpoint answered %d", res.StatusCode)
	}
	return nil
}

// redact drops the URL from a client error (it may carry credentials in its query),
// keeping the cause.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
