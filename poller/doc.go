// Package poller tracks ECS asynchronous tasks: it takes registrations from a Source, polls
// each task through a TaskAPI, and publishes its transitions through a Publisher.
//
// Guarantees, given ports that keep their contracts (see ports.go):
//   - A task is polled by one loop at a time: one Scheduler per Worker hands each key to one
//     goroutine, and the StateStore records which registration owns a task, so a second
//     registration of a tracked (or finished) task is settled without polling.
//   - Notices of a task are published in order (status_changed, progress, then finished or
//     failed) and are idempotent: republishing after a crash repeats the same notice, which the
//     Publisher stores once. The registration is acknowledged only after the terminal notice and
//     the terminal state are stored, so a crash never loses a task.
//   - Transient ECS errors never fail a task; errors that blame the worker (credentials,
//     permissions, clock) keep tasks and make Ready report the cause.
//   - Every goroutine Worker.Run starts has returned when Run returns, and every registration
//     still held has been handed back.
//
// The package imports neither NATS nor the ECS SDK: events and poller/ecsapi implement its
// ports.
package poller
