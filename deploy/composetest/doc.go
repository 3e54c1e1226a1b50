// Package composetest is the end-to-end test of the docker-compose demo (deploy/docker-compose.yml).
// It is behind the build tag "compose" and needs a Docker engine and the images from
// deploy/images.sh; run it with `make compose-test`, which builds the images first and skips
// when no Docker engine answers.
//
// The test starts the whole stack under the project name taskpoller-ci, kills one worker
// (docker kill) and stops one NATS node while tasks are in flight, restarts both, and checks from
// outside the containers - the events stream read over the published 127.0.0.1 NATS ports, and
// the stdout of the producer and the two consumers - that:
//   - every task the producer started reaches exactly one terminal event, with the outcome the
//     producer planned (finished, failed, canceled), and no other task does;
//   - export-consumer printed every object of every finished export;
//   - ops-alerts printed every failure.
//
// It always tears the stack down (down -v), also on failure, after saving every service's logs
// to deploy/.build/compose-test.log.
package composetest
