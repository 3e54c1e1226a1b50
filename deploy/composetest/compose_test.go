//go:build compose

package composetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

const (
	project   = "taskpoller-ci"
	taskCount = 80
	taskRate  = "2" // tasks per second: production takes 40 s
	// unregisteredShare of the tasks the producer leaves unregistered: discovery finds them.
	unregisteredShare = "0.25"
	natsStop          = "nats2"
	// The faults come when the producer has started this many tasks: kill the worker holding
	// the discovery lease and stop a NATS node, start them again, and (once the cluster and
	// the killed worker are back) freeze another worker while 20 more tasks are still to come.
	killAt, restartAt, freezeAt = 20, 50, 60
	// consumerKill is killed with the worker: its durable consumer must catch up on restart.
	consumerKill = "export-consumer"
)

// services are started before the producer.
var services = []string{"nats1", "nats2", "nats3", "ecs-emulator", "worker1", "worker2", "worker3", "export-consumer", "ops-alerts"}

// ports are the published 127.0.0.1 ports; the same variables configure docker-compose.yml.
var ports = map[string]string{
	"TP_NATS1_PORT": "14222", "TP_NATS2_PORT": "14223", "TP_NATS3_PORT": "14224",
	"TP_NATS1_MONITOR_PORT": "18222", "TP_NATS2_MONITOR_PORT": "18223", "TP_NATS3_MONITOR_PORT": "18224",
	"TP_WORKER1_HTTP_PORT": "19091", "TP_WORKER2_HTTP_PORT": "19092", "TP_WORKER3_HTTP_PORT": "19093",
	"TP_ECSEMU_PORT": "18080",
}

func port(name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return ports[name]
}

