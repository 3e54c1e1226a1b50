//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/deploy/composetest"
)

// executor does a schedule's steps to the stack, lane by lane, and counts what it did.
type executor struct {
	t        *testing.T
	s        *composetest.Stack
	nc       *nats.Conn
	js       jetstream.JetStream
	ids      map[string]string // container id by service
	network  string            // the stack's network, that Cut disconnects a worker from
	events   string            // the events stream's name
	start    time.Time
	duration time.Duration

	mu      sync.Mutex
	done    map[Action]int
	skipped int
	failed  []string
}

// runLane does the steps one after the other, each at its planned time or, when the one
// before it ended late, right after it; a step that would start after the chaos is skipped.
func (x *executor) runLane(ctx context.Context, lane string, steps []Step) {
	for _, st := range steps {
		wait := time.NewTimer(time.Until(x.start.Add(st.At)))
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
		if time.Since(x.start)+st.Down > x.duration {
			x.count(func() { x.skipped++ })
			x.t.Logf("%-7s +%v skipped (the lane runs late): %s", lane, x.since(), st)
			continue
		}
		if err := x.do(ctx, lane, st); err != nil {
			x.count(func() { x.failed = append(x.failed, fmt.Sprintf("%s: %v", st, err)) })
			x.t.Logf("%-7s +%v FAILED %s: %v", lane, x.since(), st, err)
			continue
		}
		x.count(func() { x.done[st.Action]++ })
	}
}

func (x *executor) count(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f()
}

func (x *executor) since() time.Duration { return time.Since(x.start).Round(100 * time.Millisecond) }

// do does one step and undoes it Down later; undoing does not wait for ctx (a worker is never
// left stopped or cut off).
func (x *executor) do(ctx context.Context, lane string, st Step) error {
	target := st.Target
	if st.Action == RestartNATS && target == EventsLeader {
		leader, err := streamLeader(ctx, x.js, x.events)
		if err != nil {
			return err
		}
		target = leader
	}
	id := x.ids[target]
	var act, undo []string // docker commands
	switch st.Action {
	case Kill, RestartNATS:
		act, undo = []string{"kill", "--signal", "KILL", id}, []string{"start", id}
	case Stop:
		act, undo = []string{"kill", "--signal", "STOP", id}, []string{"kill", "--signal", "CONT", id}
	case Cut:
		act, undo = []string{"network", "disconnect", x.network, id}, []string{"network", "connect", x.network, id}
	case StepDown:
		return x.stepDown(ctx, lane, target)
	default:
		return fmt.Errorf("unknown action %q", st.Action)
	}
	if id == "" {
		return fmt.Errorf("no container for %s", target)
	}
	if _, err := x.s.Docker(ctx, act...); err != nil {
		return err
	}
	x.t.Logf("%-7s +%v %s %s (planned +%v, %s), undone in %v", lane, x.since(), st.Action, target, st.At.Round(100*time.Millisecond), st.Target, st.Down.Round(time.Second))
	down := time.NewTimer(st.Down)
	select {
	case <-ctx.Done():
		down.Stop()
	case <-down.C:
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := x.s.Docker(uctx, undo...); err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	if st.Action == RestartNATS {
		// The next NATS step waits for this node to be whole again: the cluster never has
		// two of its three nodes down.
		url := "http://127.0.0.1:" + port(monitorPort[target]) + "/healthz"
		if err := waitUntil(uctx, 2*time.Minute, composetest.HTTPOK(url)); err != nil {
			return fmt.Errorf("%s healthz after the restart: %w", target, err)
		}
	}
	x.t.Logf("%-7s +%v %s %s undone", lane, x.since(), st.Action, target)
	return nil
}

// stepDown makes the stream's leader step down, retrying while the stream has no leader (a
// NATS node may just have come back).
func (x *executor) stepDown(ctx context.Context, lane, stream string) error {
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var before string
		if before, err = streamLeader(ctx, x.js, stream); err == nil {
			if err = stepDown(ctx, x.nc, stream); err == nil {
				var after string
				_ = waitUntil(ctx, 30*time.Second, func(ctx context.Context) error {
					after, err = streamLeader(ctx, x.js, stream)
					return err
				})
				x.t.Logf("%-7s +%v stepdown %s: leader %s, then %s", lane, x.since(), stream, before, after)
				return nil
			}
		}
		retry := time.NewTimer(3 * time.Second)
		select {
		case <-ctx.Done():
			retry.Stop()
			return ctx.Err()
		case <-retry.C:
		}
	}
	return err
}

// waitUntil calls check every second until it returns nil, or returns its last error after
// limit. Unlike composetest.WaitFor it does not fail the test: a lane reports it.
func waitUntil(ctx context.Context, limit time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-tick.C:
		}
	}
}
