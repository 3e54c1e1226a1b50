// Package events is taskpoller's NATS side: the CloudEvents it publishes (Event, Invalid), the
// subjects they go to (Subjects, the only place subject names are built), the registration
// payload and its validation, and the JetStream adapters of the poller's ports — Publisher,
// Source, StateStore — with Setup, which creates their streams, consumer and bucket.
//
// Publisher stores an event only if the task's latest event is the one its caller names
// (Nats-Expected-Last-Subject-Sequence on Subjects.TaskEvents), and each id once within the
// duplicate window; Setup never lowers a shared setting and Healer recreates missing assets;
// Source hands out only valid registrations and reports the others on <prefix>.invalid once;
// Follow gives downstream services a durable, at-least-once view of the events. All types are
// safe for concurrent use unless their doc says otherwise.
package events
