package main

import (
	"net/url"
	"strings"
)

// maskSecretParams replaces the values of u's query parameters that carry a
// secret — postgres' ?password= and sslpassword=, or any parameter whose name
// mentions pass, pwd, secret or token — with "xxxxx", as url.Redacted does for
// the userinfo password.
func maskSecretParams(u *url.URL) {
	if u.RawQuery == "" {
		return
	}
	q := u.Query()
	masked := false
	for k := range q {
		lk := strings.ToLower(k)
		for _, w := range []string{"pass", "pwd", "secret", "token"} {
			if strings.Contains(lk, w) {
				q[k] = []string{"xxxxx"}
				masked = true
			}
		}
	}
	if masked {
		u.RawQuery = q.Encode()
	}
}
