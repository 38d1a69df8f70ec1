package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/authd/authd/adapters/sqlstore"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url   string
		wantDialect string
		wantDriver  string
		wantMemory  bool
		dsnHas      []string // substrings the driver DSN must contain
	}{
		{"sqlite relative", "sqlite://authd.db", "sqlite", "sqlite", false,
			[]string{"authd.db?", "_txlock=immediate", "_foreign_keys=1", "_journal_mode=WAL", "_busy_timeout=10000"}},
		{"sqlite relative subdir", "sqlite://data/authd.db", "sqlite", "sqlite", false, []string{"data/authd.db?"}},
		{"sqlite absolute", "sqlite:///var/lib/authd/authd.db", "sqlite", "sqlite", false, []string{"/var/lib/authd/authd.db?"}},
		{"sqlite memory", "sqlite://:memory:", "sqlite", "sqlite", true, []string{":memory:?", "_txlock=immediate"}},
		{"sqlite own busy timeout kept", "sqlite://a.db?_busy_timeout=50&_synchronous=NORMAL", "sqlite", "sqlite", false,
			[]string{"_busy_timeout=50", "_synchronous=NORMAL"}},
		{"sqlite txlock forced", "sqlite://a.db?_txlock=deferred", "sqlite", "sqlite", false, []string{"_txlock=immediate"}},
		{"postgres", "postgres://u:p@db.example:5432/authd?sslmode=disable", "postgres", "pgx", false,
			[]string{"postgres://u:p@db.example:5432/authd?", "sslmode=disable", "connect_timeout=5"}},
		{"postgresql scheme", "postgresql://u@localhost/authd", "postgres", "pgx", false, []string{"postgresql://u@localhost/authd"}},
		{"postgres own connect timeout", "postgres://u@h/db?connect_timeout=1", "postgres", "pgx", false, []string{"connect_timeout=1"}},
		{"mysql", "mysql://app:s3cret@db.example:3307/authd", "mysql", "mysql", false,
			[]string{"app:s3cret@tcp(db.example:3307)/authd?", "parseTime=true", "clientFoundRows=true", "timeout=5s"}},
		{"mysql default port", "mysql://root@127.0.0.1/test", "mysql", "mysql", false, []string{"root@tcp(127.0.0.1:3306)/test"}},
		{"mysql params passed on", "mysql://root@h:3306/test?tls=skip-verify", "mysql", "mysql", false, []string{"tls=skip-verify"}},
		{"mysql escaped password", "mysql://app:p%40ss%2Fw@h:3306/db", "mysql", "mysql", false, []string{"app:p@ss/w@tcp(h:3306)/db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := sqlstore.ParseURL(tt.url)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			if got.Dialect != tt.wantDialect || got.Driver != tt.wantDriver || got.Memory != tt.wantMemory {
				t.Errorf("ParseURL(%q) = dialect %q driver %q memory %v, want %q %q %v",
					tt.url, got.Dialect, got.Driver, got.Memory, tt.wantDialect, tt.wantDriver, tt.wantMemory)
			}
			for _, s := range tt.dsnHas {
				if !strings.Contains(got.DSN, s) {
					t.Errorf("ParseURL(%q) DSN = %q, want it to contain %q", tt.url, got.DSN, s)
				}
			}
		})
	}
}

func TestParseURLRejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url string }{
		{"no scheme", "authd.db"},
		{"unknown scheme", "oracle://scott:tiger@h/db"},
		{"dynamodb is not SQL", "dynamodb://table?region=eu-west-1"},
		{"sqlite without path", "sqlite://"},
		{"mysql without database", "mysql://root:topsecret@h:3306/"},
		{"mysql without host", "mysql:///db"},
		{"postgres bad port", "postgres://u:topsecret@h:notaport/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sqlstore.ParseURL(tt.url)
			if err == nil {
				t.Fatalf("ParseURL(%q) = nil error, want an error", tt.url)
			}
			if strings.Contains(err.Error(), "topsecret") {
				t.Errorf("ParseURL(%q) error %q leaks the password", tt.url, err)
			}
		})
	}
}
