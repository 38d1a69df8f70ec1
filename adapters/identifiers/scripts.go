package identifiers

import (
	"sort"
	"unicode"
)

// scriptNames lists unicode.Scripts in a fixed order, the common ones first, so
// that finding a character's script is quick and deterministic.
var scriptNames = func() []string {
	first := []string{"Latin", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew"}
	rank := map[string]int{}
	for i, n := range first {
		rank[n] = i + 1
	}
	var names []string
	for n := range unicode.Scripts {
		if n != "Common" && n != "Inherited" {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		ri, rj := rank[names[i]], rank[names[j]]
		switch {
		case ri != 0 && rj != 0:
			return ri < rj
		case ri != 0 || rj != 0:
			return ri != 0
		}
		return names[i] < names[j]
	})
	return names
}()

// cjkSets are the script combinations UTS #39 §5.2 ("Highly Restrictive") allows
// in one string besides a single script: Latin mixed with the scripts Chinese,
// Japanese and Korean are written in together.
var cjkSets = []map[string]bool{
	{"Latin": true, "Han": true, "Hiragana": true, "Katakana": true},
	{"Latin": true, "Han": true, "Bopomofo": true},
	{"Latin": true, "Han": true, "Hangul": true},
}

// singleScript reports whether s is written in one script, ignoring characters
// every script shares (digits, punctuation: Common) or borrows (combining marks:
// Inherited), or in one of the CJK combinations of cjkSets.
func singleScript(s string) bool {
	seen := map[string]bool{}
	for _, r := range s {
		if n := script(r); n != "" {
			seen[n] = true
		}
	}
	if len(seen) <= 1 {
		return true
	}
	for _, set := range cjkSets {
		within := true
		for n := range seen {
			within = within && set[n]
		}
		if within {
			return true
		}
	}
	return false
}

// script returns the name of r's script, or "" for Common and Inherited.
func script(r rune) string {
	if r < 0x80 {
		if unicode.IsLetter(r) {
			return "Latin"
		}
		return ""
	}
	for _, n := range scriptNames {
		if unicode.Is(unicode.Scripts[n], r) {
			return n
		}
	}
	return ""
}
