package poller_test

import (
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// The exactly-once cases against a real nats-server, the emulator and the SDK. Each counts
// terminal events per task in the stream. The duplicate window is shortened to 1 s, so that
// "after the window" is reached quickly; waiting past it is the one place a test sleeps, and
// it asserts nothing about time.

// Case 1: a worker partitioned from NATS (not from ECS) while another worker takes its tasks
// over and ends them comes back after the duplicate window: it stores nothing, and lets the
// tasks go.
func TestPartitionedWorkerStoresNothingAfterTheWindow(t *testing.T) {
	e := newEnv(t)
	e.setup.DedupWindow = time.Second
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 10, 300*time.Millisecond)
	px := newProxy(t, e.srv.Addr().String())
	a := e.startWorkerVia(fastConfig(), px.URL())
	for _, id := range ids {
		e.register(js, id, "")
	}
	waitFor(t, 10*time.Second, "every task processing", col.changed, func() bool { return processing(col, ids) })
	px.partition()
	e.startWorker(fastConfig())
	col.waitTerminal(t, 30*time.Second, ids...)
	time.Sleep(2 * e.setup.DedupWindow) // past the window: only the fence can refuse A now
	px.heal()
	waitFor(t, 30*time.Second, "A letting its tasks go", every(t, 50*time.Millisecond), func() bool { return a.w.Tracked() == 0 })
	if got := testutil.ToFloat64(a.metrics.Lost); got != float64(len(ids)) {
		t.Errorf("A gave up %g tasks, want %d", got, len(ids))
	}
	checkExactlyOnce(t, col, ids)
}

func processing(col *collector, ids []string) bool {
	for _, id := range ids {
		n := 0
		for _, s := range col.forTask(id) {
			if s.Event.Type == events.TypeStatusChanged {
				n++
			}
		}
		if n < 2 {
			return false
		}
	}
	return true
}

// Case 5: a finished task registered again after its state expired is settled from its
// terminal event in the stream: no poll, no second terminal event.
func TestReregistrationAfterStateTTLIsSettled(t *testing.T) {
	e := newEnv(t)
	e.setup.StateTTL = time.Second
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 1, 10*time.Millisecond)
	w := e.startWorker(fastConfig())
	e.register(js, ids[0], "")
	col.waitTerminal(t, 10*time.Second, ids...)
	kv, err := js.KeyValue(context.Background(), e.subjects.StreamName(events.StateRole))
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the task's state to expire", every(t, 100*time.Millisecond), func() bool {
		_, err := kv.Get(context.Background(), region+"."+ids[0])
		return err != nil
	})
	calls := len(e.emu.Calls(ids[0]))
	e.register(js, ids[0], "")
	waitFor(t, 10*time.Second, "the registration settled", every(t, 20*time.Millisecond), func() bool {
		return testutil.ToFloat64(w.metrics.Registrations.WithLabelValues("already_done")) == 1
	})
	if got := len(e.emu.Calls(ids[0])); got != calls {
		t.Errorf("polled %d more times", got-calls)
	}
	if n := len(terminals(col.forTask(ids[0]))); n != 1 {
		t.Errorf("%d terminal events, want 1", n)
	}
}

// Case 9: a deleted workers' consumer, and a deleted state bucket, are recreated: tasks
// registered afterwards are tracked and end.
func TestDeletedAssetsAreRecreated(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	w := e.startWorker(fastConfig())
	ctx := context.Background()
	waitFor(t, 10*time.Second, "consuming", every(t, 20*time.Millisecond), func() bool { return w.w.Ready() == nil })
	if err := js.DeleteConsumer(ctx, e.subjects.StreamName(events.RegistrationsRole), natsjs.ConsumerName); err != nil {
		t.Fatal(err)
	}
	if err := js.DeleteKeyValue(ctx, e.subjects.StreamName(events.StateRole)); err != nil {
		t.Fatal(err)
	}
	ids := addLifecycles(t, e, 5, 20*time.Millisecond)
	for _, id := range ids {
		e.register(js, id, "")
	}
	col.waitTerminal(t, 60*time.Second, ids...)
	checkExactlyOnce(t, col, ids)
	if _, err := js.KeyValue(ctx, e.subjects.StreamName(events.StateRole)); err != nil {
		t.Errorf("state bucket: %v", err)
	}
	if err := w.w.Healthy(); err != nil {
		t.Errorf("unhealthy after recovery: %v", err)
	}
}

