//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/deploy/composetest"
	"github.com/taskpoller/taskpoller/events"
)

// project is the soak's compose project; its ports differ from the compose test's, so the two
// can run on one machine at once.
const project = "taskpoller-chaos"

var (
	workers  = []string{"worker1", "worker2", "worker3"}
	natsSvcs = []string{"nats1", "nats2", "nats3"}
	// services are started before the producer: the stack without the demo's consumers.
	services = append(append([]string{"ecs-emulator"}, natsSvcs...), workers...)
	// ports are the published 127.0.0.1 ports, set through docker-compose.yml's variables.
	ports = map[string]string{
		"TP_NATS1_PORT": "24222", "TP_NATS2_PORT": "24223", "TP_NATS3_PORT": "24224",
		"TP_NATS1_MONITOR_PORT": "28222", "TP_NATS2_MONITOR_PORT": "28223", "TP_NATS3_MONITOR_PORT": "28224",
		"TP_WORKER1_HTTP_PORT": "29091", "TP_WORKER2_HTTP_PORT": "29092", "TP_WORKER3_HTTP_PORT": "29093",
		"TP_ECSEMU_PORT": "28080",
	}
	monitorPort = map[string]string{"nats1": "TP_NATS1_MONITOR_PORT", "nats2": "TP_NATS2_MONITOR_PORT", "nats3": "TP_NATS3_MONITOR_PORT"}
)

func port(name string) string { return ports[name] }

func workerURL(svc string) string {
	return "http://127.0.0.1:" + port("TP_"+strings.ToUpper(svc)+"_HTTP_PORT")
}

