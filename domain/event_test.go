package domain_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/authd/authd/domain"
)

// TestREADMEListsEveryEventType keeps the README's events table in step with
// domain.EventTypes: the same types in the same order, each with the same "when"
// and "data" as the code documents.
func TestREADMEListsEveryEventType(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+\\.[a-z_]+)` \\|.*$")
	var got []string
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		if domain.EventType(m[1]).Valid() || strings.Contains(m[0], "written") || len(got) > 0 {
			got = append(got, m[0])
		}
	}
	var want []string
	for _, i := range domain.EventTypes {
		d := i.Data
		if d == "" {
			d = "(empty)"
		}
		want = append(want, fmt.Sprintf("| `%s` | %s | %s |", i.Type, i.When, d))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README events table:\n%s\nwant (from domain.EventTypes):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEventTypesAreClosedAndWellNamed(t *testing.T) {
	name := regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)
	seen := map[domain.EventType]bool{}
	for _, i := range domain.EventTypes {
		if !name.MatchString(string(i.Type)) || seen[i.Type] || i.When == "" {
			t.Errorf("event type %q: want a unique <noun>.<past verb> with a description", i.Type)
		}
		seen[i.Type] = true
	}
	if domain.EventType("user.exploded").Valid() {
		t.Error("an unknown type is Valid")
	}
	for _, tc := range []struct {
		t      domain.EventType
		filter string
		want   bool
	}{
		{"login.failed", "", true}, {"login.failed", "login.", true}, {"login.failed", "login.failed", true},
		{"login.failed", "login", false}, {"login.failed", "log", false}, {"user.created", "login.", false},
	} {
		if got := domain.MatchesEventFilter(tc.t, tc.filter); got != tc.want {
			t.Errorf("MatchesEventFilter(%s, %q) = %v, want %v", tc.t, tc.filter, got, tc.want)
		}
	}
}
