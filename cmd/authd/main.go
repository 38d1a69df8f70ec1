// Command authd is the authentication service: it reads its configuration from
// AUTH_* variables, opens the configured database and serves the HTTP API.
//
//	authd [serve]                                  run the service (default)
//	authd migrate                                  create or upgrade the schema, then exit
//	authd admin create --email E [--username U]    create an active admin; password on stdin
//	authd keygen [--alg EdDSA|RS256|ES256]         print a new PEM signing key
//	authd check-identities                         report addresses that collide under Unicode normalisation
//	authd version                                  print the version
//	authd help [command]                           print the usage, or one command's help
//
// Every command answers -h, --help and help with its usage on stdout, exit code 0,
// without acting.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/authd/authd/adapters/sqlstore"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: authd [command] [flags]

commands:
  serve                                   run the service (default)
  migrate                                 create or upgrade the database schema and exit
  admin create --email E [--username U]   create an active admin; reads the password from stdin
  keygen [--alg EdDSA|RS256|ES256]        write a new PEM private key to stdout
  check-identities                        report stored e-mails and usernames that Unicode
                                          normalisation refuses, changes or folds together
  export [--out FILE] [--events]          write every account, its factors, passkeys, live
                                          sessions and the generated secrets as JSON Lines
  import [--in FILE | --from-gotrue URL]  load an export (or a GoTrue database) into the
                                          configured database
  copy --from URL --to URL [--events]     stream every account from one database into another
  version                                 print the version
  help [command]                          print this, or a command's help

authd COMMAND --help (or -h) prints that command's help and does nothing else.

` + configPointer

// run executes one command and returns the process exit code: 0 on success (and
// after printing help), 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = withFlags(cmd, args, stdout, func() error {
			return withConfig(stderr, func(cfg Config) error { return serve(ctx, cfg, stderr) })
		})
	case "migrate":
		err = withFlags(cmd, args, stdout, func() error {
			return withConfig(stderr, func(cfg Config) error { return migrate(ctx, cfg, stderr) })
		})
	case "admin":
		err = adminCommand(ctx, args, stdin, stdout, stderr)
	case "keygen":
		err = keygen(args, stdout)
	case "check-identities":
		err = checkIdentities(ctx, args, stdout, stderr)
	case "export":
		err = exportCommand(ctx, args, stdout, stderr)
	case "import":
		err = importCommand(ctx, args, stdin, stdout, stderr)
	case "copy":
		err = copyCommand(ctx, args, stdout, stderr)
	case "version", "--version", "-v":
		err = withFlags("version", args, stdout, func() error {
			_, err := fmt.Fprintln(stdout, "authd", version)
			return err
		})
	case "help", "--help", "-help", "-h":
		return helpCommand(args, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "authd: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		if ue, ok := err.(usageError); ok {
			fmt.Fprintf(stderr, "authd: %s\n", ue)
			return 2
		}
		fmt.Fprintf(stderr, "authd: %v\n", err)
		return 1
	}
	return 0
}

// withFlags parses the arguments of a command that has no flags of its own and
// runs act, unless they ask for help (printed, act not run) or are wrong.
func withFlags(name string, args []string, stdout io.Writer, act func() error) error {
	if helped, err := parseFlags(newFlagSet(name), args, stdout); helped || err != nil {
		return err
	}
	return act()
}

// usageError is a mistake in the command line, answered with exit code 2.
type usageError string

func (e usageError) Error() string { return string(e) }

// withConfig loads the configuration and runs fn with it. A bad configuration stops
// here, one line per bad variable. Before fn runs, the database drivers' own log
// lines are routed into the service's log, and every AUTH_* variable that authd does
// not read is warned about (a typo would otherwise leave the default in force).
func withConfig(stderr io.Writer, fn func(Config) error) error {
	cfg, err := loadConfigFromProcess()
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	logger := newLogger(cfg, stderr)
	sqlstore.SetLogger(logger)
	warnUnknownVars(logger, os.Environ(), dotenvNames())
	return fn(cfg)
}
