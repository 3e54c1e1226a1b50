// Package natsjs is taskpoller's NATS JetStream side: the adapters of the worker's ports —
// Publisher (events, fenced on each task's latest event), Source (registrations recorded in
// the tasks bucket, handed out by partition under leases in the owners bucket), StateStore
// (task state in a KV bucket), Presence (the fleet, poller.Fleet) and Throttles (the fleet's
// rate cuts) — with Setup, which creates their streams, consumer and buckets without ever
// lowering a shared setting, and Healer, which recreates them when
// they disappear; Connect, the project's connection policy (no reconnect buffer), and Link, which
// tells every connection failure by its URL (credentials redacted) and cause; StartServer,
// an embedded nats-server; Follow, a durable at-least-once view of the events for downstream
// services; Register, for producers; and Inspector, which reads what the assets hold about
// tasks for tools, creating nothing.
//
// The event contract itself (types, subjects, ids, registration format) is package events.
// All types are safe for concurrent use unless their doc says otherwise.
package natsjs
