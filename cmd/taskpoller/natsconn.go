package main

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
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

// options are the connection options: reconnect forever, log connection changes.
func (c natsConfig) options(name string, log *zap.Logger) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("disconnected from NATS", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("reconnected to NATS", zap.String("server", nc.ConnectedUrlRedacted())) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { log.Warn("NATS error", zap.Error(err)) }),
	}
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

// connect dials url (which may differ from c.URL, for the embedded server).
func (c natsConfig) connect(url, name string, log *zap.Logger) (*nats.Conn, error) {
	opts, err := c.options(name, log)
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS: %w", err)
	}
	return nc, nil
}