func TestChaos(t *testing.T) {
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.duration+cfg.drain+10*time.Minute)
	defer cancel()

	env := map[string]string{
		"PRODUCER_COUNT": strconv.Itoa(cfg.tasks()), "PRODUCER_RATE": strconv.FormatFloat(cfg.rate, 'f', -1, 64),
		"TASKPOLLER_ECS_ENDPOINT":     "http://ecs-emulator:8080",
		"ALIBABA_CLOUD_ACCESS_KEY_ID": "test-ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "test-secret",
		"SUBJECT_PREFIX": events.DefaultPrefix, "NATS_IMAGE": os.Getenv("NATS_IMAGE"),
		"TASKPOLLER_ACK_WAIT": ackWait.String(), "TASKPOLLER_DEDUP_WINDOW": dedupWindow.String(),
		"TASKPOLLER_API_TIMEOUT": apiTimeout.String(),
		// About 10 % of the emulator's answers are faults: throttling and 503.
		"ECSEMU_THROTTLE_RATE": "0.05", "ECSEMU_UNAVAILABLE_RATE": "0.05",
	}
	for k, v := range ports {
		env[k] = v
	}
	s := composetest.NewStack(t, project, env)
	s.Down() // leftovers of an interrupted run
	t.Cleanup(func() {
		tail := s.SaveLogs(filepath.Join("..", ".build", "chaos.log"))
		if t.Failed() {
			t.Logf("last log lines (all of them in deploy/.build/chaos.log):\n%s", tail)
		}
		s.Down()
		t.Logf("chaos soak took %v", time.Since(began).Round(time.Second))
	})
	s.Must(ctx, append([]string{"up", "-d"}, services...)...)

	subjects, err := events.NewSubjects(events.DefaultPrefix)
	if err != nil {
		t.Fatal(err)
	}
	// As admin (deploy/nats/users.conf): the soak steps stream leaders down.
	url := composetest.NATSURL("admin", port("TP_NATS1_PORT"), port("TP_NATS2_PORT"), port("TP_NATS3_PORT"))
	nc, err := nats.Connect(url, nats.Name("chaos"), nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range natsSvcs {
		composetest.WaitFor(ctx, t, svc+" healthz", 2*time.Minute, composetest.HTTPOK("http://127.0.0.1:"+port(monitorPort[svc])+"/healthz"))
	}
	eventsStream := subjects.StreamName(events.EventsRole)
	composetest.WaitFor(ctx, t, "events stream", 2*time.Minute, func(ctx context.Context) error {
		_, err := js.Stream(ctx, eventsStream)
		return err
	})
	for _, svc := range workers {
		composetest.WaitFor(ctx, t, svc+" readyz", 2*time.Minute, composetest.HTTPOK(workerURL(svc)+"/readyz"))
	}

	x := &executor{t: t, s: s, nc: nc, js: js, ids: map[string]string{}, events: eventsStream, duration: cfg.duration, done: map[Action]int{}}
	for _, svc := range append(append([]string{}, natsSvcs...), workers...) {
		if x.ids[svc], err = s.Container(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	nets, err := s.Docker(ctx, "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", x.ids[workers[0]])
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(nets); len(f) != 1 {
		t.Fatalf("%s is on networks %q, want one", workers[0], nets)
	} else {
		x.network = f[0]
	}

	sched := NewSchedule(cfg.seed, Plan{
		Duration: cfg.duration, AckWait: ackWait, DedupWindow: dedupWindow, Workers: workers, NATS: natsSvcs,
		Streams: []string{"KV_" + subjects.StreamName(events.StateRole), eventsStream, "KV_" + subjects.StreamName(events.TasksRole)},
	})
	t.Logf("%s", sched)
	t.Logf("repeat this schedule with CHAOS_SEED=%d CHAOS_DURATION=%v; %d tasks at %v/s", cfg.seed, cfg.duration, cfg.tasks(), cfg.rate)

	s.Must(ctx, "up", "-d", "--no-deps", "task-producer")
	x.start = time.Now()
	var lanes sync.WaitGroup
	lanes.Go(func() { x.runLane(ctx, "workers", sched.Workers) })
	lanes.Go(func() { x.runLane(ctx, "nats", sched.NATS) })
	lanes.Wait()
	// The chaos lasts its whole duration, also when the last steps were undone earlier: the
	// latency during the chaos counts every task that ended meanwhile.
	chaosEnd := x.start.Add(cfg.duration)
	rest := time.NewTimer(time.Until(chaosEnd))
	<-rest.C
	t.Logf("chaos over after %v: done %v, skipped %d, failed %d", chaosEnd.Sub(x.start).Round(time.Second), x.done, x.skipped, len(x.failed))
	for _, f := range x.failed {
		t.Errorf("chaos step failed: %s", f)
	}

	// Drain: the producer ends, then every task it registered should end too.
	composetest.WaitFor(ctx, t, "producer exited", cfg.drain, func(ctx context.Context) error {
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
	produced, err := composetest.ParseTasks(lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(produced) != cfg.tasks() {
		t.Errorf("producer printed %d tasks, want %d", len(produced), cfg.tasks())
	}
	log, err := newEventLog(ctx, js, subjects)
	if err != nil {
		t.Fatal(err)
	}
	drained := time.Now()
	err = waitUntil(ctx, cfg.drain, func(ctx context.Context) error {
		if err := log.readAll(ctx); err != nil {
			return err
		}
		ended := log.terminated()
		missing := 0
		for id := range produced {
			if !ended[id] {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Errorf("%d of %d tasks have no terminal event", missing, len(produced))
		}
		return nil
	})
	if err != nil {
		t.Logf("drain: not within %v: %v (the check below names them)", cfg.drain, err)
	} else {
		t.Logf("drain: every task ended %v after the producer", time.Since(drained).Round(time.Second))
	}
	// Not a rule of Check, but worth seeing: a worker still not ready a minute after the chaos.
	notReady := map[string]error{}
	_ = waitUntil(ctx, time.Minute, func(ctx context.Context) error {
		clear(notReady)
		for _, svc := range workers {
			if err := composetest.HTTPOK(workerURL(svc) + "/readyz")(ctx); err != nil {
				notReady[svc] = err
			}
		}
		if len(notReady) > 0 {
			return errors.New("not ready")
		}
		return nil
	})
	for svc, err := range notReady {
		t.Logf("NOTE: %s is not ready a minute after the chaos: %v", svc, err)
	}
	pause := time.NewTimer(settle) // a late second terminal event shows up in this time
	<-pause.C
	if err := log.readAll(ctx); err != nil {
		t.Fatalf("final read of the events stream: %v", err)
	}
	logRegistrations(ctx, t, js, subjects, len(produced))

	in := Input{Tasks: map[string]Task{}, Events: log.events, Ends: map[string]time.Time{}, From: x.start, To: chaosEnd}
	for id, p := range produced {
		in.Tasks[id] = Task{ID: id, Expect: events.Kind(p.Expect), Reason: events.Reason(p.Reason)}
		end, err := taskEnd(ctx, "http://127.0.0.1:"+port("TP_ECSEMU_PORT"), id)
		switch {
		case errors.Is(err, errNotEnded):
		case err != nil:
			t.Fatal(err)
		default:
			in.Ends[id] = end
		}
	}
	rep := Check(in)
	report(t, rep, x, log, cfg)
	logEmulator(ctx, t)
}

// report prints the verdict and fails the test on any violation.
func report(t *testing.T, rep Report, x *executor, log *eventLog, cfg config) {
	t.Helper()
	t.Logf("seed %d, chaos %v: actions %v (%d skipped, %d failed)", cfg.seed, cfg.duration, x.done, x.skipped, len(x.failed))
	t.Logf("tasks %d, events %d, outcomes %v, invalid reports %d", rep.Tasks, rep.Events, rep.Outcomes, log.invalids)
	t.Logf("detection latency of tasks that ended during the chaos: %v", rep.Chaos)
	t.Logf("detection latency of all tasks: %v", rep.All)
	for _, d := range rep.Slowest {
		t.Logf("slow: task %s ended at +%v, its terminal event stored %v later", d.TaskID, d.End.Sub(x.start).Round(100*time.Millisecond), d.Latency.Round(time.Millisecond))
	}
	if len(rep.NoEnd) > 0 {
		t.Logf("%d tasks have a terminal event but the emulator gives no end, e.g. %s", len(rep.NoEnd), rep.NoEnd[0])
	}
	for _, u := range log.undecodable {
		t.Errorf("undecodable event: %s", u)
	}
	if log.invalids > 0 {
		t.Errorf("%d registrations were refused as invalid", log.invalids)
	}
	byRule := map[Rule]int{}
	for _, v := range rep.Violations {
		byRule[v.Rule]++
	}
	t.Logf("violations: %d %v", len(rep.Violations), byRule)
	for i, v := range rep.Violations {
		if i == 200 {
			t.Errorf("... and %d more", len(rep.Violations)-i)
			break
		}
		t.Errorf("VIOLATION %v", v)
	}
}

// logRegistrations logs what the registrations stream stored: a work queue, it deletes each
// registration once a worker recorded it, so what is left are registrations never taken.
func logRegistrations(ctx context.Context, t *testing.T, js jetstream.JetStream, subjects events.Subjects, produced int) {
	t.Helper()
	s, err := js.Stream(ctx, subjects.StreamName(events.RegistrationsRole))
	if err != nil {
		t.Errorf("registrations stream: %v", err)
		return
	}
	st := s.CachedInfo().State
	t.Logf("registrations stream: %d stored in all (the producer printed %d tasks), %d never taken", st.LastSeq, produced, st.Msgs)
	if st.Msgs > 0 {
		t.Errorf("%d registrations are still in the registrations stream: no worker took them", st.Msgs)
	}
}

// logEmulator logs the emulator's answers by code: the faults it injected.
func logEmulator(ctx context.Context, t *testing.T) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port("TP_ECSEMU_PORT")+"/_emulator/stats", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Logf("emulator stats: %v", err)
		return
	}
	defer resp.Body.Close()
	var stats ecsemu.Stats
	if err := json.NewDecoder(resp.Body).Decode(&stats); err != nil {
		t.Logf("emulator stats: %v", err)
		return
	}
	codes := make([]string, 0, len(stats.Codes))
	for c, n := range stats.Codes {
		codes = append(codes, fmt.Sprintf("%s=%d", c, n))
	}
	slices.Sort(codes)
	t.Logf("emulator calls by action %v, answers by code %v", stats.Actions, codes)
}
