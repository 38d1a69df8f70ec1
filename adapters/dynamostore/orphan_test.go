package dynamostore_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/authd/authd/adapters/dynamostore"
	"github.com/authd/authd/domain"
)

// errInjected stands for a write that never reached DynamoDB: a crash, a timeout, a
// cancelled request.
var errInjected = errors.New("injected failure")

// transactFault fails TransactWriteItems calls once armed: after `pass` more calls
// have gone through, every further one fails until disarmed.
type transactFault struct {
	armed atomic.Bool
	pass  atomic.Int32
}

func (f *transactFault) option(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("transactFault",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if awsmiddleware.GetOperationName(ctx) == "TransactWriteItems" && f.armed.Load() && f.pass.Add(-1) < 0 {
				return middleware.InitializeOutput{}, middleware.Metadata{}, errInjected
			}
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

func (f *transactFault) arm(pass int32) { f.pass.Store(pass); f.armed.Store(true) }
func (f *transactFault) disarm()        { f.armed.Store(false) }

// putOrphanGuard writes an e-mail guard naming a user that does not exist, as a
// hand-edited table or a partial restore could leave behind.
func putOrphanGuard(t *testing.T, s *dynamostore.Store, email string) {
	t.Helper()
	_, err := s.Client().PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(s.Table()),
		Item: map[string]types.AttributeValue{
			"PK":      &types.AttributeValueMemberS{Value: "EMAIL#" + email},
			"SK":      &types.AttributeValueMemberS{Value: "EMAIL"},
			"user_id": &types.AttributeValueMemberS{Value: "01900000-0000-7000-8000-000000000000"},
		},
	})
	if err != nil {
		t.Fatalf("PutItem(orphan guard) error = %v", err)
	}
}

// TestNoOrphanGuardBlocksEmail stops writes halfway through sign-ups and e-mail
// changes and checks that no e-mail stays blocked by a guard without its user.
func TestNoOrphanGuardBlocksEmail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var fault transactFault
	s, _ := openStore(t, dynamostore.Options{APIOptions: []func(*middleware.Stack) error{fault.option}})
	users := s.Users()

	t.Run("failed sign-up leaves no guard", func(t *testing.T) {
		fault.arm(0)
		err := users.Create(ctx, newUser(t, "crash@example.com", "crasher"), domain.Effects{})
		fault.disarm()
		if !errors.Is(err, errInjected) {
			t.Fatalf("Create() with failing write error = %v, want the injected failure", err)
		}
		_, err = users.ByEmail(ctx, "crash@example.com")
		wantCode(t, "ByEmail() after failed sign-up", err, domain.CodeNotFound)
		if err := users.Create(ctx, newUser(t, "crash@example.com", "crasher"), domain.Effects{}); err != nil {
			t.Fatalf("Create() after failed sign-up error = %v, want nil", err)
		}
	})

	t.Run("orphan guard is replaced", func(t *testing.T) {
		putOrphanGuard(t, s, "orphan@example.com")
		_, err := users.ByEmail(ctx, "orphan@example.com")
		wantCode(t, "ByEmail() of orphan guard", err, domain.CodeNotFound)
		u := newUser(t, "orphan@example.com", "")
		if err := users.Create(ctx, u, domain.Effects{}); err != nil {
			t.Fatalf("Create() over orphan guard error = %v, want nil", err)
		}
		got, err := users.ByEmail(ctx, "orphan@example.com")
		if err != nil || got.ID != u.ID {
			t.Fatalf("ByEmail() = %v, %v; want user %s", got, err, u.ID)
		}
		wantCode(t, "Create() of a second owner", users.Create(ctx, newUser(t, "orphan@example.com", ""), domain.Effects{}), domain.CodeEmailTaken)
	})

	t.Run("sign-up stopped between orphan check and replacement", func(t *testing.T) {
		putOrphanGuard(t, s, "halfway@example.com")
		fault.arm(1) // the first transaction finds the orphan; the replacement fails
		err := users.Create(ctx, newUser(t, "halfway@example.com", ""), domain.Effects{})
		fault.disarm()
		if !errors.Is(err, errInjected) {
			t.Fatalf("Create() stopped halfway error = %v, want the injected failure", err)
		}
		if err := users.Create(ctx, newUser(t, "halfway@example.com", ""), domain.Effects{}); err != nil {
			t.Fatalf("Create() after the stopped attempt error = %v, want nil", err)
		}
	})

	t.Run("e-mail change stopped keeps both addresses consistent", func(t *testing.T) {
		u := newUser(t, "move-from@example.com", "mover")
		if err := users.Create(ctx, u, domain.Effects{}); err != nil {
			t.Fatalf("Create() error = %v", err)
		}
		fault.arm(0)
		_, err := users.Update(ctx, u.ID, func(cur *domain.User) (domain.Effects, error) {
			cur.Email, cur.Username = "move-to@example.com", "moved"
			return domain.Effects{}, nil
		})
		fault.disarm()
		if !errors.Is(err, errInjected) {
			t.Fatalf("Update() with failing write error = %v, want the injected failure", err)
		}
		if got, err := users.ByEmail(ctx, "move-from@example.com"); err != nil || got.ID != u.ID {
			t.Fatalf("ByEmail(old) = %v, %v; want user %s", got, err, u.ID)
		}
		if err := users.Create(ctx, newUser(t, "move-to@example.com", "moved"), domain.Effects{}); err != nil {
			t.Fatalf("Create() with the address of the failed change error = %v, want nil", err)
		}
	})

	t.Run("cancelled context between operations", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := users.Create(cctx, newUser(t, "cancel@example.com", ""), domain.Effects{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("Create() with cancelled context error = %v, want context.Canceled", err)
		}
		if err := users.Create(ctx, newUser(t, "cancel@example.com", ""), domain.Effects{}); err != nil {
			t.Fatalf("Create() after cancelled attempt error = %v, want nil", err)
		}
	})
}
