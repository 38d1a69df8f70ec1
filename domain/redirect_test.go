package domain

import "testing"

func TestRedirectAllowList(t *testing.T) {
	l, err := ParseRedirectAllowList([]string{
		"https://app.example.com/callback",
		"https://app.example.com/cb?tenant=1",
		"http://127.0.0.1/native",
		"http://[::1]:8080/native",
		"http://localhost:3000/dev",
		"com.example.app:/oauth",
	})
	if err != nil {
		t.Fatal(err)
	}
	for uri, want := range map[string]bool{
		"https://app.example.com/callback":                   true,
		"https://app.example.com/cb?tenant=1":                true,
		"http://127.0.0.1/native":                            true,
		"http://127.0.0.1:51234/native":                      true, // any port on a loopback IP (RFC 8252 §7.3)
		"http://[::1]/native":                                true,
		"http://[::1]:9/native":                              true,
		"http://localhost:3000/dev":                          true,
		"com.example.app:/oauth":                             true,
		"https://app.example.com/callback/":                  false, // exact: no prefix match
		"https://app.example.com/callback?x=1":               false,
		"https://app.example.com/Callback":                   false,
		"https://APP.example.com/callback":                   false, // no normalising either
		"https://app.example.com/cb":                         false,
		"https://app.example.com.evil.com/callback":          false,
		"https://evil.com/?https://app.example.com/callback": false,
		"https://app.example.com/callback#x":                 false,
		"http://app.example.com/callback":                    false,
		"http://localhost:3001/dev":                          false, // the any-port rule is for IPs only
		"http://127.0.0.1:1/native/":                         false,
		"http://127.0.0.1:1/native?x":                        false,
		"http://127.0.0.1:1/native#frag":                     false,
		"http://127.0.0.2:1/native":                          false,
		"http://evil@127.0.0.1:1/native":                     false,
		"http://127.0.0.1:1@evil.com/native":                 false,
		"https://127.0.0.1:1/native":                         false,
		"http://127.0.0.1:1/%6eative":                        false,
		"http://0x7f.0.0.1:1/native":                         false,
		"":                                                   false,
	} {
		if got := l.Allows(uri); got != want {
			t.Errorf("Allows(%q) = %v, want %v", uri, got, want)
		}
	}
	for _, bad := range []string{"/callback", "app.example.com/cb", "https://u:p@app.example.com/cb", "https://app.example.com/cb#f",
		"http://app.example.com/cb", "javascript:alert(1)", "data:text/html,x", "ftp://x/y", "https:///nohost"} {
		if _, err := ParseRedirectAllowList([]string{bad}); err == nil {
			t.Errorf("ParseRedirectAllowList(%q) = nil error, want one", bad)
		}
	}
	if (RedirectAllowList{}).Allows("https://app.example.com/callback") {
		t.Error("the empty list allows a URL")
	}
}