func TestCompose(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()

	env := map[string]string{
		"PRODUCER_COUNT": strconv.Itoa(taskCount), "PRODUCER_RATE": taskRate, "PRODUCER_UNREGISTERED_SHARE": unregisteredShare,
		"TASKPOLLER_DISCOVER_REGIONS": discoverRegion, "TASKPOLLER_DISCOVER_INTERVAL": "5s",
		"TASKPOLLER_ECS_ENDPOINT":     "http://ecs-emulator:8080",
		"ALIBABA_CLOUD_ACCESS_KEY_ID": "test-ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "test-secret",
		"SUBJECT_PREFIX": events.DefaultPrefix, "NATS_IMAGE": os.Getenv("NATS_IMAGE"),
		"TASKPOLLER_ACK_WAIT": ackWait.String(), "TASKPOLLER_DEDUP_WINDOW": dedupWindow.String(),
		"TASKPOLLER_API_TIMEOUT": apiTimeout.String(),
	}
	for k := range ports {
		env[k] = port(k)
	}
	s := NewStack(t, project, env)
	s.Down() // leftovers of an interrupted run
	t.Cleanup(func() {
		tail := s.SaveLogs(filepath.Join("..", ".build", "compose-test.log"))
		if t.Failed() {
			t.Logf("last log lines (all of them in deploy/.build/compose-test.log):\n%s", tail)
		}
		s.Down()
		t.Logf("compose test took %v", time.Since(began).Round(time.Second))
	})
	// Everything but the producer first, so that it starts tasks only once the stack is ready
	// and the faults below hit tasks in flight.
	s.Must(ctx, append([]string{"up", "-d"}, services...)...)

	subjects, err := events.NewSubjects(events.DefaultPrefix)
	if err != nil {
		t.Fatal(err)
	}
	// As ops (deploy/nats/users.conf): the test only reads, as ops do.
	url := NATSURL("ops", port("TP_NATS1_PORT"), port("TP_NATS2_PORT"), port("TP_NATS3_PORT"))
	nc, err := nats.Connect(url, nats.Name("compose-test"), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	// Ready: the cluster serves JetStream, the workers made the streams and say they are ready.
	for _, p := range []string{"TP_NATS1_MONITOR_PORT", "TP_NATS2_MONITOR_PORT", "TP_NATS3_MONITOR_PORT"} {
		WaitFor(ctx, t, "NATS healthz on "+port(p), 2*time.Minute, HTTPOK("http://127.0.0.1:"+port(p)+"/healthz"))
	}
	WaitFor(ctx, t, "events stream", 2*time.Minute, func(ctx context.Context) error {
		_, err := js.Stream(ctx, subjects.StreamName("EVENTS"))
		return err
	})
	for _, p := range []string{"TP_WORKER1_HTTP_PORT", "TP_WORKER2_HTTP_PORT", "TP_WORKER3_HTTP_PORT"} {
		WaitFor(ctx, t, "worker readyz on "+port(p), 2*time.Minute, HTTPOK("http://127.0.0.1:"+port(p)+"/readyz"))
	}

	s.Must(ctx, "up", "-d", "--no-deps", "task-producer")

	// Faults while tasks are in flight: SIGKILL a worker and a consumer, stop a NATS node; later
	// restart them; then freeze another worker (freeze_test.go).
	produced := func(n int) func(context.Context) error {
		return func(ctx context.Context) error {
			lines, err := s.Stdout(ctx, "task-producer")
			if err != nil {
				return err
			}
			tasks, err := ParseTasks(lines)
			if err != nil {
				return err
			}
			if len(tasks) < n {
				return fmt.Errorf("%d tasks so far", len(tasks))
			}
			return nil
		}
	}
	WaitFor(ctx, t, fmt.Sprintf("producer started %d tasks", killAt), 3*time.Minute, produced(killAt))
	var workerKill string // the worker listing the region: its successor resumes from its cursor
	WaitFor(ctx, t, "a worker holds the discovery lease", time.Minute, func(ctx context.Context) error {
		h, err := discoveryHolder(ctx, discoverRegion, "")
		workerKill = h
		return err
	})
	var killed []string
	for _, svc := range []string{workerKill, consumerKill} {
		id, err := s.Container(ctx, svc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Docker(ctx, "kill", id); err != nil {
			t.Fatal(err)
		}
		killed = append(killed, id)
		t.Logf("killed %s", svc)
	}
	killedAt := time.Now()
	s.Must(ctx, "stop", "--timeout", "10", natsStop)
	t.Logf("stopped %s", natsStop)
	waitTakeover(ctx, t, discoverRegion, workerKill, killedAt)
	WaitFor(ctx, t, fmt.Sprintf("producer started %d tasks", restartAt), 3*time.Minute, produced(restartAt))
	s.Must(ctx, "start", natsStop)
	if _, err := s.Docker(ctx, append([]string{"start"}, killed...)...); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted %s, %s and %s", natsStop, workerKill, consumerKill)

	// Freeze a worker that holds tasks once the others are whole again, so that its tasks are
	// taken over by healthy workers on a healthy cluster.
	WaitFor(ctx, t, natsStop+" healthz", 2*time.Minute, HTTPOK("http://127.0.0.1:"+port("TP_NATS2_MONITOR_PORT")+"/healthz"))
	WaitFor(ctx, t, workerKill+" readyz", 2*time.Minute, HTTPOK(workerURL(workerKill)+"/readyz"))
	WaitFor(ctx, t, fmt.Sprintf("producer started %d tasks", freezeAt), 3*time.Minute, produced(freezeAt))
	frozen := freeze(ctx, t, s, workerKill)

	WaitFor(ctx, t, "producer exited", 5*time.Minute, func(ctx context.Context) error {
		code, err := s.ExitCode(ctx, "task-producer")
		if err == nil && code != 0 {
			t.Fatalf("task-producer exited with %d", code)
		}
		return err
	})
	lines, err := s.Stdout(ctx, "task-producer")
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := ParseTasks(lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != taskCount {
		t.Fatalf("producer printed %d tasks, want %d", len(tasks), taskCount)
	}

	// Every task ends, those of the frozen worker too (the others take them over). Then it
	// thaws, once its tasks' terminal events are older than the duplicate window, and must let
	// go of them; wait a little more so that a late duplicate would be seen too.
	reader, err := newEventReader(ctx, js, subjects)
	if err != nil {
		t.Fatal(err)
	}
	WaitFor(ctx, t, "a terminal event for every task", 5*time.Minute, func(ctx context.Context) error {
		if err := reader.readAll(ctx); err != nil {
			return err
		}
		if m := reader.missing(tasks); len(m) > 0 {
			return fmt.Errorf("%d of %d tasks have no terminal event, e.g. %+v", len(m), len(tasks), m[0])
		}
		return nil
	})
	WaitFor(ctx, t, "frozen past the ack wait and the duplicate window", 5*time.Minute, frozen.thawable(reader, tasks))
	frozen.thaw(ctx, t, s)
	WaitFor(ctx, t, frozen.svc+" lets go of the tasks it lost", 2*time.Minute, frozen.letGo)
	WaitFor(ctx, t, frozen.svc+" readyz after the thaw", 2*time.Minute, HTTPOK(workerURL(frozen.svc)+"/readyz"))
	settle := time.NewTimer(2 * time.Second)
	<-settle.C
	WaitFor(ctx, t, "final read of the events stream", time.Minute, reader.readAll)
	checkTerminals(t, tasks, reader)
	checkOrigins(t, tasks, reader)

	exports, failures := expectedLines(reader, tasks)
	WaitFor(ctx, t, fmt.Sprintf("export-consumer printed %d objects", len(exports)), 2*time.Minute, printedAll(t, s, "export-consumer", "EXPORTED ", exports))
	WaitFor(ctx, t, fmt.Sprintf("ops-alerts printed %d failures", len(failures)), 2*time.Minute, printedAll(t, s, "ops-alerts", "ALERT ", failures))
	checkThrottled(ctx, t)
}

// checkThrottled asserts that the emulator's injected faults were really answered (and so
// retried by the workers and the producer, since every task still ended).
func checkThrottled(ctx context.Context, t *testing.T) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port("TP_ECSEMU_PORT")+"/_emulator/stats", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var stats ecsemu.Stats
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Fatalf("emulator stats: %v", err)
	}
	t.Logf("emulator calls by action %v, answers by code %v", stats.Actions, stats.Codes)
	if stats.Codes["Throttling.User"] == 0 {
		t.Errorf("the emulator throttled no call: the demo should show retries")
	}
}

// checkTerminals asserts one terminal event per produced task, with the planned outcome, and
// none for any other task; and that every event read matched its schema.
func checkTerminals(t *testing.T, tasks map[string]ProducedTask, r *eventReader) {
	t.Helper()
	for _, err := range r.mismatched {
		t.Errorf("a published event does not match its schema: %v", err)
	}
	counts := map[string]int{}
	for id, p := range tasks {
		got := r.byTask[id]
		if len(got) != 1 {
			t.Errorf("task %s (%s, n=%s): %d terminal events, want exactly 1: %v", id, p.Action, p.N, len(got), got)
			continue
		}
		e := got[0]
		want := fmt.Sprintf("%s/%s", p.Expect, p.Reason)
		have := fmt.Sprintf("%s/%s", e.Kind, e.Event.Data.Reason)
		if want != have {
			t.Errorf("task %s (%s, n=%s): terminal %s, want %s (event %+v)", id, p.Action, p.N, have, want, e.Event.Data)
		}
		if e.Event.Data.TaskAction != p.Action || e.Event.Data.RegionID != p.Region {
			t.Errorf("task %s: event says %s in %s, producer started %s in %s", id, e.Event.Data.TaskAction, e.Event.Data.RegionID, p.Action, p.Region)
		}
		counts[have]++
	}
	for id, got := range r.byTask {
		if _, ok := tasks[id]; !ok {
			t.Errorf("terminal events for task %s that the producer never printed: %+v", id, got)
		}
	}
	if r.invalids > 0 {
		t.Errorf("%d registrations were refused as invalid", r.invalids)
	}
	t.Logf("outcomes: %v", counts)
	for _, want := range []string{"finished/", "failed/" + string(events.ReasonTaskFailed), "failed/" + string(events.ReasonTaskCanceled)} {
		if counts[want] == 0 {
			t.Errorf("no task ended %s: the demo should show every outcome", want)
		}
	}
}

// expectedLines returns the lines export-consumer and ops-alerts must print (the alert up to
// its reason: code and message come from ECS).
func expectedLines(r *eventReader, tasks map[string]ProducedTask) (exports, failures []string) {
	for id := range tasks {
		for _, term := range r.byTask[id] {
			d := term.Event.Data
			switch {
			case term.Kind == events.KindFinished && d.TaskAction == "ExportImage":
				for _, obj := range d.OSSObjects {
					exports = append(exports, fmt.Sprintf("EXPORTED oss://%s/%s task=%s region=%s", d.OSSBucket, obj, d.TaskID, d.RegionID))
				}
			case term.Kind == events.KindFailed:
				failures = append(failures, fmt.Sprintf("ALERT task=%s region=%s action=%s reason=%s ", d.TaskID, d.RegionID, d.TaskAction, d.Reason))
			}
		}
	}
	return exports, failures
}

// printedAll checks that the service printed a line starting with each of want.
func printedAll(t *testing.T, s *Stack, service, marker string, want []string) func(context.Context) error {
	return func(ctx context.Context) error {
		lines, err := s.Stdout(ctx, service)
		if err != nil {
			return err
		}
		printed := countLines(lines, marker)
		missing, dups := 0, 0
		var example string
		for _, w := range want {
			found := false
			for l, n := range printed {
				if l == w || (len(l) > len(w) && l[:len(w)] == w) {
					found = true
					dups += n - 1
				}
			}
			if !found {
				missing++
				example = w
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d lines missing, e.g. %q", missing, len(want), example)
		}
		if dups > 0 {
			t.Logf("%s printed %d lines more than once (at-least-once delivery)", service, dups)
		}
		return nil
	}
}
