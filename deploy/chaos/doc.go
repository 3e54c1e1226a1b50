// Package chaos is the chaos soak of the docker-compose stack (deploy/docker-compose.yml): 3
// NATS nodes, 3 workers and the ECS emulator answering about 10 % of calls with throttling or
// 503, while task-producer registers tasks at CHAOS_RATE per second for CHAOS_DURATION.
//
// The chaos follows a schedule drawn from CHAOS_SEED (NewSchedule: the same seed, duration and
// settings give the same schedule, printed at the start) in two lanes side by side, each one
// step at a time: the workers' (SIGKILL then start; SIGSTOP then SIGCONT, some past the ack
// wait; cut off from the network past the events stream's duplicate window) and the NATS
// cluster's (SIGKILL of a node then start, the first one the events stream's leader, found
// from the stream's cluster info when the step runs; leader step-downs of the state bucket,
// the events stream and the tasks bucket). A NATS step waits for the restarted node's
// /healthz, so two nodes are never down at once.
//
// After the chaos the producer ends, every task it registered is given CHAOS_DRAIN to end, and
// the soak reads the events stream from the start, from outside the containers (published
// 127.0.0.1 ports), and judges it with Check, a pure function: every registered task has
// exactly one terminal event, with the producer's planned outcome, and nothing after it; its
// status_changed ordinals are 1, 2, 3... in stream order and the terminal event carries the
// last; no event is about a task never registered. The registered tasks are the producer's
// TASK lines, each printed once the registrations stream acknowledged the registration: that
// stream is a work queue, which deletes each registration once a worker took it, so the soak
// checks it only for registrations left untaken. Detection latency is when the stream stored
// the terminal event minus when the emulator ended the task (GET /_emulator/tasks/{id}/end).
//
// The soak itself is behind the build tag "chaos" and needs a Docker engine and the images of
// deploy/images.sh: run it with `make chaos` (deploy/compose-test.sh chaos). Check and
// NewSchedule are tested without Docker in `make test`.
package chaos
