package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base32"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/authd/authd/adapters/backendtest"
	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/adapters/sqlstore"
)

// TestTOTPSecretSealedAtRest enrols a TOTP factor through the served API and then
// reads what the database holds, row by row and attribute by attribute, not
// through the store: neither the base32 secret the user was shown nor its raw
// bytes may appear anywhere in it.
func TestTOTPSecretSealedAtRest(t *testing.T) {
	backendtest.Each(t, func(t *testing.T, name string) {
		cfg := testConfig(t, backendtest.URL(t, name), map[string]string{"AUTH_REQUIRE_ACTIVATION": "false"})
		s := startServer(t, cfg)
		creds := map[string]any{"email": "sealed@example.com", "password": "long enough pw"}
		s.expect(201, "POST", "/v1/auth/signup", "", creds)
		access := str(s.expect(200, "POST", "/v1/auth/login", "", creds), "access_token")
		secret := str(s.expect(201, "POST", "/v1/auth/mfa/totp", access, nil), "secret")
		clear, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
		if err != nil || len(clear) < 16 {
			t.Fatalf("secret %q does not decode as base32 (%v)", secret, err)
		}
		needles := [][]byte{[]byte(secret), []byte(strings.ToLower(secret)), clear}

		raw, err := openBackend(context.Background(), cfg, false)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var stored [][]byte
		switch store := raw.(type) {
		case *sqlstore.Store:
			stored = sqlRows(t, store.DB(), "mfa_factors")
		case *dynamostore.Store:
			stored = dynamoItems(t, store.Client(), store.Table())
		default:
			t.Fatalf("no raw view of a %T", raw)
		}
		if len(stored) == 0 {
			t.Fatal("the database holds no factor after the enrolment")
		}
		for _, v := range stored {
			for _, n := range needles {
				if bytes.Contains(v, n) {
					t.Fatalf("a stored value holds the TOTP secret in the clear (%d bytes)", len(v))
				}
			}
		}
	})
}

// sqlRows returns every column value of every row of table.
func sqlRows(t *testing.T, db *sql.DB, table string) [][]byte {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for rows.Next() {
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			out = append(out, bytes.Clone(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// dynamoItems returns every string, binary and set value of every item of the
// table, with its keys.
func dynamoItems(t *testing.T, db *dynamodb.Client, table string) [][]byte {
	t.Helper()
	var out [][]byte
	var add func(v types.AttributeValue)
	add = func(v types.AttributeValue) {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			out = append(out, []byte(v.Value))
		case *types.AttributeValueMemberB:
			out = append(out, v.Value)
		case *types.AttributeValueMemberSS:
			for _, s := range v.Value {
				out = append(out, []byte(s))
			}
		case *types.AttributeValueMemberBS:
			out = append(out, v.Value...)
		case *types.AttributeValueMemberM:
			for _, e := range v.Value {
				add(e)
			}
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				add(e)
			}
		default:
			out = append(out, []byte(fmt.Sprint(v)))
		}
	}
	p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			for _, v := range item {
				add(v)
			}
		}
	}
	return out
}