// The events stream itself refuses a stale publish: the condition on the task's latest event
// holds whatever the duplicate window, and Last reads where a task stands.
func TestPublisherFencesOnTheTasksLatestEvent(t *testing.T) {
	e := newEnv(t)
	e.setup.DedupWindow = time.Second
	_, js := e.connect()
	col := e.collect(js)
	pub := natsjs.NewPublisher(js, e.subjects)
	ctx := context.Background()
	task := poller.Task{TaskID: "t-fence", RegionID: region, Action: "ExportImage", Status: poller.StatusProcessing}
	first := poller.Notice{Kind: events.KindStatusChanged, Task: task, Ordinal: 1}
	pos, err := pub.Publish(ctx, first, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := pub.Last(ctx, region, "t-other"); ok {
		t.Error("Last found events of a task that has none")
	}
	last, ok, err := pub.Last(ctx, region, task.TaskID)
	if err != nil || !ok || last.Position != pos || last.ID != first.ID() || last.Status != poller.StatusProcessing || last.Ordinal != 1 {
		t.Fatalf("Last = %+v %v %v", last, ok, err)
	}
	task.Status = poller.StatusFinished
	end := poller.Notice{Kind: events.KindFinished, Task: task, Ordinal: 2}
	if _, err := pub.Publish(ctx, end, 0); !errors.Is(err, poller.ErrFenced) {
		t.Errorf("a publish after 0 when the task has an event: %v, want ErrFenced", err)
	}
	endPos, err := pub.Publish(ctx, end, pos)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * e.setup.DedupWindow)
	if _, err := pub.Publish(ctx, end, pos); !errors.Is(err, poller.ErrFenced) {
		t.Errorf("the same terminal event again after the window: %v, want ErrFenced", err)
	}
	waitFor(t, 5*time.Second, "events", col.changed, func() bool { return len(col.forTask(task.TaskID)) >= 2 })
	if n := len(col.forTask(task.TaskID)); n != 2 {
		t.Errorf("%d events stored, want 2", n)
	}
	if last, _, _ := pub.Last(ctx, region, task.TaskID); last.Position != endPos || last.Kind != events.KindFinished {
		t.Errorf("Last = %+v", last)
	}
}

// Case 8 (second half): an answer too large for one event (here ~600 KiB of related items) is
// trimmed, said to be so, and published — never retried until the task times out.
func TestOversizedAnswerIsTrimmedAndPublished(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	var items []ecsemu.Item
	for i := range 3000 {
		items = append(items, ecsemu.Item{Name: "OSSObject", Value: fmt.Sprintf("%0200d.raw", i)})
	}
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
		{Status: "Finished", Process: "100%", Operations: []ecsemu.Operation{{Status: "Success", Items: items}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.startWorker(fastConfig())
	e.register(js, id, "")
	ev := col.waitTerminal(t, 10*time.Second, id)[id]
	if ev.Event.Type != events.TypeFinished || !ev.Event.Data.Truncated {
		t.Fatalf("terminal %s truncated=%v, want finished and truncated", ev.Event.Type, ev.Event.Data.Truncated)
	}
	if n := len(ev.Event.Data.OSSObjects); n == 0 || n >= len(items) {
		t.Errorf("%d OSS objects kept of %d", n, len(items))
	}
	if len(ev.Raw) > 64<<10 {
		t.Errorf("event is %d bytes", len(ev.Raw))
	}
}
