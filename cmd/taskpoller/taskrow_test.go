package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func stateOf(key string, st poller.State, updated time.Time) natsjs.StoredState {
	return natsjs.StoredState{Key: key, State: st, Updated: updated}
}

func terminalOf(id string, seq uint64, kind events.Kind, d events.Data, at time.Time) natsjs.StoredEvent {
	return natsjs.StoredEvent{Seq: seq, Kind: kind, Region: "cn-hangzhou", Action: "ExportImage", TaskID: id,
		Event: events.Event{Time: at, Data: d}}
}

// What the views say of a task, from whichever of its state, tracking entry and terminal event
// JetStream holds, in any order they are read.
func TestTaskRowMergesWhatJetStreamHolds(t *testing.T) {
	key := "cn-hangzhou.t-1"
	active := poller.State{Owner: "w1", RegisteredAt: t0, Action: "ExportImage", Status: poller.StatusProcessing, Process: "40%", Ordinal: 2}
	ended := active
	ended.Status, ended.Terminal = poller.StatusFailed, true
	decided := ended
	decided.Outbox = &poller.Outbox{Items: []poller.OutboxItem{{Kind: events.KindStatusChanged}, {Kind: events.KindFailed, Reason: events.ReasonTimeout, Cancel: "accepted"}}}
	failedEv := terminalOf("t-1", 9, events.KindFailed, events.Data{TaskAction: "ExportImage", TaskStatus: "Failed", TaskProcess: "40%",
		Reason: events.ReasonTaskFailed, ErrorCode: "InvalidOSSBucket.NotFound"}, t0.Add(time.Hour))
	tracked := natsjs.TrackedTask{Key: key, Partition: 3, Seq: 7, Recorded: t0.Add(-time.Second)}

	tests := []struct {
		name        string
		adds        []func(*taskTable)
		phase       string
		reason      events.Reason
		since       time.Time
		ended       time.Time
		unpublished bool
		text        string // outcomeText at t0+2h
	}{
		{name: "recorded, not claimed", adds: []func(*taskTable){func(tt *taskTable) { tt.addTracked(tracked) }},
			phase: phaseWaiting, since: tracked.Recorded, text: "waiting for a worker to claim it"},
		{name: "claimed", adds: []func(*taskTable){
			func(tt *taskTable) { tt.addTracked(tracked) }, func(tt *taskTable) { tt.addState(stateOf(key, active, t0)) }},
			phase: phaseActive, since: t0, text: "-"},
		{name: "ended, event read last", adds: []func(*taskTable){
			func(tt *taskTable) { tt.addState(stateOf(key, ended, t0.Add(2*time.Hour))) }, func(tt *taskTable) { tt.addTerminal(failedEv) }},
			phase: phaseFailed, reason: events.ReasonTaskFailed, since: t0, ended: t0.Add(time.Hour),
			text: "failed 1h00m ago: task_failed, InvalidOSSBucket.NotFound"},
		{name: "ended, event read first", adds: []func(*taskTable){
			func(tt *taskTable) { tt.addTerminal(failedEv) }, func(tt *taskTable) { tt.addState(stateOf(key, decided, t0.Add(2*time.Hour))) }},
			phase: phaseFailed, reason: events.ReasonTaskFailed, since: t0, ended: t0.Add(time.Hour),
			text: "failed 1h00m ago: task_failed, InvalidOSSBucket.NotFound"},
		{name: "ended, event not stored yet", adds: []func(*taskTable){func(tt *taskTable) { tt.addState(stateOf(key, decided, t0.Add(time.Hour))) }},
			phase: phaseFailed, reason: events.ReasonTimeout, since: t0, ended: t0.Add(time.Hour), unpublished: true,
			text: "failed 1h00m ago: timeout, cancel accepted  (decided, its event not stored yet)"},
		{name: "ended, events expired", adds: []func(*taskTable){func(tt *taskTable) { tt.addState(stateOf(key, ended, t0.Add(time.Hour))) }},
			phase: phaseFailed, since: t0, ended: t0.Add(time.Hour), text: "failed 1h00m ago  (its events have expired)"},
		{name: "only its event", adds: []func(*taskTable){func(tt *taskTable) { tt.addTerminal(failedEv) }},
			phase: phaseFailed, reason: events.ReasonTaskFailed, since: t0.Add(time.Hour), ended: t0.Add(time.Hour),
			text: "failed 1h00m ago: task_failed, InvalidOSSBucket.NotFound"},
		{name: "the latest of two events", adds: []func(*taskTable){
			func(tt *taskTable) { tt.addTerminal(failedEv) },
			func(tt *taskTable) {
				tt.addTerminal(terminalOf("t-1", 4, events.KindFinished, events.Data{TaskStatus: "Finished"}, t0))
			}},
			phase: phaseFailed, reason: events.ReasonTaskFailed, since: t0.Add(time.Hour), ended: t0.Add(time.Hour),
			text: "failed 1h00m ago: task_failed, InvalidOSSBucket.NotFound"},
	}
	for _, tt := range tests {
		table := newTaskTable()
		for _, add := range tt.adds {
			add(table)
		}
		if len(table.rows) != 1 {
			t.Fatalf("%s: %d rows", tt.name, len(table.rows))
		}
		r := table.row(key)
		if r.phase() != tt.phase || r.reason != tt.reason || !r.since().Equal(tt.since) || !r.endedAt.Equal(tt.ended) || r.unpublished != tt.unpublished {
			t.Errorf("%s: phase %s reason %q since %s ended %s unpublished %v; want %s %q %s %s %v", tt.name,
				r.phase(), r.reason, r.since(), r.endedAt, r.unpublished, tt.phase, tt.reason, tt.since, tt.ended, tt.unpublished)
		}
		if got := outcomeText(r, t0.Add(2*time.Hour)); got != tt.text {
			t.Errorf("%s: outcome %q, want %q", tt.name, got, tt.text)
		}
	}
}

