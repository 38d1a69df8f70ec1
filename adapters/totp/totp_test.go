package totp_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// TestRFC6238Vectors checks the codes of RFC 6238 Appendix B (the last six of its
// eight digits, which is what a 6-digit code is).
func TestRFC6238Vectors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
		{1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"},
	} {
		got, err := totp.Code(rfcSecret, totp.Step(time.Unix(tc.unix, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.code {
			t.Errorf("code at %d = %s, want %s", tc.unix, got, tc.code)
		}
		step, ok := totp.New().Check(rfcSecret, tc.code, time.Unix(tc.unix, 0))
		if !ok || step != tc.unix/30 {
			t.Errorf("Check(%s at %d) = %d, %v; want %d, true", tc.code, tc.unix, step, ok, tc.unix/30)
		}
	}
}

// TestCheckWindow: a code is good one step either side of now and no further, and
// Check names the step it matched.
func TestCheckWindow(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000015, 0)
	now := totp.Step(at)
	o := totp.New()
	for _, tc := range []struct {
		offset int64
		ok     bool
	}{{-2, false}, {-1, true}, {0, true}, {1, true}, {2, false}} {
		code, err := totp.Code(rfcSecret, now+tc.offset)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := o.Check(rfcSecret, code, at)
		if ok != tc.ok || (ok && step != now+tc.offset) {
			t.Errorf("offset %d: Check = %d, %v; want %d, %v", tc.offset, step, ok, now+tc.offset, tc.ok)
		}
	}
}

// TestCheckRefusesMalformed: anything but six digits is wrong, and so is any code
// against another secret.
func TestCheckRefusesMalformed(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)
	good, _ := totp.Code(rfcSecret, totp.Step(at))
	o := totp.New()
	for _, code := range []string{"", "12345", "1234567", "12345a", " " + good[1:], good + " ", "١٢٣٤٥٦"} {
		if _, ok := o.Check(rfcSecret, code, at); ok {
			t.Errorf("Check(%q) accepted", code)
		}
	}
	if _, ok := o.Check([]byte("another secret of 20b"), good, at); ok {
		t.Errorf("a code of another secret was accepted")
	}
	if _, ok := o.Check(nil, good, at); ok {
		t.Errorf("an empty secret accepted a code")
	}
}

// TestKey: the URI is what authenticator apps read, and its secret is the base32
// returned beside it.
func TestKey(t *testing.T) {
	t.Parallel()
	b32, uri, err := totp.New().Key("authd", "ann@example.com", rfcSecret)
	if err != nil {
		t.Fatal(err)
	}
	if b32 != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("base32 = %s", b32)
	}
	u, err := url.Parse(uri)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || !strings.HasPrefix(u.Path, "/authd:ann@example.com") ||
		q.Get("secret") != b32 || q.Get("issuer") != "authd" || q.Get("digits") != "6" || q.Get("period") != "30" ||
		q.Get("algorithm") != "SHA1" {
		t.Errorf("uri = %s", uri)
	}
	if _, _, err := totp.New().Key("authd", "ann@example.com", nil); err == nil {
		t.Errorf("an empty secret made a key")
	}
}
