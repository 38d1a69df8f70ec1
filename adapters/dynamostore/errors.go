package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/authd/authd/domain"
)

// retryAfter is what an unavailable answer asks clients to wait: long enough for a
// throttled partition or a restarted endpoint to recover.
const retryAfter = time.Second

// transientCodes are DynamoDB error codes that say "try again later" rather than
// "your request is wrong".
var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"LimitExceededException":                 true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
	"TransactionConflictException":           true,
	"TransactionInProgressException":         true,
	"ResourceNotFoundException":              true, // table missing: not migrated yet
	"UnrecognizedClientException":            true, // credentials refused
}

// translate turns an SDK error into a domain error: unavailable for anything that
// means "DynamoDB cannot serve us now", an internal error otherwise. The SDK's
// message stays in Err; Message is always a fixed sentence.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isTransient(err) {
		return unavailable(op, err)
	}
	return fmt.Errorf("dynamostore: %s: %w", op, err)
}

// unavailable wraps err as domain.CodeUnavailable unless the caller gave up (then
// the context error passes through, so nobody retries on its behalf).
func unavailable(op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("dynamostore: %s: %w", op, err)
	}
	e := domain.Wrap(domain.CodeUnavailable, fmt.Errorf("dynamostore: %s: %w", op, err),
		"The user store is temporarily unavailable.")
	e.RetryAfter = retryAfter
	return e
}

// isTransient reports whether err is throttling, a 5xx, a connection failure or a
// deadline.
func isTransient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || conflictOnly(cancelled(err)) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) && transientCodes[api.ErrorCode()] {
		return true
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && resp.HTTPStatusCode() >= 500 {
		return true
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}

// conditionFailed reports whether err is a failed condition of a single-item write.
func conditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	ok := errors.As(err, &ccf)
	return ccf, ok
}

// cancelled returns the per-item reasons of a cancelled transaction, or nil.
func cancelled(err error) []types.CancellationReason {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		return tce.CancellationReasons
	}
	return nil
}

// failedAt reports whether item i of a cancelled transaction failed its condition.
func failedAt(reasons []types.CancellationReason, i int) bool {
	return i < len(reasons) && aws.ToString(reasons[i].Code) == "ConditionalCheckFailed"
}

// maxTransactItems is DynamoDB's limit of items in one TransactWriteItems.
const maxTransactItems = 100

// transact runs one TransactWriteItems. A transaction cancelled only because another
// transaction held one of its items (TransactionConflict) is retried with jittered
// back-off, so that concurrent writers are decided by their conditions; any other
// outcome is returned as is for the caller to interpret. Each attempt gets a new
// client request token from the SDK, while the SDK's own retries of one attempt reuse
// it, which makes them idempotent.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) error {
	const attempts = 8
	var err error
	for i := range attempts {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil || !conflictOnly(cancelled(err)) {
			return err
		}
		backoff := time.Duration(5<<i)*time.Millisecond + time.Duration(rand.IntN(10))*time.Millisecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
	return err
}

// conflictOnly reports whether a cancellation was caused by transaction conflicts
// and by no failed condition.
func conflictOnly(reasons []types.CancellationReason) bool {
	conflict := false
	for _, r := range reasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "", "None":
		default:
			return false
		}
	}
	return conflict
}

// transactChunks writes items that need no common atomicity (clean-up after the
// atomic part of an operation) in transactions of at most maxTransactItems.
func (s *Store) transactChunks(ctx context.Context, op string, items []types.TransactWriteItem) error {
	for len(items) > 0 {
		n := min(len(items), maxTransactItems)
		if err := s.transact(ctx, items[:n]); err != nil {
			return translate(op, err)
		}
		items = items[n:]
	}
	return nil
}
