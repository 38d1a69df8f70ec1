package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/authd/authd/adapters/gotrue"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/app"
)

// importGoTrue reads a GoTrue database's auth.users into r, page by page; a row
// authd cannot use is named on stderr with the reason and counted as left out.
func importGoTrue(ctx context.Context, url string, r *app.Restorer, bar *progress, stderr io.Writer) (left int64, err error) {
	src, err := gotrue.Open(ctx, url)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	total, err := src.Count(ctx)
	if err != nil {
		return 0, err
	}
	bar.Total(total)
	norm := identifiers.New()
	email := func(raw string) (string, error) {
		e, ferr := norm.Email("email", raw)
		if ferr != nil {
			return "", errors.New(ferr.Message)
		}
		return e, nil
	}
	now := time.Now()
	for {
		page, err := src.Next(ctx, r.Batch)
		if err != nil {
			return left, err
		}
		if len(page) == 0 {
			return left, nil
		}
		for _, u := range page {
			acc, why := u.Account(email, now)
			if acc != nil {
				if err := r.Check(acc); err != nil {
					acc, why = nil, err.Error()
				}
			}
			if acc == nil {
				left++
				fmt.Fprintf(stderr, "authd: GoTrue user %s left out: %s\n", u.ID, why)
				continue
			}
			if err := r.Add(ctx, *acc); err != nil {
				return left, err
			}
		}
		bar.Add(len(page))
	}
}
