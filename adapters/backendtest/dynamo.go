package backendtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tcdynamodb "github.com/testcontainers/testcontainers-go/modules/dynamodb"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/ports"
)

// DynamoDB comes from AUTH_TEST_DYNAMODB_URL (the endpoint of a DynamoDB Local, e.g.
// http://127.0.0.1:8000, as deploy/dynamodb-local.sh prints it) or else from one
// testcontainers-go DynamoDB Local container per test binary. Every test gets its
// own table, deleted when the test ends.
func init() {
	Register(Provider{Name: "dynamodb", URL: dynamoURL, Open: openDynamo, Via: func() string { return dynamoEndpoint.via }})
}

// dynamoImage is Amazon's DynamoDB Local image, used when no endpoint is given and
// AUTH_TEST_DYNAMODB_IMAGE names no other.
const dynamoImage = "amazon/dynamodb-local:2.2.0"

// dynamoRegion is the region of test tables; DynamoDB Local keeps one namespace of
// tables per region and access key.
const dynamoRegion = "us-east-1"

var dynamoEndpoint struct {
	once sync.Once
	url  string
	via  string // how it was reached, for the report: viaURL or viaContainer
	err  error
}

// dynamoServer returns the endpoint, from the environment or a container started on
// first use.
func dynamoServer() (string, error) {
	e := &dynamoEndpoint
	e.once.Do(func() {
		if v := strings.TrimSpace(os.Getenv("AUTH_TEST_DYNAMODB_URL")); v != "" {
			e.url, e.via = v, viaURL("AUTH_TEST_DYNAMODB_URL")
			return
		}
		image := containerImage("AUTH_TEST_DYNAMODB_IMAGE", dynamoImage)
		ctx, cancel := context.WithTimeout(context.Background(), containerStartTimeout)
		defer cancel()
		e.url, e.err = startContainer(ctx, func(ctx context.Context) (string, error) {
			c, err := tcdynamodb.Run(ctx, image, tcdynamodb.WithDisableTelemetry())
			if err != nil {
				return "", failedStart(c, err)
			}
			hostPort, err := c.ConnectionString(ctx)
			if err != nil {
				return "", fmt.Errorf("container endpoint: %w", err)
			}
			return "http://" + hostPort, nil
		})
		if e.err != nil {
			e.err = fmt.Errorf("AUTH_TEST_DYNAMODB_URL is not set and no container could be started (%s: %w); `make dynamodb-local` starts DynamoDB Local without Docker", image, e.err)
			return
		}
		e.via = viaContainer(image)
	})
	return e.url, e.err
}

// dynamoURL returns the URL of a fresh table, deleted in t's clean-up.
func dynamoURL(t testing.TB) string {
	t.Helper()
	endpoint, err := dynamoServer()
	if err != nil {
		Unavailable(t, "dynamodb", err.Error())
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	u := fmt.Sprintf("dynamodb://authd_test_%s?region=%s&endpoint=%s",
		hex.EncodeToString(b[:]), dynamoRegion, url.QueryEscape(endpoint))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		s, err := dynamostore.Open(ctx, u, dynamostore.Options{})
		if err == nil {
			err = s.Drop(ctx)
		}
		if err != nil {
			t.Errorf("backendtest: drop dynamodb test table: %v", err)
		}
	})
	return u
}

// openDynamo opens the store and creates its table, as `authd serve` does at start.
func openDynamo(ctx context.Context, url string) (ports.Backend, error) {
	s, err := dynamostore.Open(ctx, url, dynamostore.Options{})
	return migrated(ctx, s, err)
}
