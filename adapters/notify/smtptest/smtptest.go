// Package smtptest runs a real SMTP server (emersion/go-smtp) on 127.0.0.1:0 for
// tests, the way net/http/httptest runs an HTTP one: it keeps every message it
// receives, so a test reads what authd sent as a user's mailbox would.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options shape the server. The zero value is a plain server without AUTH.
type Options struct {
	// User and Pass are the AUTH PLAIN credentials; an empty User offers no AUTH.
	User, Pass string
	// StartTLS offers STARTTLS with a self-signed certificate.
	StartTLS bool
	// ImplicitTLS speaks TLS from the first byte (smtps).
	ImplicitTLS bool
	// Addr is the host:port to listen on; empty picks a free loopback port. A test
	// that starts the server late (a mail server that was down) names the address
	// its client was configured with.
	Addr string
}

// Message is one message as the server received it.
type Message struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool   // whether it came over TLS
	AuthUser string // who authenticated, if anyone
}

// Server is a running SMTP server.
type Server struct {
	// Roots trusts the server's self-signed certificate.
	Roots *x509.CertPool

	srv  *smtp.Server
	addr string
	opts Options
	msgs chan Message
}

// Start starts a server with opts and closes it when t ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, roots := selfSignedCert(t)
	s := &Server{Roots: roots, opts: opts, msgs: make(chan Message, 8)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 1 << 20
	// Over plain connections AUTH is allowed only because clients connect to
	// 127.0.0.1, which they treat as local.
	s.srv.AllowInsecureAuth = !opts.StartTLS && !opts.ImplicitTLS
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	if opts.ImplicitTLS {
		ln, err = tls.Listen("tcp", addr, tlsConfig)
	} else {
		if opts.StartTLS {
			s.srv.TLSConfig = tlsConfig
		}
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = ln.Addr().String()
	go func() { _ = s.srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// HostPort is Addr taken apart, for configurations that want them separately.
func (s *Server) HostPort() (string, int) {
	host, port, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(port)
	return host, n
}

// Close stops the server and drops its connections; calling it twice is harmless.
func (s *Server) Close() { _ = s.srv.Close() }

// Messages is the stream of received messages, for a test that counts many.
func (s *Server) Messages() <-chan Message { return s.msgs }

// Next waits, at most within, for the next message, failing t if none comes.
func (s *Server) Next(t testing.TB, within time.Duration) Message {
	t.Helper()
	select {
	case m := <-s.msgs:
		return m
	case <-time.After(within):
		t.Fatalf("smtptest: no message reached the SMTP server within %s", within)
		return Message{}
	}
}

// session records one SMTP transaction.
type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed string
	msg    Message
}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.opts.User || pass != s.srv.opts.Pass {
			return errors.New("invalid credentials")
		}
		s.authed = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.User != "" && s.authed == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = Message{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.Data = data
	_, s.msg.TLS = s.conn.TLSConnectionState()
	s.msg.AuthUser = s.authed
	s.srv.msgs <- s.msg
	return nil
}

func (s *session) Reset()        { s.msg = Message{} }
func (s *session) Logout() error { return nil }

// selfSignedCert makes a certificate for 127.0.0.1 and localhost, and a pool that
// trusts it.
func selfSignedCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("smtptest: generate key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "authd test SMTP"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("smtptest: create certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("smtptest: parse certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}
