// Package events is taskpoller's NATS side: the CloudEvents it publishes (Event, Invalid), the
// subjects they go to (Subjects, the only place subject names are built), the registration
// payload and its validation, and the JetStream adapters of the poller's ports — Publisher,
// Source, StateStore — with Setup, which creates their streams, consumer and bucket.
//
// Publisher stores each event once per id (Nats-Msg-Id within the stream's duplicate window);
// Source hands out only valid registrations and reports the others on <prefix>.invalid once;
// Follow gives downstream services a durable, at-least-once view of the events. All types are
// safe for concurrent use unless their doc says otherwise.
package events
