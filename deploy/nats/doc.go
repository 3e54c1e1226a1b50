// Package natsconf holds the NATS server configuration of the demo deployment (cluster.conf,
// users.conf) and, in its tests, the proof that users.conf grants each role what
// docs/nats-permissions.md says and no more: a producer registers but cannot publish an event
// or a throttle notice, a consumer reads events but cannot register, a worker does its job.
// It has no code of its own.
package natsconf
