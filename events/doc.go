// Package events is taskpoller's public contract, apart from any transport: the CloudEvents
// it publishes (Event with Data, Invalid), their kinds and failure reasons (Kind, Reason),
// their ids (ID), the subjects they go to (Subjects, the only place subject and stream names
// are built), and the registration payload with its validation (ParseRegistration,
// Registration). The same contract is written as JSON Schemas (draft 2020-12) for consumers in
// other languages: Schemas holds them, and each event's dataschema is the $id of the schema of
// its data (Kind.DataSchema, SchemaID). Package events/schematest validates JSON against them,
// for tests; package events/asyncapi writes the whole contract as an AsyncAPI 3.0 document.
//
// It imports neither NATS nor the worker: a downstream service that only wants the event
// types compiles this package alone (check with `go list -deps`). The JetStream side is
// elsewhere: the worker's adapters are package github.com/taskpoller/taskpoller/poller/natsjs;
// Follow for consumers and Register for producers are package events/natsclient.
package events
