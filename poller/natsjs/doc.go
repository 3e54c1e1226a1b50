// Package natsjs is taskpoller's NATS JetStream side: the adapters of the worker's ports —
// Publisher (events, fenced on each task's latest event), Source (registrations recorded in
// the tasks bucket, handed out by partition under leases in the owners bucket), StateStore
// (task state in a KV bucket), Presence (the fleet, poller.Fleet), Throttles (the fleet's
// rate cuts), and for discovery DiscoveryStore (regions' leases and cursors in KV buckets)
// and Registrar (registrations as producers publish them) — with Setup, which creates their streams, consumer and buckets without ever
// lowering a shared setting, and Healer, which recreates them when they disappear;
// StartServer, an embedded nats-server; and Inspector, which reads what the assets hold about
// tasks for tools, creating nothing.
//
// The event contract itself (types, subjects, ids, registration format) is package events;
// connecting, following events and registering tasks, which consumers and producers need
// without this package's server and metrics, is package events/natsclient.
// All types are safe for concurrent use unless their doc says otherwise.
package natsjs
