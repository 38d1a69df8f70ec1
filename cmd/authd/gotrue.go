package main

import (
	"context"
	"errors"

	"github.com/authd/authd/app"
)

// importGoTrue reads a GoTrue database's auth.users into r.
func importGoTrue(ctx context.Context, url string, r *app.Restorer, bar *progress) error {
	return errors.New("--from-gotrue is not built yet")
}
