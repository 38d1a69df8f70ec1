package httpapi

import (
	"slices"
	"strings"
)

// routeTable remembers which methods each route template answers, so that a 405
// can carry the Allow header RFC 9110 §15.5.6 requires; Fiber only knows that some
// other method would have matched.
type routeTable struct {
	routes []routeEntry
}

type routeEntry struct {
	method   string
	segments []string
}

// add records a route template such as /v1/users/:id.
func (t *routeTable) add(method, template string) {
	t.routes = append(t.routes, routeEntry{method: method, segments: split(template)})
}

// allowed returns the comma-separated methods whose templates match path.
func (t *routeTable) allowed(path string) string {
	segs := split(path)
	var methods []string
	for _, r := range t.routes {
		if matches(r.segments, segs) && !slices.Contains(methods, r.method) {
			methods = append(methods, r.method)
		}
	}
	slices.Sort(methods)
	return strings.Join(methods, ", ")
}

func split(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

// matches reports whether a template's segments match a path's; ":name" matches any
// one segment.
func matches(template, path []string) bool {
	if len(template) != len(path) {
		return false
	}
	for i, s := range template {
		if !strings.HasPrefix(s, ":") && !strings.EqualFold(s, path[i]) {
			return false
		}
	}
	return true
}

// unmatchedRoute is the route label of a request no template matches (a 404), so
// that scanners probing random paths add one series, not one per path.
const unmatchedRoute = "unmatched"

// label returns the template that path matches, whatever the method — the one
// with the most literal segments when several do — or unmatchedRoute. A 405 and a
// 415 thus carry the route they were refused on; the label set stays the
// templates plus one.
func (t *routeTable) label(path string) string {
	if t == nil {
		return unmatchedRoute
	}
	segs := split(path)
	best, literals := unmatchedRoute, -1
	for _, r := range t.routes {
		if !matches(r.segments, segs) {
			continue
		}
		n := 0
		for _, s := range r.segments {
			if !strings.HasPrefix(s, ":") {
				n++
			}
		}
		if n > literals {
			best, literals = "/"+strings.Join(r.segments, "/"), n
		}
	}
	return best
}
