package notify_test

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

// serverOptions shape the in-process SMTP server a test talks to.
type serverOptions struct {
	user, pass  string // AUTH PLAIN credentials; empty user means no AUTH offered
	startTLS    bool   // offer STARTTLS with a self-signed certificate
	implicitTLS bool   // speak TLS from the first byte (smtps)
}

// received is one message as the server saw it.
type received struct {
	from     string
	to       []string
	data     []byte
	tls      bool
	authUser string
}

// testServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1:0.
type testServer struct {
	host  string
	port  int
	roots *x509.CertPool // trusts the server's self-signed certificate
	msgs  chan received
	opts  serverOptions
}

// startServer starts a server with opts and stops it when t ends.
func startServer(t *testing.T, opts serverOptions) *testServer {
	t.Helper()
	cert, roots := selfSignedCert(t)
	ts := &testServer{roots: roots, msgs: make(chan received, 4), opts: opts}

	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ReadTimeout = 5 * time.Second
	s.WriteTimeout = 5 * time.Second
	s.MaxMessageBytes = 1 << 20
	// Over plain connections AUTH is allowed only because the client connects to
	// 127.0.0.1, which go-mail's PLAIN treats as local.
	s.AllowInsecureAuth = !opts.startTLS && !opts.implicitTLS
	tlsConfig := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	var ln net.Listener
	var err error
	if opts.implicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsConfig)
	} else {
		if opts.startTLS {
			s.TLSConfig = tlsConfig
		}
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })

	addr := ln.Addr().(*net.TCPAddr)
	ts.host, ts.port = addr.IP.String(), addr.Port
	return ts
}

// next waits for the next delivered message.
func (ts *testServer) next(t *testing.T) received {
	t.Helper()
	select {
	case m := <-ts.msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no message reached the SMTP server within 5s")
		return received{}
	}
}

func (ts *testServer) addr() string { return net.JoinHostPort(ts.host, strconv.Itoa(ts.port)) }

// session records one SMTP transaction.
type session struct {
	srv    *testServer
	conn   *smtp.Conn
	authed string
	msg    received
}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.opts.user || pass != s.srv.opts.pass {
			return errors.New("invalid credentials")
		}
		s.authed = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.user != "" && s.authed == "" {
		return smtp.ErrAuthRequired
	}
	s.msg = received{from: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.msg.to = append(s.msg.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.msg.data = data
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.msg.authUser = s.authed
	s.srv.msgs <- s.msg
	return nil
}

func (s *session) Reset()        { s.msg = received{} }
func (s *session) Logout() error { return nil }

// selfSignedCert makes a certificate for 127.0.0.1 and localhost, and a pool that
// trusts it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
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
		t.Fatalf("create certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, roots
}
