package natsclient

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// ConnConfig says how to reach and authenticate to NATS; every command of the project takes
// it from the same flags (RegisterFlags). User and password or a token go in the URL
// (nats://user:pass@host:4222, nats://token@host:4222).
type ConnConfig struct {
	URL                    string // server URL(s), comma-separated
	Creds, NKey            string // user credentials file (JWT and seed), or NKey seed file
	TLSCA, TLSCert, TLSKey string // CA to verify the server; client certificate and key
}

// RegisterFlags defines --nats-url (with default defURL and help urlHelp), --nats-creds,
// --nats-nkey, --nats-tls-ca, --nats-tls-cert and --nats-tls-key on fs, into c.
func (c *ConnConfig) RegisterFlags(fs *flag.FlagSet, defURL, urlHelp string) {
	fs.StringVar(&c.URL, "nats-url", defURL, urlHelp)
	fs.StringVar(&c.Creds, "nats-creds", "", "NATS user credentials file (JWT and NKey seed)")
	fs.StringVar(&c.NKey, "nats-nkey", "", "NATS NKey seed file")
	fs.StringVar(&c.TLSCA, "nats-tls-ca", "", "CA certificate file to verify the NATS server")
	fs.StringVar(&c.TLSCert, "nats-tls-cert", "", "client certificate file for NATS mutual TLS (with --nats-tls-key)")
	fs.StringVar(&c.TLSKey, "nats-tls-key", "", "client key file for NATS mutual TLS")
}

// Validate reports settings that exclude each other.
func (c ConnConfig) Validate() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--nats-tls-cert and --nats-tls-key go together")
	}
	if c.Creds != "" && c.NKey != "" {
		return errors.New("--nats-creds and --nats-nkey exclude each other")
	}
	return nil
}

// Options are the credential and TLS options of c.
func (c ConnConfig) Options() ([]nats.Option, error) {
	var opts []nats.Option
	if c.Creds != "" {
		opts = append(opts, nats.UserCredentials(c.Creds))
	}
	if c.NKey != "" {
		o, err := nats.NkeyOptionFromSeed(c.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey: %w", err)
		}
		opts = append(opts, o)
	}
	if c.TLSCA != "" {
		opts = append(opts, nats.RootCAs(c.TLSCA))
	}
	if c.TLSCert != "" {
		opts = append(opts, nats.ClientCert(c.TLSCert, c.TLSKey))
	}
	return opts, nil
}

// Dial connects to url (c.URL when empty; another for an embedded server) with c's
// credentials and TLS and the project's policy (Connect), plus extra options, and returns the
// connection with a JetStream context on it. The caller closes the connection.
func (c ConnConfig) Dial(url, name string, log *zap.Logger, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	if url == "" {
		url = c.URL
	}
	opts, err := c.Options()
	if err != nil {
		return nil, nil, err
	}
	nc, err := Connect(url, name, log, append(opts, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	return withJetStream(nc)
}

// DialRetry connects through link (to its URL) with c's credentials and TLS and the project's
// policy, plus extra options, trying again every second until connected or ctx ends; link
// logs each failure's cause and tells it (Link.Err) meanwhile. The caller closes the
// connection.
func (c ConnConfig) DialRetry(ctx context.Context, link *Link, name string, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	opts, err := c.Options()
	if err != nil {
		return nil, nil, err
	}
	nc, err := link.Connect(ctx, name, true, append(opts, extra...)...)
	if err != nil {
		return nil, nil, err
	}
	return withJetStream(nc)
}

func withJetStream(nc *nats.Conn) (*nats.Conn, jetstream.JetStream, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}
