package dynamostore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		want    dynamostore.Location
		wantErr string
	}{
		{url: "dynamodb://authd", want: dynamostore.Location{Table: "authd"}},
		{url: "dynamodb://authd?region=eu-west-1", want: dynamostore.Location{Table: "authd", Region: "eu-west-1"}},
		{url: "dynamodb://my_table.v1?region=us-east-1&endpoint=http%3A%2F%2F127.0.0.1%3A8000",
			want: dynamostore.Location{Table: "my_table.v1", Region: "us-east-1", Endpoint: "http://127.0.0.1:8000"}},
		{url: "dynamodb://authd?endpoint=http://localhost:8000",
			want: dynamostore.Location{Table: "authd", Endpoint: "http://localhost:8000"}},
		{url: "postgres://authd", wantErr: "scheme"},
		{url: "dynamodb://", wantErr: "table name"},
		{url: "dynamodb://ab", wantErr: "table name"},
		{url: "dynamodb://authd/extra", wantErr: "must be dynamodb://"},
		{url: "dynamodb://authd?regoin=x", wantErr: "unknown parameter"},
		{url: "dynamodb://authd?region=a&region=b", wantErr: "given 2 times"},
		{url: "dynamodb://authd?endpoint=localhost:8000", wantErr: "http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := dynamostore.ParseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) error = %v, want one containing %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseURL(%q) = %+v, %v; want %+v, nil", tt.url, got, err, tt.want)
			}
		})
	}
}

// TestMigrateIdempotent runs Migrate on an existing table with data: nothing
// changes, and the table has its index and TTL.
func TestMigrateIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, url := openStore(t, dynamostore.Options{})
	u := newUser(t, "mig@example.com", "")
	if err := s.Users().Create(ctx, u, domain.Effects{}); err != nil {
		t.Fatalf("Create() error = %v", err)
	}
	again, err := dynamostore.Open(ctx, url, dynamostore.Options{})
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	for i := range 2 {
		if err := again.Migrate(ctx); err != nil {
			t.Fatalf("Migrate() #%d on existing table error = %v, want nil", i+2, err)
		}
	}
	if _, err := again.Users().ByEmail(ctx, u.Email); err != nil {
		t.Fatalf("ByEmail() after Migrate error = %v, want the user", err)
	}
	desc, err := s.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.Table())})
	if err != nil {
		t.Fatalf("DescribeTable() error = %v", err)
	}
	if n := len(desc.Table.GlobalSecondaryIndexes); n != 1 || aws.ToString(desc.Table.GlobalSecondaryIndexes[0].IndexName) != "GSI1" {
		t.Fatalf("table has %d GSIs, want exactly GSI1", n)
	}
	ttl, err := s.Client().DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(s.Table())})
	if err != nil {
		t.Fatalf("DescribeTimeToLive() error = %v", err)
	}
	if got := ttl.TimeToLiveDescription.TimeToLiveStatus; got != types.TimeToLiveStatusEnabled {
		t.Fatalf("TTL status = %q, want ENABLED", got)
	}
}

// failWith returns an API option that makes every call fail with err before it is
// sent, so error translation can be tested without a server.
func failWith(err error) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("fail",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return middleware.InitializeOutput{}, middleware.Metadata{}, err
			}), middleware.Before)
	}
}

// TestErrorMapping checks that store failures become unavailable with a Retry-After
// and a fixed message, and that other SDK errors never leak their text.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api := func(code string) error {
		return &smithy.GenericAPIError{Code: code, Message: "secret internals " + code}
	}
	tests := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"throttling", api("ThrottlingException"), domain.CodeUnavailable},
		{"provisioned throughput", &types.ProvisionedThroughputExceededException{Message: aws.String("secret internals")}, domain.CodeUnavailable},
		{"request limit", api("RequestLimitExceeded"), domain.CodeUnavailable},
		{"internal server error", &types.InternalServerError{Message: aws.String("secret internals")}, domain.CodeUnavailable},
		{"table missing", &types.ResourceNotFoundException{Message: aws.String("secret internals")}, domain.CodeUnavailable},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("secret internals: connection refused")}, domain.CodeUnavailable},
		{"deadline", context.DeadlineExceeded, domain.CodeUnavailable},
		{"validation", api("ValidationException"), domain.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := dynamostore.Open(ctx, "dynamodb://authd?region=us-east-1&endpoint=http://127.0.0.1:1",
				dynamostore.Options{APIOptions: []func(*middleware.Stack) error{failWith(tt.err)}})
			if err != nil {
				t.Fatalf("Open() error = %v", err)
			}
			_, err = s.Users().ByID(ctx, "someone")
			if got := domain.ErrorCode(err); got != tt.want {
				t.Fatalf("ByID() error code = %q (%v), want %q", got, err, tt.want)
			}
			if msg := domain.ErrorMessage(err); strings.Contains(msg, "secret internals") {
				t.Fatalf("client message = %q, want no SDK text", msg)
			}
			var de *domain.Error
			if tt.want == domain.CodeUnavailable && (!errors.As(err, &de) || de.RetryAfter <= 0) {
				t.Fatalf("unavailable error %v has no RetryAfter, want > 0", err)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v does not wrap the SDK error, want errors.Is to find it", err)
			}
		})
	}
}

// TestClosedPort points the store at a port nobody listens on: Ping and reads answer
// unavailable after the bounded retries.
func TestClosedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	ctx := context.Background()
	s, err := dynamostore.Open(ctx, "dynamodb://authd?region=us-east-1&endpoint=http://"+addr, dynamostore.Options{MaxAttempts: 2})
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	wantCode(t, "Ping()", s.Ping(ctx), domain.CodeUnavailable)
	_, err = s.Users().ByEmail(ctx, "a@example.com")
	wantCode(t, "ByEmail()", err, domain.CodeUnavailable)
	if msg := domain.ErrorMessage(err); strings.Contains(msg, addr) {
		t.Fatalf("client message = %q, want no address", msg)
	}
}

// TestMigrateConcurrently starts several instances' migrations at once on a missing
// table: all must succeed (one creates the table and turns TTL on, the others wait
// and accept what they find).
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := backendtest.URL(t, "dynamodb")
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			s, err := dynamostore.Open(ctx, url, dynamostore.Options{})
			if err == nil {
				err = s.Migrate(ctx)
			}
			errs <- err
		}()
	}
	for i := range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate #%d error = %v, want nil", i, err)
		}
	}
}
