package httpapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"
)

// TestRoutesMatchDocument fails when the routes the Fiber app serves and the
// operations openapi.json describes differ, in either direction: an undocumented
// route is invisible to integrators, and a documented one that is not served makes
// their generated clients call into a 404.
func TestRoutesMatchDocument(t *testing.T) {
	e := newEnv(t, "sqlite")
	if diff := routeDiff(e.api, specDoc(t)); len(diff) > 0 {
		t.Errorf("the served routes and openapi.json differ:\n%s", strings.Join(diff, "\n"))
	}
}

// routeDiff lists, one line each and sorted, the operations f serves that doc lacks
// and those doc describes that f does not serve. Middleware (app.Use) is no route;
// a HEAD route beside a GET on the same path is the one fiber.App.Get adds on its
// own, and counts only if the document describes HEAD there. A Fiber parameter
// :id is the document's {id}; an optional, wildcard or greedy parameter has no
// OpenAPI counterpart and is listed as such.
func routeDiff(f *fiber.App, doc *openapi3.T) []string {
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	routes := f.GetRoutes(true) // true leaves out the middleware entries of app.Use
	hasGet := map[string]bool{}
	for _, r := range routes {
		if r.Method == fiber.MethodGet {
			hasGet[r.Path] = true
		}
	}
	var diff []string
	served := map[string]bool{}
	for _, r := range routes {
		path, ok := openAPIPath(r.Path)
		if !ok {
			diff = append(diff, fmt.Sprintf("served %s %s: its parameters have no OpenAPI form", r.Method, r.Path))
			continue
		}
		op := r.Method + " " + path
		if r.Method == fiber.MethodHead && hasGet[r.Path] && !documented[op] {
			continue
		}
		served[op] = true
	}
	for op := range served {
		if !documented[op] {
			diff = append(diff, "served but not in openapi.json: "+op)
		}
	}
	for op := range documented {
		if !served[op] {
			diff = append(diff, "in openapi.json but not served: "+op)
		}
	}
	slices.Sort(diff)
	return diff
}

// openAPIPath turns a Fiber route path into an OpenAPI path template; ok is false
// for a parameter OpenAPI cannot express (optional ?, wildcard *, greedy +, or one
// sharing a segment with other text).
func openAPIPath(fiberPath string) (path string, ok bool) {
	segs := strings.Split(fiberPath, "/")
	for i, s := range segs {
		if strings.ContainsAny(s, "*+?") {
			return "", false
		}
		if name, isParam := strings.CutPrefix(s, ":"); isParam {
			if name == "" || strings.ContainsAny(name, ":.-~") {
				return "", false
			}
			segs[i] = "{" + name + "}"
		} else if strings.Contains(s, ":") {
			return "", false
		}
	}
	return strings.Join(segs, "/"), true
}
