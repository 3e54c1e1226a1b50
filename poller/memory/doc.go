// Package memory implements the worker's ports in memory: Journal (poller.Publisher), Store
// (poller.StateStore), Queue with its Sources (poller.Source), and for discovery Discovery
// (poller.DiscoveryStore) and Registrations with its Registrars (poller.Registrar). They keep
// the same contracts as the JetStream adapters (package porttest checks both), so the
// worker's logic can be tested without a network — under testing/synctest, exactly — and
// tried without NATS. Nothing is durable. All types are safe for concurrent use.
package memory