// --active, --failed and --since select rows; rows come oldest first.
func TestTaskFilterAndOrder(t *testing.T) {
	table := newTaskTable()
	now := t0.Add(10 * time.Hour)
	add := func(id string, registered time.Duration, phase string) {
		key := "cn-hangzhou." + id
		table.addTracked(natsjs.TrackedTask{Key: key, Recorded: now.Add(-registered)})
		if phase == phaseWaiting {
			return
		}
		table.addState(stateOf(key, poller.State{RegisteredAt: now.Add(-registered), Status: poller.StatusProcessing}, now))
		if phase == phaseActive {
			return
		}
		kind := events.KindFinished
		if phase == phaseFailed {
			kind = events.KindFailed
		}
		table.addTerminal(terminalOf(id, uint64(registered), kind, events.Data{}, now.Add(-time.Minute)))
	}
	add("t-old-failed", 9*time.Hour, phaseFailed)
	add("t-waiting", time.Minute, phaseWaiting)
	add("t-active", 2*time.Hour, phaseActive)
	add("t-done", 3*time.Hour, phaseFinished)
	add("t-failed", 30*time.Minute, phaseFailed)
	tests := []struct {
		f    taskFilter
		want []string
	}{
		{taskFilter{}, []string{"t-old-failed", "t-done", "t-active", "t-failed", "t-waiting"}},
		{taskFilter{active: true}, []string{"t-active", "t-waiting"}},
		{taskFilter{failed: true}, []string{"t-old-failed", "t-failed"}},
		{taskFilter{since: time.Hour}, []string{"t-old-failed", "t-done", "t-failed", "t-waiting"}}, // registered or ended within it
		{taskFilter{active: true, since: time.Hour}, []string{"t-waiting"}},
		{taskFilter{failed: true, since: 45 * time.Second}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, r := range table.list(tt.f, now) {
			got = append(got, r.task)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%+v: %v, want %v", tt.f, got, tt.want)
		}
	}
}

// 100,000 tasks share their regions, actions, statuses and owners.
func TestTaskTableInternsRepeatedStrings(t *testing.T) {
	table := newTaskTable()
	for i := range 1000 {
		table.addState(stateOf(fmt.Sprintf("cn-hangzhou.t-%d", i), poller.State{Owner: "worker-" + fmt.Sprint(i%3), Action: "ExportImage",
			Status: poller.StatusProcessing, Process: fmt.Sprintf("%d%%", i%100)}, t0))
	}
	if n := len(table.intern); n > 110 {
		t.Errorf("%d distinct strings kept for 1000 tasks, want about 100 (progress values), 3 owners and one region, action, status", n)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 0: "0s", 45 * time.Second: "45s", 192 * time.Second: "3m12s", 5*time.Hour + 4*time.Minute: "5h04m",
		47 * time.Hour: "47h00m", 74 * time.Hour: "3d02h",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// Tables end their lines without blanks, however they are written.
func TestTableTrimsLineEnds(t *testing.T) {
	var b bytes.Buffer
	tw := newTable(&b)
	fmt.Fprint(tw, "A\tB\tC\n")
	fmt.Fprint(tw, "long value\tx\t\n")
	fmt.Fprint(tw, "y\t")
	fmt.Fprint(tw, "z\tend\n")
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "A           B  C\nlong value  x\ny           z  end\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
