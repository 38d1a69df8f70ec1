package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/authd/authd/adapters/archivefile"
	"github.com/authd/authd/adapters/argon2"
	"github.com/authd/authd/adapters/identifiers"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
	"github.com/authd/authd/ports"
)

// The commands of ARCHITECTURE.md §13: authd export, import and copy move every
// account with what keeps it working between databases, through the JSON Lines
// archive of adapters/archivefile (export, import) or straight from one store
// into another (copy). They hold one batch of accounts at a time.

// archiver is a backend that reads and writes whole accounts (both stores are).
type archiver interface {
	ports.Backend
	Archive() ports.Archive
}

// defaultArchiveBatch is how many accounts are read or written at once.
const defaultArchiveBatch = 500

// moveFlags are the flags export, import and copy share.
type moveFlags struct {
	batch      int
	events     bool
	onConflict string
}

func (m *moveFlags) register(fs *flag.FlagSet, events, conflict bool) {
	fs.IntVar(&m.batch, "batch", defaultArchiveBatch, "accounts (or events) read and written at once")
	if events {
		fs.BoolVar(&m.events, "events", false, "move the audit log too")
	}
	if conflict {
		fs.StringVar(&m.onConflict, "on-conflict", "skip", "an account whose id, e-mail or username the target holds: skip it (reported), or fail (nothing of that batch is written)")
	}
}

func (m *moveFlags) check(name string) error {
	if m.batch < 1 || m.batch > 5000 {
		return usageError(fmt.Sprintf("%s: --batch must be 1 to 5000", name))
	}
	if m.onConflict != "" && m.onConflict != "skip" && m.onConflict != "fail" {
		return usageError(fmt.Sprintf("%s: --on-conflict must be skip or fail, not %q", name, m.onConflict))
	}
	return nil
}

func exportFlags() (*flag.FlagSet, *string, *moveFlags) {
	fs := newFlagSet("export")
	out := fs.String("out", "", "the archive file to write, mode 0600 (default: stdout)")
	m := &moveFlags{}
	m.register(fs, true, false)
	return fs, out, m
}

func importFlags() (*flag.FlagSet, *string, *string, *moveFlags) {
	fs := newFlagSet("import")
	in := fs.String("in", "", "the archive file to read (default: stdin)")
	gotrue := fs.String("from-gotrue", "", "read the accounts of a GoTrue (Supabase Auth) PostgreSQL database, auth.users, from this URL instead of an archive")
	m := &moveFlags{}
	m.register(fs, false, true)
	return fs, in, gotrue, m
}

func copyFlags() (*flag.FlagSet, *string, *string, *moveFlags) {
	fs := newFlagSet("copy")
	from := fs.String("from", "", "the source database URL, as AUTH_DATABASE_URL takes it (required)")
	to := fs.String("to", "", "the target database URL (required); migrated first")
	m := &moveFlags{}
	m.register(fs, true, true)
	return fs, from, to, m
}

// openArchiver opens the database url names, with cfg's pool settings, migrating
// it when asked.
func openArchiver(ctx context.Context, cfg Config, url string, migrate bool) (archiver, error) {
	cfg.DatabaseURL = bulkURL(url)
	b, err := openBackend(ctx, cfg, migrate)
	if err != nil {
		return nil, err
	}
	a, ok := b.(archiver)
	if !ok {
		_ = b.Close()
		return nil, fmt.Errorf("the %s backend cannot export accounts", cfg.Backend())
	}
	return a, nil
}

// bulkURL turns off pgx's per-connection statement cache for a PostgreSQL URL
// that does not choose a mode itself: every batch's multi-row INSERT is a new
// statement text, and caching (and preparing on the server) 512 of them per
// connection would grow memory with the number of batches, not the batch size.
func bulkURL(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return raw
	}
	q := u.Query()
	if q.Get("default_query_exec_mode") == "" {
		q.Set("default_query_exec_mode", "exec")
	}
	u.RawQuery = q.Encode()
	return u.String()
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
		bar := newProgress(stderr, "exporting")
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
		if *in != "" && *in != "-" {
			if err := checkArchive(*in, r.Check); err != nil {
				return fmt.Errorf("%s: %w (nothing was imported)", *in, describe(err))
			}
		}
		bar := newProgress(stderr, "importing")
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
func checkArchive(path string, check func(*domain.Account) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ar, err := archivefile.NewReader(f)
	if err != nil {
		return err
	}
	for {
		it, err := ar.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if it.Account != nil {
			if err := check(it.Account); err != nil {
				return err
			}
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
			err = r.Add(ctx, *it.Account)
		case it.Event != nil:
			err = r.AddEvent(ctx, *it.Event)
		}
		if err != nil {
			return secrets, err
		}
		bar.Add(1)
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
		bar := newProgress(stderr, "copying")
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

// newRestorer returns the batch writer into dst; skipped accounts are listed on
// stderr, one line each.
func newRestorer(dst archiver, m *moveFlags, stderr io.Writer) *app.Restorer {
	return &app.Restorer{Archive: dst.Archive(), Events: dst.Events(), Batch: m.batch, Skip: m.onConflict != "fail",
		OnConflict: func(id string) {
			fmt.Fprintf(stderr, "authd: account %s: its id, e-mail or username exists in the target; %s\n", id,
				map[bool]string{true: "skipped", false: "nothing of its batch was written"}[m.onConflict != "fail"])
		}}
}

// merge returns a with b's counts added.
func merge(a map[string]int64, b archivefile.Counts) archivefile.Counts {
	out := archivefile.Counts{}
	for k, n := range a {
		out[k] += n
	}
	for k, n := range b {
		out[k] += n
	}
	return out
}

// formatCounts is the closing line: every kind with its count, in a fixed order.
func formatCounts(c archivefile.Counts, conflicts int64) string {
	order := []string{archivefile.KindSecret, archivefile.KindUser, archivefile.KindFactor, archivefile.KindRecoveryCodes,
		archivefile.KindPasskey, archivefile.KindSession, archivefile.KindToken, archivefile.KindEvent}
	var parts []string
	seen := map[string]bool{}
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
		seen[k] = true
	}
	var rest []string
	for k := range c {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, fmt.Sprintf("%s=%d", k, c[k]))
	}
	parts = append(parts, fmt.Sprintf("skipped=%d", conflicts))
	return strings.Join(parts, " ")
}
