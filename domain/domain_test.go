package domain_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/authd/authd/domain"
)

func TestValidatePasswordCountsCodePoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, wantCode string
	}{
		{"empty", "", "required"},
		{"seven ascii", "abcdefg", "too_short"},
		{"eight ascii", "abcdefgh", ""},
		{"eight code points, sixteen bytes", "ääääääää", ""},
		{"seven code points, fourteen bytes", "äääääää", "too_short"},
		{"four emoji are four characters", "😀😀😀😀", "too_short"},
		{"128 characters", strings.Repeat("é", 128), ""},
		{"129 characters", strings.Repeat("a", 129), "too_long"},
		{"invalid utf-8", "abcdefgh\xff", "invalid"},
		{"spaces only is fine (no composition rules)", "        ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if fe := domain.ValidatePassword("password", tt.password); fe != nil {
				got = fe.Code
				if fe.Field != "password" {
					t.Errorf("field = %q, want %q", fe.Field, "password")
				}
			}
			if got != tt.wantCode {
				t.Errorf("ValidatePassword(%q) code = %q, want %q", tt.password, got, tt.wantCode)
			}
		})
	}
}

func TestNormalizeAndValidateEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, wantNorm string
		valid        bool
	}{
		{"  Ann@Example.COM ", "ann@example.com", true},
		{"a.b+tag@sub.example.org", "a.b+tag@sub.example.org", true},
		{"no-at-sign", "no-at-sign", false},
		{"ann@localhost", "ann@localhost", false},
		{"Ann <ann@example.com>", "ann <ann@example.com>", false},
		{"", "", false},
		{strings.Repeat("a", 250) + "@x.io", strings.Repeat("a", 250) + "@x.io", false},
	}
	for _, tt := range tests {
		got := domain.NormalizeEmail(tt.in)
		if got != tt.wantNorm {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.wantNorm)
		}
		if fe := domain.ValidateEmail("email", got); (fe == nil) != tt.valid {
			t.Errorf("ValidateEmail(%q) = %v, want valid=%v", got, fe, tt.valid)
		}
	}
}

func TestValidateUsername(t *testing.T) {
	t.Parallel()
	for in, valid := range map[string]bool{
		"": true, "ann": true, "ann.lee_2-x": true, "an": false, "-ann": false, "ann.": false,
		"ann lee": false, "ann@x": false, strings.Repeat("a", 33): false, "ÄNN": false,
	} {
		if fe := domain.ValidateUsername("username", strings.ToLower(in)); (fe == nil) != valid {
			t.Errorf("ValidateUsername(%q) = %v, want valid=%v", in, fe, valid)
		}
	}
}

func TestCanLogIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status  domain.Status
		require bool
		want    domain.Code
	}{
		{domain.StatusActive, true, ""},
		{domain.StatusPending, true, domain.CodeAccountNotActive},
		{domain.StatusPending, false, ""},
		{domain.StatusDisabled, false, domain.CodeAccountDisabled},
		{domain.StatusDisabled, true, domain.CodeAccountDisabled},
	}
	for _, tt := range tests {
		u := domain.User{Status: tt.status}
		if got := domain.ErrorCode(u.CanLogIn(tt.require)); got != tt.want {
			t.Errorf("status %s, requireActivation %v: code %q, want %q", tt.status, tt.require, got, tt.want)
		}
	}
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestNewIDIsTimeOrderedUUIDv7(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var ids []string
	for i := range 50 {
		id, err := domain.NewID(base.Add(time.Duration(i)*time.Millisecond), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if !uuidV7.MatchString(id) {
			t.Fatalf("NewID = %q, want a UUIDv7", id)
		}
		ids = append(ids, id)
	}
	if !sort.StringsAreSorted(ids) {
		t.Errorf("ids minted at increasing times are not sorted: %v", ids)
	}
	if got, want := ids[0][:13], fmt.Sprintf("%08x-%04x", base.UnixMilli()>>16, base.UnixMilli()&0xffff); got != want {
		t.Errorf("timestamp prefix = %q, want %q", got, want)
	}
	if _, err := domain.NewID(base, bytes.NewReader(nil)); err == nil {
		t.Error("NewID with an exhausted random source succeeded, want an error")
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("outer: %w", domain.Errorf(domain.CodeNotFound, "no user"))
	tests := []struct {
		err  error
		want domain.Code
	}{
		{nil, ""},
		{errors.New("driver exploded"), domain.CodeInternal},
		{wrapped, domain.CodeNotFound},
		{domain.Invalid(domain.FieldError{Field: "email"}), domain.CodeValidationFailed},
	}
	for _, tt := range tests {
		if got := domain.ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	if got := domain.ErrorMessage(errors.New("pq: secret table name")); strings.Contains(got, "pq") {
		t.Errorf("ErrorMessage leaked internals: %q", got)
	}
}

func TestIsID(t *testing.T) {
	id, err := domain.NewID(time.Now(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{id, true},
		{"01a230f4-3a5a-71ed-a686-bfdad235f476", true},
		{"01A230F4-3A5A-71ED-A686-BFDAD235F476", false}, // not the form issued
		{"01a230f4-3a5a-71ed-a686-bfdad235f47", false},
		{"01a230f4x3a5a-71ed-a686-bfdad235f476", false},
		{"01a230f4-3a5a-71ed-a686-bfdad235f4g6", false},
		{"", false},
		{"zzzz", false},
	} {
		if got := domain.IsID(tc.s); got != tc.want {
			t.Errorf("IsID(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

func TestNextIDSortsAfter(t *testing.T) {
	for _, id := range []string{"01a23183-b588-7c66-a560-95eec7d550ae", "01a23183-b588-7c66-a560-95eec7d5509f", "01a23183-b588-7c66-a560-fffffffffff9"} {
		next := domain.NextID(id)
		if next <= id || len(next) != len(id) || !domain.IsID(next) || next[:24] != id[:24] {
			t.Errorf("NextID(%s) = %s, want a valid id just above it with the same head", id, next)
		}
	}
}
