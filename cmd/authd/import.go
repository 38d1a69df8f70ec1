package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

func importFlags() (*flag.FlagSet, *string, *string, *moveFlags) {
	fs := newFlagSet("import")
	in := fs.String("in", "", "the archive file to read (default: stdin)")
	gotrue := fs.String("from-gotrue", "", "read the accounts of a GoTrue (Supabase Auth) PostgreSQL database, auth.users, from this URL instead of an archive")
	m := &moveFlags{}
	m.register(fs, false, true)
	return fs, in, gotrue, m
}

// importCommand is `authd import`.
func importCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, in, gotrue, m := importFlags()
	if helped, err := parseFlags(fs, args, stdout); helped || err != nil {
		return err
	}
	if err := m.check("import"); err != nil {
		return err
	}
	if *in != "" && *gotrue != "" {
		return usageError("import: --in and --from-gotrue exclude each other")
	}
	return withConfig(stderr, func(cfg Config) error {
		dst, err := openArchiver(ctx, cfg, cfg.DatabaseURL, true)
		if err != nil {
			return err
		}
		defer dst.Close()
		r := newRestorer(dst, m, stderr)
		r.Check = accountCheck()
		total := int64(-1)
		if *in != "" && *in != "-" {
			if total, err = checkArchive(*in, r.Check); err != nil {
				return fmt.Errorf("%s: %w (nothing was imported)", *in, describe(err))
			}
		}
		bar := newProgress(stderr, "importing", total)
		var secrets archivefile.Counts
		if *gotrue != "" {
			var left int64
			left, err = importGoTrue(ctx, *gotrue, r, bar, stderr)
			secrets = archivefile.Counts{"left_out": left}
		} else {
			src := stdin
			if *in != "" && *in != "-" {
				f, err := os.Open(*in)
				if err != nil {
					return err
				}
				defer f.Close()
				src = f
			}
			secrets, err = importArchive(ctx, src, dst, r, bar, stderr)
		}
		if err == nil {
			err = r.Flush(ctx)
		}
		if err != nil {
			bar.Clear()
			return describe(err)
		}
		bar.Finish()
		fmt.Fprintf(stderr, "authd: imported %s\n", formatCounts(merge(r.Written, secrets), r.Conflicts))
		return nil
	})
}

// checkArchive reads the whole archive at path once without writing anything,
// so that a damaged file or an account authd would refuse stops the import before
// its first batch.
func checkArchive(path string, check func(*domain.Account) error) (accounts int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	ar, err := archivefile.NewReader(f)
	if err != nil {
		return 0, err
	}
	for {
		it, err := ar.Next()
		if errors.Is(err, io.EOF) {
			return accounts, nil
		}
		if err != nil {
			return accounts, err
		}
		if it.Account != nil {
			if err := check(it.Account); err != nil {
				return accounts, err
			}
			accounts++
		}
	}
}

// accountCheck vets an imported account: the e-mail normalised as sign-up does
// (an address the rule refuses is kept as it is when it is still an address, as
// a stored one of an earlier release would be), the fields valid
// (domain.Account.Validate), and a password hash in a format authd verifies.
func accountCheck() func(*domain.Account) error {
	norm := identifiers.New()
	return func(a *domain.Account) error {
		if e, fe := norm.Email("email", a.User.Email); fe == nil {
			a.User.Email = e
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if h := a.User.PasswordHash; h != "" && !strings.HasPrefix(h, "$argon2id$") && !argon2.IsForeign(h) {
			return domain.Errorf(domain.CodeValidationFailed, "account %q: password_hash: %.12q… is in no format authd verifies (argon2id, argon2i, bcrypt, pbkdf2_sha256, scrypt)", a.User.ID, h)
		}
		return nil
	}
}

// importArchive reads an archive into r (and its secrets into dst).
func importArchive(ctx context.Context, src io.Reader, dst archiver, r *app.Restorer, bar *progress, stderr io.Writer) (archivefile.Counts, error) {
	ar, err := archivefile.NewReader(src)
	if err != nil {
		return nil, err
	}
	secrets := archivefile.Counts{}
	events := false
	for {
		it, err := ar.Next()
		if errors.Is(err, io.EOF) {
			return secrets, nil
		}
		if err != nil {
			return secrets, err
		}
		switch {
		case it.Secret != nil:
			if err := restoreSecret(ctx, dst, *it.Secret); err != nil {
				return secrets, err
			}
			secrets[archivefile.KindSecret]++
		case it.Account != nil:
			if err = r.Add(ctx, *it.Account); err == nil {
				bar.Add(1)
			}
		case it.Event != nil:
			if !events {
				bar.Events()
				events = true
			}
			if err = r.AddEvent(ctx, *it.Event); err == nil {
				bar.Add(1)
			}
		}
		if err != nil {
			return secrets, err
		}
	}
}

// restoreSecret stores s in dst. A different value there is an error whatever
// --on-conflict says: the target generated its own keys (authd ran on it), and
// with them the sealed TOTP secrets and every token of the source would be dead.
// Secrets come first in an archive and a copy, so nothing else was written yet.
func restoreSecret(ctx context.Context, dst archiver, s domain.Secret) error {
	same, err := app.RestoreSecret(ctx, dst.Secrets(), s)
	if err != nil || same {
		return err
	}
	return fmt.Errorf("the target holds another value of the generated secret %q (authd has run on it): "+
		"sessions, tokens and TOTP factors from the source would not work there; move into a database authd has not run on", s.Name)
}
