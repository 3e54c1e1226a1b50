package natsclient

import (
	"context"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// Connect dials NATS once with the project's connection policy: once connected, keep reconnecting
// for ever (also after the server refused the credentials), log disconnections, failed
// attempts and reconnections naming the URL with its credentials redacted and the cause
// (Link), and keep no reconnect buffer — a publish made while disconnected fails at once
// instead of waiting in the client to land later, when its sender may no longer own what it
// announces. A failure names the URL (redacted) and its cause, such as "dial tcp
// 127.0.0.1:4222: connect: connection refused" or "nats: authorization violation". extra adds
// options such as credentials, TLS, or nats.RetryOnFailedConnect for services that may start
// before NATS (Link.Connect with retry also logs why each attempt failed). The caller closes
// the connection.
func Connect(url, name string, log *zap.Logger, extra ...nats.Option) (*nats.Conn, error) {
	return NewLink(url, log).Connect(context.Background(), name, false, extra...)
}
