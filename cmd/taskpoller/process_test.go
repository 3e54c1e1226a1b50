package main

import (
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// world is a NATS server and an ECS emulator for workers run as separate processes.
type world struct {
	t       *testing.T
	natsURL string
	emu     *ecsemu.Server
	js      jetstream.JetStream
	mu      sync.Mutex
	evs     []events.Event
	raw     [][]byte // evs as stored
	changed chan struct{}
}

func newWorld(t *testing.T) *world {
	srv, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	emu, err := ecsemu.New(ecsemu.WithCredentials("cli-ak", "cli-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	return &world{t: t, natsURL: srv.ClientURL(), emu: emu, js: js, changed: make(chan struct{}, 1)}
}

// follow collects the events stream once a worker has created it. When the test ends it
// checks each event against the schema its dataschema names (events/schematest).
func (w *world) follow() {
	subjects, _ := events.NewSubjects(events.DefaultPrefix)
	cons, err := w.js.OrderedConsumer(context.Background(), subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{})
	if err != nil {
		w.t.Fatal(err)
	}
	schemas, err := schematest.New()
	if err != nil {
		w.t.Fatal(err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		var ev events.Event
		_ = json.Unmarshal(m.Data(), &ev)
		w.mu.Lock()
		w.evs = append(w.evs, ev)
		w.raw = append(w.raw, m.Data())
		w.mu.Unlock()
		select {
		case w.changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() {
		cc.Stop()
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, raw := range w.raw {
			if err := schemas.Event(raw); err != nil {
				w.t.Errorf("a published event does not match its schema: %v", err)
			}
		}
	})
}

func (w *world) events() []events.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]events.Event(nil), w.evs...)
}

// waitEvents waits until cond holds for the stored events.
func (w *world) waitEvents(timeout time.Duration, what string, cond func([]events.Event) bool) {
	w.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond(w.events()) {
		select {
		case <-w.changed:
		case <-deadline.C:
			w.t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

func countTerminal(evs []events.Event, ids []string) int {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	n := 0
	for _, e := range evs {
		if want[e.Subject] && (e.Type == events.TypeFinished || e.Type == events.TypeFailed) {
			n++
		}
	}
	return n
}

// proc is a `taskpoller run` process.
type proc struct {
	cmd  *exec.Cmd
	http string
	done chan struct{} // closed when the process has exited; err is then set
	err  error
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (w *world) startWorker(id string, ackWait time.Duration) *proc {
	w.t.Helper()
	return w.startWorkerWith(id, ackWait)
}

// startWorkerWith is startWorker with more environment variables (flags).
func (w *world) startWorkerWith(id string, ackWait time.Duration, env ...string) *proc {
	w.t.Helper()
	addr := freeAddr(w.t)
	cmd := exec.Command(binary, "run", "--worker-id", id, "--log-format", "console", "--log-level", "info")
	cmd.Env = append(os.Environ(),
		"ALIBABA_CLOUD_ACCESS_KEY_ID=cli-ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=cli-secret", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
		"TASKPOLLER_NATS_URL="+w.natsURL, "TASKPOLLER_ECS_ENDPOINT="+w.emu.URL(), "TASKPOLLER_HTTP_ADDR="+addr,
		"TASKPOLLER_POLL_INITIAL=20ms", "TASKPOLLER_POLL_MAX=100ms", "TASKPOLLER_API_TIMEOUT=1s",
		"TASKPOLLER_ACK_WAIT="+ackWait.String(), "TASKPOLLER_DEDUP_WINDOW=2m")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if testing.Verbose() {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	p := &proc{cmd: cmd, http: "http://" + addr, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	w.t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	// Ready once /readyz says so.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		resp, err := http.Get(p.http + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-tick.C:
		case <-p.done:
			w.t.Fatalf("worker %s exited before it was ready: %v", id, p.err)
		case <-deadline:
			w.t.Fatalf("worker %s not ready in time", id)
		}
	}
}

func (w *world) addTasks(n int, stepFor time.Duration) []string {
	var ids []string
	for range n {
		id, err := w.emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: "ExportImage", Steps: []ecsemu.Step{
			{Status: "Waiting", For: stepFor}, {Status: "Processing", Process: "50%", For: stepFor}, {Status: "Finished", Process: "100%"},
		}})
		if err != nil {
			w.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// workerWithTasks starts worker "a" with ackWait, follows the events, and registers n tasks
// of steps stepFor long (addTasks); it returns the worker and the tasks' ids.
func (w *world) workerWithTasks(ackWait time.Duration, n int, stepFor time.Duration) (*proc, []string) {
	w.t.Helper()
	a := w.startWorker("a", ackWait)
	w.follow()
	ids := w.addTasks(n, stepFor)
	w.registerAll(ids)
	return a, ids
}

func (w *world) registerAll(ids []string) {
	w.t.Helper()
	for i, id := range ids {
		if i == 0 { // one through the CLI, the others as any producer would
			out, code := cli(w.t, nil, "register", "--nats-url", w.natsURL, "--region", "cn-hangzhou", "--task", id, "--meta", "by=cli")
			if code != 0 || !strings.Contains(out, "registered task "+id) {
				w.t.Fatalf("register: exit %d: %s", code, out)
			}
			continue
		}
		b, _ := json.Marshal(events.RegistrationMessage{RegionID: "cn-hangzhou", TaskID: id})
		if _, err := w.js.Publish(context.Background(), "ecs.tasks.registered", b); err != nil {
			w.t.Fatal(err)
		}
	}
}

// checkOnce asserts one terminal event per task and no event id stored twice.
func checkOnce(t *testing.T, evs []events.Event, ids []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, e := range evs {
		if seen[e.ID] {
			t.Errorf("event %s stored twice", e.ID)
		}
		seen[e.ID] = true
	}
	for _, id := range ids {
		if n := countTerminal(evs, []string{id}); n != 1 {
			t.Errorf("task %s: %d terminal events, want 1", id, n)
		}
	}
}

// A worker process killed with SIGKILL mid-poll loses nothing: another process finishes every
// task after the ack wait, with no duplicate event in the stream.
func TestSIGKILLedWorkerProcessIsTakenOver(t *testing.T) {
	w := newWorld(t)
	a, ids := w.workerWithTasks(2*time.Second, 8, 700*time.Millisecond)
	w.waitEvents(15*time.Second, "every task polled", func(evs []events.Event) bool {
		got := map[string]bool{}
		for _, e := range evs {
			got[e.Subject] = true
		}
		return len(got) == len(ids)
	})
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.done
	if n := countTerminal(w.events(), ids); n == len(ids) {
		t.Fatal("every task ended before the kill; the test proves nothing")
	}
	b := w.startWorker("b", 2*time.Second)
	w.waitEvents(30*time.Second, "terminal events", func(evs []events.Event) bool { return countTerminal(evs, ids) >= len(ids) })
	checkOnce(t, w.events(), ids)
	for _, e := range w.events() {
		if e.Subject == ids[0] && string(e.Data.Metadata) != `{"by":"cli"}` {
			t.Errorf("metadata of %s = %s", e.Type, e.Data.Metadata)
		}
	}
	resp, err := http.Get(b.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{"taskpoller_events_published_total", "taskpoller_polls_total", "taskpoller_tracked_tasks", "taskpoller_api_latency_seconds", "taskpoller_registration_to_terminal_seconds"} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}

// SIGTERM: the worker exits 0 within a few seconds and hands its registrations back at once, so
// another worker goes on long before the ack wait (30s here).
func TestSIGTERMHandsWorkBack(t *testing.T) {
	w := newWorld(t)
	a, ids := w.workerWithTasks(30*time.Second, 5, 1500*time.Millisecond)
	w.waitEvents(15*time.Second, "first events", func(evs []events.Event) bool { return len(evs) >= len(ids) })
	start := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-a.done:
		if a.err != nil {
			t.Fatalf("worker exited with %v after SIGTERM, want 0", a.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("worker still running 10s after SIGTERM")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %s", d)
	}
	w.startWorker("b", 30*time.Second)
	w.waitEvents(15*time.Second, "terminal events", func(evs []events.Event) bool { return countTerminal(evs, ids) >= len(ids) })
	if d := time.Since(start); d >= 30*time.Second {
		t.Errorf("tasks ended %s after SIGTERM: not handed back before the ack wait", d)
	}
	checkOnce(t, w.events(), ids)
}

// register fails clearly, with a non-zero exit, when nothing stores registrations.
func TestRegisterWithoutStreamFails(t *testing.T) {
	w := newWorld(t)
	out, code := cli(t, nil, "register", "--nats-url", w.natsURL, "--region", "cn-hangzhou", "--task", "t-abc", "--timeout", "2s")
	if code == 0 || !strings.Contains(out, "not stored") {
		t.Errorf("exit %d, output %q; want a failure saying the registration was not stored", code, out)
	}
}

// While NATS does not answer yet, the worker is alive (/healthz 200) but not ready (/readyz 503),
// and SIGTERM still stops it cleanly.
func TestHealthBeforeNATSAnswers(t *testing.T) {
	addr := freeAddr(t)
	cmd := exec.Command(binary, "run", "--nats-url", "nats://"+freeAddr(t), "--http-addr", addr)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID=x", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=y", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("/healthz = %d", resp.StatusCode)
			}
			break
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("/healthz never answered while NATS was down")
		}
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "starting") {
		t.Errorf("/readyz = %d %q, want 503 starting", resp.StatusCode, body)
	}
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "\ntaskpoller_ready 0\n") {
		t.Errorf("/metrics lacks taskpoller_ready 0 while not ready:\n%s", body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10s after SIGTERM")
	}
}
