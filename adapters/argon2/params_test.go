package argon2_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/argon2"
)

func TestParseParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    argon2.Params
		wantErr string // substring; "" means success
	}{
		{in: "m=19456,t=2,p=1", want: argon2.DefaultParams()},
		{in: " p=2 , m=65536,t=1 ", want: argon2.Params{Memory: 65536, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}},
		{in: "m=1024,t=1,p=1", want: argon2.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}},
		{in: "", wantErr: "not key=value"},
		{in: "m=19456,t=2", wantErr: "p is missing"},
		{in: "m=19456,t=2,p=1,x=3", wantErr: `unknown key "x"`},
		{in: "m=19456,m=2,p=1", wantErr: "m given twice"},
		{in: "m=abc,t=2,p=1", wantErr: "m=abc is not a whole number"},
		{in: "m=-1,t=2,p=1", wantErr: "not a whole number"},
		{in: "m=19456,t=2,p=256", wantErr: "p=256 is not a whole number below 2^8"},
		{in: "m=19456,t=0,p=1", wantErr: "t must be at least 1"},
		{in: "m=19456,t=2,p=0", wantErr: "p must be at least 1"},
		{in: "m=15,t=1,p=2", wantErr: "m must be at least 8 KiB per thread"},
		{in: "m=4294967295,t=1,p=1", wantErr: "m must be at most"},
		{in: "m=19456,t=5000,p=1", wantErr: "t must be at most"},
		{in: "m=19456;t=2;p=1", wantErr: "not a whole number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := argon2.ParseParams(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseParams(%q) error = %v, want nil", tt.in, err)
				}
				if got != tt.want {
					t.Errorf("ParseParams(%q) = %+v, want %+v", tt.in, got, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseParams(%q) error = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestParamsStringRoundTrips(t *testing.T) {
	t.Parallel()
	p := argon2.Params{Memory: 65536, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}
	if got, want := p.String(), "m=65536,t=3,p=4"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
	back, err := argon2.ParseParams(p.String())
	if err != nil || back != p {
		t.Errorf("ParseParams(String()) = %+v, %v; want %+v, nil", back, err, p)
	}
}

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    argon2.Params
		ok   bool
	}{
		{"default", argon2.DefaultParams(), true},
		{"more memory fewer passes", argon2.Params{Memory: 47104, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"less memory more passes", argon2.Params{Memory: 9216, Time: 4, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"cheap test params", argon2.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, false},
		{"default memory one pass", argon2.Params{Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, false},
		{"short key", argon2.Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 8}, false},
		{"zero threads", argon2.Params{Memory: 19456, Time: 2, Threads: 0, SaltLen: 16, KeyLen: 32}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.p.Validate()
			if (err == nil) != tt.ok {
				t.Errorf("Validate(%+v) = %v, want ok=%v", tt.p, err, tt.ok)
			}
		})
	}
}
