package backendtest

import (
	"fmt"
	"net"
	"time"
)

// localServer is where a developer's own server of a backend usually listens, and
// the AUTH_TEST_* URL that would use it.
type localServer struct {
	title  string // "PostgreSQL"
	envVar string // AUTH_TEST_POSTGRES_URL
	addr   string // the usual address; tests put a listener of their own here
	url    string // format of the URL to suggest, %s being addr
}

// localServers are the usual local ports of the server backends, checked only when
// a backend is about to be skipped.
var localServers = map[string]localServer{
	"postgres": {title: "PostgreSQL", envVar: "AUTH_TEST_POSTGRES_URL", addr: "127.0.0.1:5432",
		url: "postgres://postgres@%s/postgres?sslmode=disable"},
	"mysql": {title: "MySQL/MariaDB", envVar: "AUTH_TEST_MYSQL_URL", addr: "127.0.0.1:3306",
		url: "mysql://root@%s/test"},
}

// dialTimeout bounds the check of a usual port; a local server answers at once.
const dialTimeout = 300 * time.Millisecond

// answering returns "PostgreSQL answers on 127.0.0.1:5432: set
// AUTH_TEST_POSTGRES_URL=… to use it" when something accepts connections on the
// usual address, and "" otherwise.
func (l localServer) answering() string {
	c, err := net.DialTimeout("tcp", l.addr, dialTimeout)
	if err != nil {
		return ""
	}
	_ = c.Close()
	return fmt.Sprintf("%s answers on %s: set %s=%s to use it", l.title, l.addr, l.envVar, fmt.Sprintf(l.url, l.addr))
}

// noServerReason is why a backend whose AUTH_TEST_* URL is unset and whose
// container could not be started is skipped: first, if its server answers on the
// usual local port, how to use it; then the container's error.
func noServerReason(l localServer, containerErr error) string {
	why := fmt.Sprintf("%s is not set and no container could be started (%v)", l.envVar, containerErr)
	if hint := l.answering(); hint != "" {
		return hint + "; " + why
	}
	return why
}
