package main

import "testing"

func TestRedactURLMasksPasswordsInTheQuery(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ raw, want string }{
		{"postgres://u:pw1@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgres://u@h/db?password=pw2&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"postgres://u@h/db?sslpassword=pw3", "postgres://u@h/db?sslpassword=xxxxx"},
		{"smtp://h:587?Token=pw4", "smtp://h:587?Token=xxxxx"},
		{"dynamodb://t?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A8000", "dynamodb://t?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A8000"},
	} {
		if got := redactURL(c.raw); got != c.want {
			t.Errorf("redactURL(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}
