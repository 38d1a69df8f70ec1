package main

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listen binds AUTH_LISTEN. serve calls it before it opens the database, so that a
// taken port fails at once instead of after migrating and loading keys.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		hint := "is another process (another authd?) listening there? Stop it or choose another address with AUTH_LISTEN"
		switch {
		case errors.Is(err, syscall.EACCES):
			hint = "ports below 1024 need privileges; use e.g. AUTH_LISTEN=:8080 behind a proxy"
		case errors.Is(err, syscall.EADDRNOTAVAIL):
			hint = "that IP address is not one of this machine's; use :PORT to listen on all of them"
		}
		return nil, fmt.Errorf("AUTH_LISTEN=%s: cannot listen: %w\n  hint: %s", addr, err, hint)
	}
	return ln, nil
}

// listener returns the listener serve bound before Open, or binds AUTH_LISTEN now
// (end-to-end tests call Start directly).
func (m *Main) listener() (net.Listener, error) {
	if ln := m.bound; ln != nil {
		m.bound = nil
		return ln, nil
	}
	return listen(m.Config.Listen)
}
