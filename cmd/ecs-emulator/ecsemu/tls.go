package ecsemu

import (
	"crypto/tls"
	"fmt"
	"net"
)

// WithTLS also serves the API (ECS, STS and /_emulator/) over HTTPS at addr, such as
// "127.0.0.1:0", with TestCertificate unless WithTLSCertificate gives another. credentials-go
// (v1.4.14) calls STS over HTTPS only (its RAM role ARN and OIDC providers fix the scheme), so
// a credential of kind ram_role_arn reaches the emulator's AssumeRole only here: point its STS
// endpoint at TLSEndpoint and have the process trust the certificate (WriteTestCertificate).
func WithTLS(addr string) Option { return func(c *config) { c.tlsAddr = addr } }

// WithTLSCertificate replaces TestCertificate on the HTTPS listener of WithTLS.
func WithTLSCertificate(cert tls.Certificate) Option {
	return func(c *config) { c.tlsCert = &cert }
}

// listenTLS opens the HTTPS listener of WithTLS; nil when there is none.
func listenTLS(cfg config) (net.Listener, error) {
	if cfg.tlsAddr == "" {
		return nil, nil
	}
	cert := cfg.tlsCert
	if cert == nil {
		c, err := TestCertificate()
		if err != nil {
			return nil, err
		}
		cert = &c
	}
	ln, err := net.Listen("tcp", cfg.tlsAddr)
	if err != nil {
		return nil, fmt.Errorf("ecsemu: listen on %s: %w", cfg.tlsAddr, err)
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}), nil
}

// TLSEndpoint returns "127.0.0.1:PORT" of the HTTPS listener (WithTLS), the STS endpoint for
// credentials-go; "" without one.
func (s *Server) TLSEndpoint() string {
	if s.tlsLn == nil {
		return ""
	}
	return loopbackEndpoint(s.tlsLn.Addr().String())
}
