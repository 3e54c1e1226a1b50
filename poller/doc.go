// Package poller tracks ECS asynchronous tasks: it takes registrations from a Source, polls
// each task through a TaskAPI, and publishes its transitions through a Publisher.
//
// Guarantees, given ports that keep their contracts (see ports.go):
//   - A task is polled by one loop at a time: one scheduler per Worker hands each key to one
//     goroutine and not again until that goroutine is done with it, and the StateStore records
//     which registration owns a task, so a second registration of a tracked (or finished) task
//     is settled without polling.
//   - Commit, then publish: what a worker announces is first recorded in the task's State (the
//     outbox) with compare-and-set under the worker's lease, then published in order
//     (status_changed, progress, then finished or failed), each on condition that the task's
//     latest stored event is the one the state names (Publisher's fence). A worker that lost
//     the task can neither record nor publish; a new holder finishes the recorded outbox first
//     and skips what it finds stored. So each task has one terminal event and each status
//     change is stored once, whatever the Publisher's duplicate window. The registration is
//     acknowledged only after the terminal notice is stored and recorded, so a crash never
//     loses a task.
//   - A task is failed with reason timeout from a successful observation made after its
//     deadline or, when no call about it has succeeded since, at its last chance (a PollMax
//     past the deadline) — never when DescribeTasks saw it end; a worker ECS keeps refusing
//     does not time tasks out, it hands them back (Config.HandBackAfter).
//   - Transient ECS errors never fail a task before its last chance; errors that blame the
//     worker (credentials, permissions, clock) keep tasks and make Ready report the cause; a
//     region whose calls go unanswered (refused, timeouts, 5xx) for Config.UnreachableAfter
//     makes Ready report it, and hands nothing back.
//   - Every goroutine Worker.Run starts has returned when Run returns, and every registration
//     still held has been handed back.
//
// The package imports neither NATS nor the ECS SDK: poller/natsjs (NATS JetStream) and
// poller/ecsapi (the ECS SDK) implement its ports, and poller/memory implements them in memory
// for tests; poller/porttest checks that they keep the contracts. Package events is the
// contract of what it publishes.
package poller
