package main

import (
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"errors"
	"flag"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// natsConfig are the flags that reach a NATS server. User and password or a token go in the
// URL (nats://user:pass@host:4222, nats://token@host:4222).
type natsConfig struct {
	URL                    string
	Creds, NKey            string
	TLSCA, TLSCert, TLSKey string
}

func (c *natsConfig) register(fs *flag.FlagSet, defURL, urlHelp string) {
	fs.StringVar(&c.URL, "nats-url", defURL, urlHelp)
	fs.StringVar(&c.Creds, "nats-creds", "", "NATS user credentials file (JWT and NKey seed)")
	fs.StringVar(&c.NKey, "nats-nkey", "", "NATS NKey seed file")
	fs.StringVar(&c.TLSCA, "nats-tls-ca", "", "CA certificate file to verify the NATS server")
	fs.StringVar(&c.TLSCert, "nats-tls-cert", "", "client certificate file for NATS mutual TLS (with --nats-tls-key)")
	fs.StringVar(&c.TLSKey, "nats-tls-key", "", "client key file for NATS mutual TLS")
}

func (c natsConfig) validate() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--nats-tls-cert and --nats-tls-key go together")
	}
	if c.Creds != "" && c.NKey != "" {
		return errors.New("--nats-creds and --nats-nkey exclude each other")
	}
	return nil
}

// options are the credential and TLS options of the flags.
func (c natsConfig) options() ([]nats.Option, error) {
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

// connect dials url (which may differ from c.URL, for the embedded server) with the flags'
// credentials and TLS, plus extra options.
func (c natsConfig) connect(url, name string, log *zap.Logger, extra ...nats.Option) (*nats.Conn, error) {
	opts, err := c.options()
	if err != nil {
		return nil, err
	}
	return natsjs.Connect(url, name, log, append(opts, extra...)...)
}

// connectJS is connect plus a JetStream context on the connection. The caller closes nc.
func (c natsConfig) connectJS(url, name string, log *zap.Logger, extra ...nats.Option) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := c.connect(url, name, log, extra...)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jetstream: %w", err)
	}
	return nc, js, nil
}
