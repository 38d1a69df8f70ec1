package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

func exportFlags() (*flag.FlagSet, *string, *moveFlags) {
	fs := newFlagSet("export")
	out := fs.String("out", "", "the archive file to write, mode 0600 (default: stdout)")
	m := &moveFlags{}
	m.register(fs, true, false)
	return fs, out, m
}

// exportCommand is `authd export`.
func exportCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, out, m := exportFlags()
	if helped, err := parseFlags(fs, args, stdout); helped || err != nil {
		return err
	}
	if err := m.check("export"); err != nil {
		return err
	}
	return withConfig(stderr, func(cfg Config) error {
		src, err := openArchiver(ctx, cfg, cfg.DatabaseURL, false)
		if err != nil {
			return err
		}
		defer src.Close()
		w := stdout
		var f *os.File
		if *out == "" && isTerminal(stdout) {
			return usageError("export: refusing to write password hashes and keys to a terminal; use --out FILE or redirect stdout")
		}
		if *out != "" && *out != "-" {
			// 0600 from the start: the file holds every password hash and key.
			if f, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
				return err
			}
			defer f.Close()
			if err := f.Chmod(0o600); err != nil { // an existing file keeps its mode otherwise
				return err
			}
			w = f
		}
		aw, err := archivefile.NewWriter(w, cfg.Backend(), time.Now())
		if err != nil {
			return err
		}
		total, err := src.Archive().Count(ctx)
		if err != nil {
			return describe(err)
		}
		bar := newProgress(stderr, "exporting", total)
		if err := exportTo(ctx, src, m, aw, bar); err != nil {
			bar.Clear()
			return describe(err)
		}
		if err := aw.Close(); err != nil {
			return err
		}
		if f != nil {
			if err := f.Close(); err != nil {
				return err
			}
		}
		bar.Finish()
		fmt.Fprintf(stderr, "authd: exported %s\n", formatCounts(aw.Counts(), 0))
		return nil
	})
}

// exportTo writes src's secrets, accounts and (with --events) events to aw.
func exportTo(ctx context.Context, src archiver, m *moveFlags, aw *archivefile.Writer, bar *progress) error {
	secrets, err := src.Archive().Secrets(ctx)
	if err != nil {
		return err
	}
	for _, s := range secrets {
		if err := aw.Secret(s); err != nil {
			return err
		}
	}
	err = app.ExportAccounts(ctx, src.Users(), src.Archive(), time.Now(), m.batch, func(accts []domain.Account) error {
		for _, a := range accts {
			if err := aw.Account(a); err != nil {
				return err
			}
		}
		bar.Add(len(accts))
		return nil
	})
	if err != nil || !m.events {
		return err
	}
	bar.Events()
	return app.ExportEvents(ctx, src.Events(), m.batch, func(events []domain.Event) error {
		for _, e := range events {
			if err := aw.Event(e); err != nil {
				return err
			}
		}
		bar.Add(len(events))
		return nil
	})
}
