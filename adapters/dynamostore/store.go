package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/authd/authd/ports"
)

// Options tune the SDK client. The zero value is production-ready.
type Options struct {
	// MaxAttempts bounds the SDK's attempts per call, the first included, so that a
	// throttled or unreachable DynamoDB answers unavailable within a bounded time
	// instead of stalling requests. Default 3.
	MaxAttempts int
	// MaxBackoff caps the SDK's delay between attempts. Default 1s.
	MaxBackoff time.Duration
	// APIOptions are added to every call's middleware stack: instrumentation, or
	// fault injection in tests.
	APIOptions []func(*middleware.Stack) error
	// EventRetention is how long audit events and dead deliveries are kept: their
	// ttl attribute is set that far past their time (AUTH_AUDIT_RETENTION). 0 keeps
	// them until EventStore.Purge deletes them.
	EventRetention time.Duration
}

// Location is what a dynamodb:// URL names.
type Location struct {
	// Table is the DynamoDB table holding every item.
	Table string
	// Region overrides the region of the AWS configuration chain when set.
	Region string
	// Endpoint overrides the service endpoint, e.g. http://127.0.0.1:8000 for
	// DynamoDB Local.
	Endpoint string
}

// tableName is DynamoDB's rule for table names.
var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

// ParseURL reads dynamodb://TABLE?region=R&endpoint=URL. Unknown parameters are
// refused, so a typo cannot silently point the service at the wrong place.
func ParseURL(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("dynamodb url: %w", err)
	}
	if u.Scheme != "dynamodb" {
		return Location{}, fmt.Errorf("dynamodb url: scheme must be dynamodb, got %q", u.Scheme)
	}
	if u.User != nil || u.Port() != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" {
		return Location{}, errors.New("dynamodb url: must be dynamodb://TABLE?region=R&endpoint=URL")
	}
	loc := Location{Table: u.Host}
	if !tableName.MatchString(loc.Table) {
		return Location{}, fmt.Errorf("dynamodb url: table name %q must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.'", loc.Table)
	}
	for key, vals := range u.Query() {
		if len(vals) != 1 {
			return Location{}, fmt.Errorf("dynamodb url: parameter %q given %d times", key, len(vals))
		}
		switch key {
		case "region":
			loc.Region = vals[0]
		case "endpoint":
			loc.Endpoint = vals[0]
			e, err := url.Parse(loc.Endpoint)
			if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
				return Location{}, fmt.Errorf("dynamodb url: endpoint %q must be an http or https URL", loc.Endpoint)
			}
		default:
			return Location{}, fmt.Errorf("dynamodb url: unknown parameter %q (want region, endpoint)", key)
		}
	}
	return loc, nil
}

// Store is one DynamoDB table holding every entity of authd. It is safe for
// concurrent use.
type Store struct {
	db    *dynamodb.Client
	table string
	opts  Options
}

var _ ports.Backend = (*Store)(nil)

// Open connects to the table the URL names; it does not create it (see Migrate).
// Credentials and region come from the standard AWS chain (environment, shared
// files, SSO, instance or task role). With an endpoint and no credentials in the
// chain, static dummy credentials are used, so DynamoDB Local needs no setup.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	loc, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Second
	}
	load := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			r := retry.AddWithMaxAttempts(retry.NewStandard(), opts.MaxAttempts)
			return retry.AddWithMaxBackoffDelay(r, opts.MaxBackoff)
		}),
	}
	if loc.Region != "" {
		load = append(load, config.WithRegion(loc.Region))
	}
	if loc.Endpoint != "" && isLoopback(loc.Endpoint) {
		// A loopback endpoint is DynamoDB Local: asking the EC2 metadata service for
		// credentials would only add seconds of timeouts to every start.
		load = append(load, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("dynamodb: load AWS configuration: %w", err)
	}
	if loc.Endpoint != "" {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if !haveCredentials(ctx, cfg) {
			// DynamoDB Local accepts any key id of letters and digits only.
			cfg.Credentials = credentials.NewStaticCredentialsProvider("authdlocal", "authdlocal", "")
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("dynamodb: no region: set ?region= in AUTH_DATABASE_URL or AWS_REGION")
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if loc.Endpoint != "" {
			o.BaseEndpoint = aws.String(loc.Endpoint)
		}
		if loc.Endpoint != "" && isLoopback(loc.Endpoint) {
			// DynamoDB Local's X-Amz-Crc32 does not match its error bodies; checking
			// it only logs a warning per conditional failure.
			o.DisableValidateResponseChecksum = true
		}
		o.APIOptions = append(o.APIOptions, opts.APIOptions...)
	})
	return &Store{db: client, table: loc.Table, opts: opts}, nil
}

// haveCredentials reports whether the chain yields credentials within a short bound.
func haveCredentials(ctx context.Context, cfg aws.Config) bool {
	if cfg.Credentials == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := cfg.Credentials.Retrieve(ctx)
	return err == nil
}

// isLoopback reports whether endpoint's host is localhost or a loopback address.
func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Client returns the SDK client, for operations tooling and tests that need a raw
// view of the table.
func (s *Store) Client() *dynamodb.Client { return s.db }

// Table returns the table name.
func (s *Store) Table() string { return s.table }

// Users returns the user store.
func (s *Store) Users() ports.UserStore { return &UserStore{s: s} }

// Credentials returns the credential store.
func (s *Store) Credentials() ports.CredentialStore { return &CredentialStore{s: s} }

// Throttle returns the failed-login counter.
func (s *Store) Throttle() ports.LoginThrottle { return &LoginThrottle{s: s} }

// Sessions returns the session store.
func (s *Store) Sessions() ports.SessionStore { return &SessionStore{s: s} }

// Tokens returns the one-time-token store.
func (s *Store) Tokens() ports.TokenStore { return &TokenStore{s: s} }

// Secrets returns the secret store.
func (s *Store) Secrets() ports.SecretStore { return &SecretStore{s: s} }

// Events returns the audit log.
func (s *Store) Events() ports.EventStore { return &EventStore{s: s} }

// Outbox returns the outbox of deliveries.
func (s *Store) Outbox() ports.Outbox { return &Outbox{s: s} }

// Ping describes the table: unavailable when DynamoDB cannot be reached, the
// credentials are refused or the table is missing.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// Close releases nothing: the SDK's HTTP client keeps no state that needs closing.
// It exists to satisfy ports.Backend.
func (s *Store) Close() error { return nil }
