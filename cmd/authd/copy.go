package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

func copyFlags() (*flag.FlagSet, *string, *string, *moveFlags) {
	fs := newFlagSet("copy")
	from := fs.String("from", "", "the source database URL, as AUTH_DATABASE_URL takes it (required)")
	to := fs.String("to", "", "the target database URL (required); migrated first")
	m := &moveFlags{}
	m.register(fs, true, true)
	return fs, from, to, m
}

// copyCommand is `authd copy --from URL --to URL`.
func copyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, from, to, m := copyFlags()
	if helped, err := parseFlags(fs, args, stdout); helped || err != nil {
		return err
	}
	if err := m.check("copy"); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError("copy: --from and --to are both required (see authd copy --help)")
	}
	if *from == *to {
		return usageError("copy: --from and --to name the same database")
	}
	return withConfig(stderr, func(cfg Config) error {
		src, err := openArchiver(ctx, cfg, *from, false)
		if err != nil {
			return err
		}
		defer src.Close()
		dst, err := openArchiver(ctx, cfg, *to, true)
		if err != nil {
			return err
		}
		defer dst.Close()
		r := newRestorer(dst, m, stderr)
		total, err := src.Archive().Count(ctx)
		if err != nil {
			return describe(err)
		}
		bar := newProgress(stderr, "copying", total)
		secrets, err := copyInto(ctx, src, dst, m, r, bar, stderr)
		if err == nil {
			err = r.Flush(ctx)
		}
		if err != nil {
			bar.Clear()
			return describe(err)
		}
		bar.Finish()
		fmt.Fprintf(stderr, "authd: copied %s\n", formatCounts(merge(r.Written, secrets), r.Conflicts))
		return nil
	})
}

// copyInto streams src's secrets, accounts and events into dst through r.
func copyInto(ctx context.Context, src, dst archiver, m *moveFlags, r *app.Restorer, bar *progress, stderr io.Writer) (archivefile.Counts, error) {
	secrets, err := src.Archive().Secrets(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range secrets {
		if err := restoreSecret(ctx, dst, s); err != nil {
			return nil, err
		}
	}
	counts := archivefile.Counts{archivefile.KindSecret: int64(len(secrets))}
	err = app.ExportAccounts(ctx, src.Users(), src.Archive(), time.Now(), m.batch, func(accts []domain.Account) error {
		for _, a := range accts {
			if err := r.Add(ctx, a); err != nil {
				return err
			}
		}
		bar.Add(len(accts))
		return nil
	})
	if err != nil || !m.events {
		return counts, err
	}
	bar.Events()
	return counts, app.ExportEvents(ctx, src.Events(), m.batch, func(events []domain.Event) error {
		for _, e := range events {
			if err := r.AddEvent(ctx, e); err != nil {
				return err
			}
		}
		bar.Add(len(events))
		return nil
	})
}
