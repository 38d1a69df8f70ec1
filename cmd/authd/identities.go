package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
)

// checkIdentities is `authd check-identities`: it lists the stored accounts whose
// e-mail address or username the Unicode normalisation refuses, changes, or folds
// onto another account (see README, "Upgrading: e-mail normalisation"). It writes
// nothing to the database; it exits 1 when there is something to decide.
func checkIdentities(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if helped, err := parseFlags(newFlagSet("check-identities"), args, stdout); helped || err != nil {
		return err
	}
	return withConfig(stderr, func(cfg Config) error {
		m, err := Open(ctx, cfg, newLogger(cfg, stderr))
		if err != nil {
			return err
		}
		defer m.Close(context.Background())
		issues, err := m.App.CheckIdentities(ctx)
		if err != nil {
			return describe(err)
		}
		if len(issues) == 0 {
			fmt.Fprintln(stdout, "no account needs attention")
			return nil
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USER ID\tFIELD\tSTORED\tNORMALISED\tPROBLEM")
		for _, is := range issues {
			problem := "stored form changes (still found by login)"
			switch {
			case is.Refused != "":
				problem = "refused now: " + is.Refused
			case is.CollidesWith != "":
				problem = "looks the same as " + is.CollidesWith
			}
			// %+q shows invisible and non-ASCII characters as escapes.
			fmt.Fprintf(w, "%s\t%s\t%+q\t%+q\t%s\n", is.UserID, is.Field, is.Stored, is.Normalised, problem)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		return fmt.Errorf("%d account values need attention; nothing was changed", len(issues))
	})
}
