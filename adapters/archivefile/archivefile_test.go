package archivefile_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/domain"
)

var at = time.Date(2026, 12, 1, 10, 11, 12, 123456789, time.UTC)

func sample() domain.Account {
	used := at.Add(time.Minute)
	return domain.Account{
		User: domain.User{ID: "u1", Email: "ann@example.com", Username: "ann", Role: domain.RoleUser, Status: domain.StatusActive,
			PasswordHash: "$2a$04$x", CreatedAt: at, UpdatedAt: at, ActivatedAt: &at, MFAEnabled: true, Locale: "es"},
		Factors: []domain.Factor{{ID: "f1", UserID: "u1", Type: domain.FactorTOTP, Status: domain.FactorActive,
			Secret: []byte{0, 1, 2, 255}, LastStep: 7, CreatedAt: at, LastUsedAt: &used}},
		RecoveryCodes: []string{"h1", "h2"},
		Passkeys: []domain.Passkey{{ID: "p1", UserID: "u1", CredentialID: []byte("cred"), PublicKey: []byte("pk"),
			UserHandle: []byte("uh"), SignCount: 3, Transports: []string{"usb"}, Name: "key", CreatedAt: at}},
		Sessions: []domain.Session{{ID: "s1", UserID: "u1", Counter: 5, RotatedAt: at, CreatedAt: at, ExpiresAt: at.Add(time.Hour),
			AAL: domain.AAL2, AMR: []string{"pwd", "otp"}, AuthTime: at}},
		Tokens: []domain.OneTimeToken{{Hash: "abc", Kind: domain.TokenEmailChange, UserID: "u1", NewEmail: "new@example.com",
			CreatedAt: at, ExpiresAt: at.Add(time.Hour)}},
		Identities: []domain.Identity{{Provider: "google", Subject: "1234567890", UserID: "u1", Email: "ann@gmail.com",
			CreatedAt: at, LastUsedAt: &used}},
	}
}

func write(t *testing.T, accs ...domain.Account) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := archivefile.NewWriter(&buf, "sqlite", at)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Secret(domain.Secret{Name: "refresh_key", Value: []byte("k")}); err != nil {
		t.Fatal(err)
	}
	for _, a := range accs {
		if err := w.Account(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Event(domain.Event{ID: "e1", Type: domain.EventLoginSucceeded, UserID: "u1", At: at, Data: map[string]any{"method": "pwd"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(data []byte) ([]archivefile.Item, error) {
	r, err := archivefile.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	var items []archivefile.Item
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		items = append(items, it)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	a, b := sample(), domain.Account{User: domain.User{ID: "u2", Email: "bo@example.com", Role: domain.RoleUser, Status: domain.StatusPending, CreatedAt: at, UpdatedAt: at}}
	data := write(t, a, b)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 12 || !strings.HasPrefix(lines[0], `{"kind":"header","format":"authd-archive","version":1`) || !strings.HasPrefix(lines[11], `{"kind":"end"`) {
		t.Fatalf("file = %d lines starting %.60s, want 12 from header to end", len(lines), lines[0])
	}
	items, err := readAll(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 4 || items[0].Secret == nil || items[1].Account == nil || items[2].Account == nil || items[3].Event == nil {
		t.Fatalf("items = %+v, want secret, account, account, event", items)
	}
	if !reflect.DeepEqual(*items[1].Account, a) {
		t.Errorf("account = %+v\nwant      %+v", *items[1].Account, a)
	}
	if items[2].Account.User.ID != "u2" || len(items[2].Account.Sessions) != 0 {
		t.Errorf("second account = %+v, want u2 alone", *items[2].Account)
	}
	if items[3].Event.Data["method"] != "pwd" {
		t.Errorf("event = %+v", *items[3].Event)
	}
}

func TestDamagedFilesAreRefused(t *testing.T) {
	t.Parallel()
	data := string(write(t, sample()))
	lines := strings.SplitAfter(data, "\n")
	cases := map[string]string{
		"cut off":          strings.Join(lines[:len(lines)-2], ""),
		"line dropped":     strings.Join(append(append([]string{}, lines[:3]...), lines[4:]...), ""),
		"another version":  strings.Replace(data, `"version":1`, `"version":2`, 1),
		"not an archive":   `{"kind":"user"}` + "\n",
		"after the end":    data + lines[1],
		"orphan record":    lines[0] + `{"kind":"session","user_id":"nobody","session":{"id":"s"}}` + "\n",
		"unknown kind":     lines[0] + `{"kind":"identity_v9"}` + "\n",
		"broken JSON line": lines[0] + "{\n",
	}
	for name, in := range cases {
		if _, err := readAll([]byte(in)); err == nil {
			t.Errorf("%s: read without error, want one", name)
		}
	}
}
