package main

// What the runs of the benchmark share to start a worker and watch it through NATS.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// newWorkerCmd is a `taskpoller run` process writing its output to logf.
func newWorkerCmd(bin string, args []string, logf *os.File) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = childEnv(), logf, logf
	return cmd
}

// harness is the benchmark's own NATS connection.
type harness struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	subjects events.Subjects
}

func (h harness) close() { h.nc.Close() }

// connectHarness connects to url and waits for the worker to create its streams.
func connectHarness(ctx context.Context, url string, exited <-chan struct{}) (harness, error) {
	nc, err := nats.Connect(url, nats.Name("bench-scale"))
	if err != nil {
		return harness{}, fmt.Errorf("connect to NATS: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return harness{}, err
	}
	s, _ := events.NewSubjects(events.DefaultPrefix)
	if err := waitForStreams(ctx, js, s, exited); err != nil {
		nc.Close()
		return harness{}, err
	}
	return harness{nc: nc, js: js, subjects: s}, nil
}

// waitForStreams waits until the worker has created the registrations and events streams.
func waitForStreams(ctx context.Context, js jetstream.JetStream, s events.Subjects, exited <-chan struct{}) error {
	deadline := time.NewTimer(time.Minute)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		_, errReg := js.Stream(ctx, s.StreamName(events.RegistrationsRole))
		_, errEv := js.Stream(ctx, s.StreamName(events.EventsRole))
		if errReg == nil && errEv == nil {
			return nil
		}
		select {
		case <-tick.C:
		case <-exited:
			return errors.New("the worker exited before creating its streams")
		case <-deadline.C:
			return fmt.Errorf("the worker created no streams within a minute: %w", errors.Join(errReg, errEv))
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
