package main

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"

	"github.com/joho/godotenv"
)

// testVarPrefix starts the variables that configure authd's own test suites
// (AUTH_TEST_POSTGRES_URL, AUTH_TEST_REQUIRE_ALL, …). The service never reads them,
// and a developer's shell often exports them, so they are not configuration
// mistakes and are never warned about.
const testVarPrefix = envPrefix + "TEST_"

// maxTypoDistance is how many edits (insert, delete, substitute, swap two adjacent
// letters) a name may be from a known one for "did you mean" to suggest it.
const maxTypoDistance = 2

// unknownVar is an AUTH_* variable that Config does not read.
type unknownVar struct {
	name       string
	source     string // "environment" or ".env"
	suggestion string // the known name it probably means, or ""
}

// unknownVars returns the AUTH_* variables among environ ("NAME=value" entries, as
// os.Environ gives them) that no Config field reads, sorted by name, each with the
// nearest known name when one is close. Names in fromDotenv are reported as coming
// from .env. Values are never looked at.
func unknownVars(environ []string, fromDotenv map[string]bool) []unknownVar {
	var known []string
	isKnown := map[string]bool{}
	for _, f := range configFields() {
		known = append(known, f.key)
		isKnown[f.key] = true
	}
	var out []unknownVar
	seen := map[string]bool{}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, envPrefix) || strings.HasPrefix(name, testVarPrefix) || isKnown[name] || isProviderVar(name) || seen[name] {
			continue
		}
		seen[name] = true
		source := "environment"
		if fromDotenv[name] {
			source = ".env"
		}
		out = append(out, unknownVar{name: name, source: source, suggestion: suggest(name, known)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// suggest returns the known name that name most probably misspells: the nearest
// within maxTypoDistance edits (ignoring case; the first declared wins a tie), else
// the only known name that extends name or that name extends by whole words
// (AUTH_DATABASE → AUTH_DATABASE_URL, AUTH_LISTEN_ADDR → AUTH_LISTEN), else "".
func suggest(name string, known []string) string {
	upper := strings.ToUpper(name)
	best, bestDist := "", maxTypoDistance+1
	for _, k := range known {
		if d := editDistance(upper, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return best
	}
	var extends []string
	for _, k := range known {
		if strings.HasPrefix(k, upper+"_") || strings.HasPrefix(upper, k+"_") {
			extends = append(extends, k)
		}
	}
	if len(extends) == 1 {
		return extends[0]
	}
	return ""
}

// editDistance is the optimal-string-alignment distance of a and b: insertions,
// deletions, substitutions and transpositions of adjacent bytes, each costing one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// dotenvNames returns the names .env in the working directory sets; none when
// there is no .env (a .env that cannot be parsed was already reported by
// loadConfigFromProcess).
func dotenvNames() map[string]bool {
	m, err := godotenv.Read()
	if err != nil {
		return nil
	}
	names := make(map[string]bool, len(m))
	for k := range m {
		names[k] = true
	}
	return names
}

// warnUnknownVars logs one warning per AUTH_* variable that authd does not read, so
// that a typo (AUTH_ACESS_TTL) does not silently leave the default in force. It
// names the variable and where it was set, never its value, which may be a secret.
func warnUnknownVars(logger *slog.Logger, environ []string, fromDotenv map[string]bool) {
	for _, u := range unknownVars(environ, fromDotenv) {
		msg := fmt.Sprintf("unknown variable %s is ignored", u.name)
		attrs := []any{"variable", u.name, "source", u.source}
		if u.suggestion != "" {
			msg += fmt.Sprintf("; did you mean %s?", u.suggestion)
			attrs = append(attrs, "did_you_mean", u.suggestion)
		} else {
			msg += " (the README's configuration table lists every variable)"
		}
		logger.Warn(msg, attrs...)
	}
}
