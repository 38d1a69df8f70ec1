package domain

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// RedirectAllowList is AUTH_REDIRECT_URLS (ARCHITECTURE.md §10): the URLs authd
// may send a browser back to with an authorization code. A URL is allowed when it
// equals an entry exactly, as a string (RFC 9700 §4.1.3: no prefix, pattern or
// normalising match), with one exception: an entry on a loopback IP
// (http://127.0.0.1 or http://[::1]) matches that URL on any port, because a
// native app listens on whatever port the system gives it (RFC 8252 §7.3).
type RedirectAllowList struct {
	exact    map[string]bool
	loopback map[string]bool // the entries on a loopback IP, without their port
}

// ParseRedirectAllowList checks every entry: an absolute URL without userinfo or
// fragment (RFC 6749 §3.1.2); https, or http on a loopback IP or localhost, or
// a private-use scheme of a native app (RFC 8252 §7.1, reverse-DNS such as
// com.example.app:/callback).
func ParseRedirectAllowList(entries []string) (RedirectAllowList, error) {
	l := RedirectAllowList{exact: map[string]bool{}, loopback: map[string]bool{}}
	for _, e := range entries {
		if err := checkRedirectEntry(e); err != nil {
			return RedirectAllowList{}, fmt.Errorf("%q: %w", e, err)
		}
		l.exact[e] = true
		if k, ok := loopbackKey(e); ok {
			l.loopback[k] = true
		}
	}
	return l, nil
}

func checkRedirectEntry(e string) error {
	u, err := url.Parse(e)
	switch {
	case err != nil || !u.IsAbs():
		return errors.New("not an absolute URL")
	case u.User != nil:
		return errors.New("a redirect URL carries no user name or password")
	case u.Fragment != "" || strings.Contains(e, "#"):
		return errors.New("a redirect URL has no fragment (RFC 6749 §3.1.2)")
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return errors.New("no host")
		}
	case "http":
		if h := u.Hostname(); h != "localhost" && !isLoopbackIP(h) {
			return errors.New("http is allowed only on 127.0.0.1, [::1] or localhost; use https")
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return errors.New("use https, http on a loopback address, or a private-use scheme in reverse-DNS form (com.example.app)")
		}
	}
	return nil
}

// Allows reports whether uri may receive a redirect.
func (l RedirectAllowList) Allows(uri string) bool {
	if l.exact[uri] {
		return true
	}
	k, ok := loopbackKey(uri)
	return ok && l.loopback[k]
}

// Empty reports whether no redirect URL is allowed.
func (l RedirectAllowList) Empty() bool { return len(l.exact) == 0 }

// loopbackKey is an http URL on a loopback IP written without its port, for the
// any-port rule; ok is false for every other URL. The URL is rebuilt from its
// parsed parts and must round-trip to the same string with the port put back,
// so a URL that parses in a surprising way never matches by this rule.
func loopbackKey(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" || u.Opaque != "" || !isLoopbackIP(u.Hostname()) {
		return "", false
	}
	host := u.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	hostport := host
	if p := u.Port(); p != "" {
		hostport += ":" + p
	}
	rest := u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		rest += "?" + u.RawQuery
	}
	if "http://"+hostport+rest != s {
		return "", false
	}
	return "http://" + host + rest, true
}

// isLoopbackIP is true for 127.0.0.1 and ::1 written as IPs — not for the name
// localhost, which can resolve elsewhere (RFC 8252 §8.3).
func isLoopbackIP(h string) bool {
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback() && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}
