package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ErrRemoteTarget is returned (wrapped) when the target is not on this machine and
// remote targets were not allowed. Load may only be aimed at localhost unless the
// operator says otherwise in so many words (-allow-remote).
var ErrRemoteTarget = errors.New("target is not a loopback address")

// CheckTarget validates the base URL of the service under test: an http or https URL
// with a host and no path beyond "/", query or credentials. Unless allowRemote is
// set, the host must be a loopback IP literal or a name that resolves only to
// loopback addresses. The dialer re-checks every connection (see loopbackOnly),
// so a name that later resolves elsewhere is still refused.
func CheckTarget(ctx context.Context, raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("-url %q: scheme must be http or https", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("-url %q: no host", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("-url %q: give only scheme, host and port; the API paths are fixed", raw)
	}
	u.Path = ""
	if allowRemote {
		return u, nil
	}
	host := u.Hostname()
	if addr, err := netip.ParseAddr(host); err == nil {
		if !addr.IsLoopback() {
			return nil, fmt.Errorf("-url host %s: %w (pass -allow-remote to override)", host, ErrRemoteTarget)
		}
		return u, nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("-url host %s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return nil, fmt.Errorf("-url host %s resolves to %s: %w (pass -allow-remote to override)", host, a, ErrRemoteTarget)
		}
	}
	return u, nil
}

// loopbackOnly is a net.Dialer Control function that refuses any connection whose
// resolved address is not loopback. It backs CheckTarget at the moment of dialling,
// so neither DNS changes nor redirects can carry the load elsewhere.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("dial %s: %w", address, ErrRemoteTarget)
	}
	return nil
}
