package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/authd/authd/adapters/jwt"
	"github.com/authd/authd/app"
	"github.com/authd/authd/domain"
)

// adminCreateArgs are the flags of `authd admin create`.
type adminCreateArgs struct{ email, username, name *string }

// adminCreateFlags declares the flags of `authd admin create`.
func adminCreateFlags() (*flag.FlagSet, adminCreateArgs) {
	fs := newFlagSet("admin create")
	return fs, adminCreateArgs{
		email:    fs.String("email", "", "e-mail of the new admin (required)"),
		username: fs.String("username", "", "optional username"),
		name:     fs.String("name", "", "optional display name"),
	}
}

// adminCommand is `authd admin create --email E [--username U] [--name N]`: it reads
// the password from the first line of stdin (so it never shows in `ps` or shell
// history) and creates an active admin. An e-mail that exists is refused.
func adminCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) {
		printHelp(stdout, "admin", nil)
		return nil
	}
	if len(args) == 0 || args[0] != "create" {
		return usageError("usage: authd admin create --email E [--username U] [--name N] < password (see authd admin create --help)")
	}
	fs, a := adminCreateFlags()
	if helped, err := parseFlags(fs, args[1:], stdout); helped || err != nil {
		return err
	}
	if *a.email == "" {
		return usageError("admin create: --email is required (see authd admin create --help)")
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	return withConfig(stderr, func(cfg Config) error {
		logger := newLogger(cfg, stderr)
		m, err := Open(ctx, cfg, logger)
		if err != nil {
			return err
		}
		defer m.Close(context.Background())
		u, err := m.App.CreateAdmin(ctx, app.SignUpInput{Email: *a.email, Username: *a.username, Name: *a.name, Password: password})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created admin %s (%s)\n", u.Email, u.ID)
		return nil
	})
}

// readPassword reads one line from r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("admin create: no password on stdin (pipe it in: echo \"$PASSWORD\" | authd admin create …)")
	}
	return line, nil
}

// describe turns a domain error into one readable line with its field errors.
func describe(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	msg := fmt.Sprintf("%s: %s", de.Code, de.Message)
	for _, f := range de.Fields {
		msg += fmt.Sprintf(" %s: %s", f.Field, f.Message)
	}
	return errors.New(msg)
}

// keygenFlags declares the flags of `authd keygen`.
func keygenFlags() (*flag.FlagSet, *string) {
	fs := newFlagSet("keygen")
	return fs, fs.String("alg", "EdDSA", "signing algorithm: EdDSA, RS256 or ES256")
}

// keygen is `authd keygen [--alg EdDSA|RS256|ES256]`: it writes a new PEM (PKCS#8)
// private key to stdout, for AUTH_JWT_KEYS. When stdout is a file (`> key.pem`),
// that file is made readable by its owner only first: the shell creates it with
// the umask's mode (0644 as a rule), and a private key must not be world-readable.
func keygen(args []string, stdout io.Writer) error {
	fs, alg := keygenFlags()
	if helped, err := parseFlags(fs, args, stdout); helped || err != nil {
		return err
	}
	pem, err := jwt.GenerateKey(*alg)
	if err != nil {
		return usageError(err.Error())
	}
	if err := ownerOnly(stdout); err != nil {
		return err
	}
	_, err = stdout.Write(pem)
	return err
}

// ownerOnly sets mode 0600 on w when it is a regular file; pipes and terminals are
// left alone.
func ownerOnly(w io.Writer) error {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("keygen: make the key file readable by its owner only: %w", err)
	}
	return nil
}
