//go:build pprofdebug

package main

// Profiling for benchmarks only: a binary built with `-tags pprofdebug` serves
// net/http/pprof on AUTHD_PPROF_LISTEN (e.g. 127.0.0.1:6060). Release builds have
// no such listener.

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("AUTHD_PPROF_LISTEN"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
