package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// configPointer ends every help text: where the configuration is documented.
const configPointer = `Configuration comes from AUTH_* environment variables and an optional .env file in
the working directory; every variable with its default is in the Configuration table
of README.md (and in deploy/.env.example).
`

// commandHelp is what `authd CMD --help` prints about one command, above its flags.
type commandHelp struct {
	synopsis string // the usage line, after "usage: "
	about    string // what the command does, one paragraph
}

// helps holds the help of every command that has its own flags or acts; the key is
// the command as typed ("admin create").
var helps = map[string]commandHelp{
	"serve": {
		synopsis: "authd [serve]",
		about: `Run the service: bind AUTH_LISTEN, open AUTH_DATABASE_URL (migrating the schema first
unless AUTH_MIGRATE_ON_START=false), load or generate the signing keys and serve the HTTP
API until SIGINT or SIGTERM, then shut down gracefully within AUTH_SHUTDOWN_TIMEOUT.`,
	},
	"migrate": {
		synopsis: "authd migrate",
		about: `Create or upgrade the schema of the database AUTH_DATABASE_URL names (for DynamoDB: the
table with its indexes and TTL), then exit. Safe to run again and from several
instances at once.`,
	},
	"admin": {
		synopsis: "authd admin create --email E [--username U] [--name N] < password",
		about:    `Administer accounts. The one sub-command is "create"; see authd admin create --help.`,
	},
	"admin create": {
		synopsis: "authd admin create --email E [--username U] [--name N] < password",
		about: `Create an active admin account in the database AUTH_DATABASE_URL names (migrating it
like serve does). The password is the first line of stdin, so it never shows in ps or
the shell history: echo "$PASSWORD" | authd admin create --email admin@example.com.
An e-mail that already has an account is refused.`,
	},
	"keygen": {
		synopsis: "authd keygen [--alg EdDSA|RS256|ES256] > key.pem",
		about: `Write a new PEM (PKCS#8) private key to stdout, for a file listed in AUTH_JWT_KEYS.
Reads no configuration and opens no database.`,
	},
	"check-identities": {
		synopsis: "authd check-identities",
		about: `Report stored e-mail addresses and usernames that today's Unicode normalisation
refuses, changes, or folds onto another account (see the README, "Upgrading: e-mail
normalisation"). Writes nothing; exits 1 when there is something to decide.`,
	},
	"export": {
		synopsis: "authd export [--out FILE] [--events] [--batch N]",
		about: `Write every account of the database AUTH_DATABASE_URL names, with what keeps it working
(password hash, TOTP factors with their sealed secrets, recovery-code hashes, passkeys,
live sessions with their refresh counters, live one-time tokens) and the generated secrets (signing and
refresh keys, the generated encryption key), as JSON Lines: a header, one record a
line, an end record with the counts. The file is created with mode 0600: it holds
every password hash and key. Progress shows on a terminal; the counts end on stderr.`,
	},
	"import": {
		synopsis: "authd import [--in FILE | --from-gotrue POSTGRES_URL] [--on-conflict skip|fail] [--batch N]",
		about: `Load an archive written by authd export (or, with --from-gotrue, the accounts of a
GoTrue database's auth.users) into the database AUTH_DATABASE_URL names, migrating it
first, in batches. An account whose id, e-mail or username exists there is skipped and
named on stderr (--on-conflict skip), or stops the import with nothing of its batch
written (fail). Foreign password hashes (bcrypt, argon2i, Django PBKDF2, scrypt) are
kept and become argon2id at the next login.`,
	},
	"copy": {
		synopsis: "authd copy --from URL --to URL [--events] [--on-conflict skip|fail] [--batch N]",
		about: `Stream every account from one database into another, as export and import would
through a file, batch by batch: any of SQLite, PostgreSQL, MySQL and DynamoDB into any
other. The target is migrated first; it should be one authd has not run on, so that
it takes the source's generated keys. Start authd on the target with the same
configuration (the same AUTH_ENCRYPTION_KEY, AUTH_JWT_KEYS and AUTH_REFRESH_KEY when
set) and every session, token, password, TOTP factor and passkey keeps working.`,
	},
	"version": {
		synopsis: "authd version",
		about:    `Print the version of this binary.`,
	},
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// newFlagSet returns a flag set for the named command that reports errors only
// through Parse's return value, so that parseFlags decides what is printed where.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's arguments. A request for help (-h, --help, or
// "help" as the first argument) prints the command's help to stdout and returns
// helped=true, so the caller returns without acting. A bad flag or a stray argument
// is a usageError that points at --help.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) (helped bool, err error) {
	if len(args) > 0 && args[0] == "help" {
		printHelp(stdout, fs.Name(), fs)
		return true, nil
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs.Name(), fs)
			return true, nil
		}
		return false, usageError(fmt.Sprintf("%s: %v (see authd %s --help)", fs.Name(), err, fs.Name()))
	}
	if fs.NArg() > 0 {
		if isHelp(fs.Arg(0)) {
			printHelp(stdout, fs.Name(), fs)
			return true, nil
		}
		return false, usageError(fmt.Sprintf("%s: unexpected argument %q (see authd %s --help)", fs.Name(), fs.Arg(0), fs.Name()))
	}
	return false, nil
}

// printHelp writes the help of the named command: synopsis, what it does, its flags
// (from fs, which may be nil) and where the configuration is documented.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	h, ok := helps[name]
	if !ok {
		fmt.Fprint(w, usage)
		return
	}
	fmt.Fprintf(w, "usage: %s\n\n%s\n\n", h.synopsis, h.about)
	var flags strings.Builder
	if fs != nil {
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	if flags.Len() > 0 {
		fmt.Fprintf(w, "flags:\n%s\n", flags.String())
	} else {
		fmt.Fprint(w, "flags: none\n\n")
	}
	fmt.Fprint(w, configPointer)
}

// helpCommand is `authd help [command]`: the overview, or one command's help.
func helpCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	name := strings.Join(args, " ")
	if _, ok := helps[name]; !ok {
		fmt.Fprintf(stderr, "authd: no help for %q\n\n%s", name, usage)
		return 2
	}
	printHelp(stdout, name, commandFlags(name))
	return 0
}

// commandFlags returns the named command's flag set, built the way the command
// builds it, so that `authd help CMD` lists the same flags as `authd CMD --help`.
func commandFlags(name string) *flag.FlagSet {
	switch name {
	case "admin create":
		fs, _ := adminCreateFlags()
		return fs
	case "keygen":
		fs, _ := keygenFlags()
		return fs
	case "export":
		fs, _, _ := exportFlags()
		return fs
	case "import":
		fs, _, _, _ := importFlags()
		return fs
	case "copy":
		fs, _, _, _ := copyFlags()
		return fs
	}
	return newFlagSet(name)
}
