//go:build compose

package composetest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The freeze: `docker pause` stops every process of a worker that tracks tasks (no CPU, its
// connections left open) for longer than the ack wait of the registrations consumer and the
// duplicate window of the events stream. The other workers take its tasks over after the ack
// wait and end them; by the time it thaws, the events stream no longer remembers the ids of
// their terminal events, so only the worker itself can keep from announcing them again. The
// test then checks that it lets go of the tasks it lost, and the final check of one terminal
// event per task shows whether it announced any of them a second time.

// The workers' windows in the test stack, far shorter than the demo's (15 s, 10 min), so that a
// freeze can outlast both. taskpoller run wants apiTimeout < ackWait and dedupWindow ≥ 2×ackWait.
const (
	ackWait     = 10 * time.Second
	dedupWindow = 30 * time.Second
	apiTimeout  = 5 * time.Second
	// thawMargin is how far past both windows the worker stays frozen.
	thawMargin = 10 * time.Second
)

// frozenWorker is a paused worker.
type frozenWorker struct {
	svc     string
	id      string
	at      time.Time
	tracked int // taskpoller_tracked_tasks just before the pause
}

// freeze waits for a worker other than killed (the one the test killed) that tracks tasks and
// pauses it. The container is unpaused on cleanup, before the stack is torn down, if the test
// ends while it is frozen.
func freeze(ctx context.Context, t *testing.T, s *Stack, killed string) *frozenWorker {
	t.Helper()
	f := &frozenWorker{}
	var freezeCandidates []string
	for _, w := range workers {
		if w != killed {
			freezeCandidates = append(freezeCandidates, w)
		}
	}
	WaitFor(ctx, t, "a worker tracking tasks", 2*time.Minute, func(ctx context.Context) error {
		for _, svc := range freezeCandidates {
			n, err := trackedTasks(ctx, svc)
			if err != nil {
				return err
			}
			if n > 0 {
				f.svc, f.tracked = svc, n
				return nil
			}
		}
		return fmt.Errorf("none of %v tracks a task", freezeCandidates)
	})
	id, err := s.Container(ctx, f.svc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Docker(ctx, "pause", id); err != nil {
		t.Fatal(err)
	}
	f.id, f.at = id, time.Now()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = s.Docker(ctx, "unpause", id) // an error: it was thawed already
	})
	t.Logf("froze %s (docker pause) at %s while it tracked %d tasks", f.svc, f.at.UTC().Format(clock), f.tracked)
	return f
}

// thawable is ready once the worker has been frozen longer than the ack wait and the duplicate
// window together, every task has its terminal event, and the newest of those was stored more
// than the duplicate window ago: whatever the frozen worker publishes about its old tasks after
// the thaw, the stream cannot drop as a duplicate any more.
func (f *frozenWorker) thawable(r *eventReader, tasks map[string]ProducedTask) func(context.Context) error {
	return func(ctx context.Context) error {
		if d := time.Since(f.at); d < ackWait+dedupWindow+thawMargin {
			return fmt.Errorf("frozen for %v only", d.Round(time.Second))
		}
		if err := r.readAll(ctx); err != nil {
			return err
		}
		if m := r.missing(tasks); len(m) > 0 {
			return fmt.Errorf("%d tasks have no terminal event, e.g. %+v", len(m), m[0])
		}
		if d := time.Since(r.newest()); d < dedupWindow+thawMargin {
			return fmt.Errorf("the newest terminal event was stored %v ago only", d.Round(time.Second))
		}
		return nil
	}
}

// thaw unpauses the worker.
func (f *frozenWorker) thaw(ctx context.Context, t *testing.T, s *Stack) {
	t.Helper()
	if _, err := s.Docker(ctx, "unpause", f.id); err != nil {
		t.Fatal(err)
	}
	t.Logf("thawed %s at %s, frozen for %v", f.svc, time.Now().UTC().Format(clock), time.Since(f.at).Round(time.Second))
}

// letGo is done once the thawed worker tracks no task: every task has ended (other workers
// ended the ones it held), so a worker still tracking one has not noticed that it lost it.
func (f *frozenWorker) letGo(ctx context.Context) error {
	n, err := trackedTasks(ctx, f.svc)
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("%s still tracks %d tasks", f.svc, n)
	}
	return nil
}

// workerURL is the base URL of a worker's published HTTP port.
func workerURL(svc string) string {
	return "http://127.0.0.1:" + port("TP_"+strings.ToUpper(svc)+"_HTTP_PORT")
}

// trackedTasks reads the gauge taskpoller_tracked_tasks from a worker's /metrics.
func trackedTasks(ctx context.Context, svc string) (int, error) {
	var n int
	err := readMetrics(ctx, svc, func(sc *bufio.Scanner) (err error) {
		n, err = gauge(sc, "taskpoller_tracked_tasks")
		return err
	})
	return n, err
}

// readMetrics gets a worker's /metrics (within 5 s) and hands its lines to read.
func readMetrics(ctx context.Context, svc string, read func(*bufio.Scanner) error) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, workerURL(svc)+"/metrics", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s /metrics: %s", svc, resp.Status)
	}
	return read(bufio.NewScanner(resp.Body))
}

// gauge returns the value of a metric with its labels as written, e.g.
// taskpoller_discovery_leases{region="cn-hangzhou"}, in the Prometheus text format.
func gauge(sc *bufio.Scanner, name string) (int, error) {
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != name {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return int(v), nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no metric " + name)
}
