// Package asyncapi writes taskpoller's NATS contract as one AsyncAPI 3.0.0 document (New): a
// channel per subject family a producer, worker or consumer uses — P.registered, P.invalid and
// P.<kind>.{region}.{action}.{task} for each Kind —, the message each carries, and the
// operations of a worker on them (it receives registrations; it sends every event).
//
// It is built from package events and nothing else: channel addresses come from
// events.Subjects, message types from Kind.Type, and each payload is a JSON Schema (draft
// 2020-12, as a Multi Format Schema Object) that bundles, by their $id, the embedded schemas of
// events.Schemas it needs, as their files hold them. A payload is therefore self-contained: a
// consumer hands it to any 2020-12 validator without resolving anything.
//
// Like package events, it imports only the standard library. `taskpoller asyncapi` prints
// the document; docs/asyncapi.yaml is the copy for the default prefix.
package asyncapi
