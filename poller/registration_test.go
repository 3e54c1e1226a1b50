package poller_test

import (
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

// A task registered again while it is tracked, and again after it ended, is polled by one
// loop and ends with one terminal event.
func TestDuplicateRegistrationPolledOnce(t *testing.T) {
	e := newEnv(t)
	nc, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
		{Status: "Processing", Times: 8}, {Status: "Finished"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.PollInitial, cfg.PollMax = 50*time.Millisecond, 50*time.Millisecond
	e.startWorker(cfg)
	e.startWorker(cfg) // a second worker that could take the duplicate
	e.register(js, id, "")
	e.register(js, id, "")
	// Core NATS publishes are captured by the stream too.
	b, _ := json.Marshal(events.RegistrationMessage{RegionID: region, TaskID: id})
	if err := nc.Publish(e.subjects.Registered(), b); err != nil {
		t.Fatal(err)
	}
	col.waitTerminal(t, 10*time.Second, id)
	e.register(js, id, "") // after the end: acked without a second terminal event
	waitFor(t, 10*time.Second, "registrations stream to empty", every(t, 20*time.Millisecond), func() bool {
		info, err := js.Stream(context.Background(), e.subjects.StreamName(events.RegistrationsRole))
		if err != nil {
			return false
		}
		si, err := info.Info(context.Background())
		return err == nil && si.State.Msgs == 0
	})
	calls := e.emu.Calls(id)
	for i := 1; i < len(calls); i++ {
		// One loop polls every 50ms after the previous answer; two loops would interleave.
		if gap := calls[i].Time.Sub(calls[i-1].Time); gap < 50*time.Millisecond {
			t.Errorf("calls %d and %d only %s apart: polled by two loops", i-1, i, gap)
		}
	}
	if len(calls) != 9 {
		t.Errorf("%d calls, want 9", len(calls))
	}
	if n := len(terminals(col.forTask(id))); n != 1 {
		t.Errorf("%d terminal events, want 1", n)
	}
}

// Malformed registrations are reported on <prefix>.invalid, once, and the worker goes on.
func TestInvalidRegistrations(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	e.startWorker(fastConfig())
	bad := []struct{ payload, reason string }{
		{`not json`, "not a JSON object"},
		{`{"task_id":"t-abc"}`, "region_id is missing"},
		{`{"region_id":"cn-hangzhou"}`, "task_id is missing"},
		{`{"region_id":"cn.hangzhou","task_id":"t-abc"}`, "region_id"},
		{`{"region_id":"cn-hangzhou","task_id":"t-a.>"}`, "task_id"},
		{`{"region_id":"cn-hangzhou","task_id":"t-a b"}`, "task_id"},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":[1]}`, "metadata must be a JSON object"},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":{"k":"` + strings.Repeat("x", events.MaxMetadataBytes) + `"}}`, "metadata is"},
	}
	for _, b := range bad {
		if _, err := js.Publish(context.Background(), e.subjects.Registered(), []byte(b.payload)); err != nil {
			t.Fatal(err)
		}
	}
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ModifyDiskSpec", Steps: []ecsemu.Step{{Status: "Finished"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.register(js, id, "")
	col.waitTerminal(t, 10*time.Second, id)
	var invalid []events.Invalid
	waitFor(t, 10*time.Second, "invalid reports", col.changed, func() bool {
		invalid = invalid[:0]
		for _, s := range col.all() {
			if s.Subject == e.subjects.Invalid() {
				var inv events.Invalid
				if err := json.Unmarshal(s.Raw, &inv); err != nil {
					t.Fatal(err)
				}
				invalid = append(invalid, inv)
			}
		}
		return len(invalid) >= len(bad)
	})
	if len(invalid) != len(bad) {
		t.Fatalf("%d invalid reports, want %d", len(invalid), len(bad))
	}
	// Reports may be stored in any order; their ids carry the registration's stream sequence.
	seqOf := func(inv events.Invalid) int {
		var seq int
		if _, err := fmt.Sscanf(inv.ID, "invalid/%d/", &seq); err != nil {
			t.Fatalf("report id %q: %v", inv.ID, err)
		}
		return seq
	}
	sort.Slice(invalid, func(i, j int) bool { return seqOf(invalid[i]) < seqOf(invalid[j]) })
	for i, b := range bad {
		inv := invalid[i]
		if !strings.Contains(inv.Data.Reason, b.reason) {
			t.Errorf("report %d reason %q, want it to mention %q", i, inv.Data.Reason, b.reason)
		}
		if want := b.payload; len(want) <= events.MaxInvalidPayload && inv.Data.Payload != want {
			t.Errorf("report %d payload %q, want %q", i, inv.Data.Payload, want)
		}
		if inv.Type != events.TypeInvalid {
			t.Errorf("report %d type %q", i, inv.Type)
		}
	}
	// Never retried: the registrations stream holds none of them any more.
	st, err := js.Stream(context.Background(), e.subjects.StreamName(events.RegistrationsRole))
	if err != nil {
		t.Fatal(err)
	}
	cons, err := st.Consumer(context.Background(), natsjs.ConsumerName)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "no pending registrations", every(t, 20*time.Millisecond), func() bool {
		ci, err := cons.Info(context.Background())
		return err == nil && ci.NumAckPending == 0 && ci.NumPending == 0
	})
}
