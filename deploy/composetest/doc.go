// Package composetest is the end-to-end test of the docker-compose demo (deploy/docker-compose.yml).
// It is behind the build tag "compose" and needs a Docker engine and the images from
// deploy/images.sh; run it with `make compose-test`, which builds the images first and skips
// when no Docker engine answers.
//
// The test starts the whole stack under the project name taskpoller-ci, with the workers' ack
// wait and the events stream's duplicate window made short (10 s and 30 s). While tasks are in
// flight it kills one worker and export-consumer (docker kill) and stops one NATS node, restarts
// them, and then freezes another worker that tracks tasks (docker pause) until its tasks have
// been taken over and ended by the others and their terminal events are older than the
// duplicate window; then it thaws it. It checks from outside the containers - the events
// stream read over the published 127.0.0.1 NATS ports, the workers' /metrics, and the stdout
// of the producer and the two consumers - that:
//   - the thawed worker lets go of the tasks it lost (it tracks none once all have ended);
//   - every task the producer started reaches exactly one terminal event, with the outcome the
//     producer planned (finished, failed, canceled), and no other task does - also none from
//     the thawed worker, whose repeats the stream no longer drops as duplicates;
//   - export-consumer printed every object of every finished export;
//   - ops-alerts printed every failure.
//
// It always tears the stack down (down -v), also on failure, after saving every service's logs
// to deploy/.build/compose-test.log.
//
// Outside the build tag the package holds what tests of the stack share (deploy/chaos uses
// them too): Stack drives a compose project, WaitFor and HTTPOK wait for the stack,
// StreamReader reads a stream from the start, ParseTasks reads task-producer's TASK lines.
package composetest
