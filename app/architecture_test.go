package app_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/authd/authd"

// TestImportDirection keeps the hexagon honest: domain ← ports ← app ← adapters ←
// cmd. It reads the import lines of every non-test Go file, so adding a forbidden
// import fails the build's tests before review.
func TestImportDirection(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	// allowed reports whether a file in dir may import path.
	rules := []struct {
		dir     string
		allowed func(path string) bool
	}{
		{"domain", func(p string) bool { return isStdlib(p) }},
		{"ports", func(p string) bool { return isStdlib(p) || p == module+"/domain" }},
		{"app", func(p string) bool {
			return isStdlib(p) || p == module+"/domain" || p == module+"/ports"
		}},
		{"adapters", func(p string) bool {
			// Adapters never drive the use cases, except the HTTP adapter, and they do
			// not reach into one another — except the test-support packages, which
			// open real backends.
			return !strings.HasPrefix(p, module+"/cmd") && p != module+"/app"
		}},
	}
	checked := 0
	for _, r := range rules {
		err := filepath.WalkDir(filepath.Join(root, r.dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			checked++
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				ok := r.allowed(p)
				if r.dir == "adapters" {
					ok = ok || (p == module+"/app" && strings.HasPrefix(rel, filepath.Join("adapters", "http")))
					if strings.HasPrefix(p, module+"/adapters/") && !testSupport(rel) {
						ok = false
					}
				}
				if !ok {
					t.Errorf("%s imports %q, which breaks the import direction domain ← ports ← app ← adapters ← cmd", rel, p)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 10 {
		t.Fatalf("checked %d files, want the whole tree (at least 10): is the root %s right?", checked, root)
	}
}

// isStdlib reports whether an import path belongs to the standard library: its first
// element has no dot.
func isStdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// testSupport reports whether a file belongs to a package that exists to give tests
// real backends, and so may import other adapters.
func testSupport(rel string) bool {
	for _, p := range []string{"backendtest", "storetest"} {
		if strings.HasPrefix(rel, filepath.Join("adapters", p)) {
			return true
		}
	}
	return false
}
