package httpapi

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIPs resolves the client address of a request. The socket peer is the client
// unless it is a trusted proxy; then X-Forwarded-For is read from the right, skipping
// trusted proxies, and the first address that is not one is the client. Reading from
// the right matters: proxies append the peer they saw, so only the entries added by
// our own proxies are facts — whatever the client put on the left is a claim, and
// taking the leftmost entry would let any client choose its rate-limit bucket.
type clientIPs struct {
	trusted []netip.Prefix
}

// newClientIPs parses the trusted proxies (IPs or CIDRs); invalid entries are
// skipped (configuration validation rejects them before this point).
func newClientIPs(proxies []string) clientIPs {
	var r clientIPs
	for _, p := range proxies {
		p = strings.TrimSpace(p)
		if pfx, err := netip.ParsePrefix(p); err == nil {
			r.trusted = append(r.trusted, pfx.Masked())
		} else if addr, err := netip.ParseAddr(p); err == nil {
			r.trusted = append(r.trusted, netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()))
		}
	}
	return r
}

func (r clientIPs) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// of returns the client address of c as a string.
func (r clientIPs) of(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	peer = peer.Unmap()
	if len(r.trusted) == 0 || !r.isTrusted(peer) {
		return peer.String()
	}
	var hops []string
	c.Request().Header.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), fiber.HeaderXForwardedFor) {
			hops = append(hops, strings.Split(string(v), ",")...)
		}
	})
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A garbled entry ends what can be believed; the last trusted hop is the
			// best answer left.
			break
		}
		if !r.isTrusted(addr) {
			return addr.Unmap().String()
		}
		peer = addr.Unmap()
	}
	return peer.String()
}

// localClientIP is the key under which the resolved client address is kept.
const localClientIP = "authd.client_ip"

// resolveClientIP stores the client address for the handlers, the limiter and the
// request log.
func resolveClientIP(r clientIPs) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localClientIP, r.of(c))
		return c.Next()
	}
}

// clientIP returns the address resolveClientIP stored.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return c.Context().RemoteIP().String()
}
