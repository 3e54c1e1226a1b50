// Package natsclient is the client side of taskpoller's event contract over NATS JetStream, for
// the services around the workers: ConnConfig, Connect and Link, the one connection policy of
// every command (no reconnect buffer; every failure named by its URL, credentials redacted, and
// its cause); Follow, a durable at-least-once view of the events for downstream services; and
// Register, for producers of task registrations.
//
// It imports neither nats-server nor Prometheus, so a consumer or producer built on it
// compiles neither (the workers' side is package poller/natsjs). All types are safe for
// concurrent use unless their doc says otherwise.
package natsclient
