package ports

import (
	"context"
	"time"

	"github.com/authd/authd/domain"
)

// Archive reads and writes whole accounts for authd export, import and copy
// (ARCHITECTURE.md §13). Reading streams: a caller pages through accounts in id
// order with UserStore.List and asks for each page's details here, so memory
// stays bounded by the page, never the database.
type Archive interface {
	// Accounts returns the accounts of users, in the same order, each with its
	// factors, recovery-code hashes, passkeys and the sessions live at now.
	Accounts(ctx context.Context, users []domain.User, now time.Time) ([]domain.Account, error)
	// Count returns how many accounts the store holds, for a progress display's
	// total.
	Count(ctx context.Context) (int64, error)
	// Secrets returns every stored generated secret, in name order.
	Secrets(ctx context.Context) ([]domain.Secret, error)
	// Restore writes accts as they are — ids, hashes, sealed secrets, counters and
	// times unchanged — with fx. An account whose id, e-mail or username is taken
	// in the store is a conflict: its id is returned among conflicts and nothing
	// of it is written. With skipConflicts the others are written; without it,
	// any conflict means nothing of the batch is written. SQL stores write the
	// batch in one transaction; DynamoDB writes each account in one transaction
	// (and its sessions beyond the transaction's 100 items after it).
	Restore(ctx context.Context, accts []domain.Account, skipConflicts bool, fx domain.Effects) (conflicts []string, err error)
}
