package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// The views say how each task came to be tracked: from its tracking entry's registration
// while it is tracked, from its terminal event once it ended (which wins, in any order of
// reading); not at all when neither says (the events of older workers name no origin).
func TestViewsShowTheOrigin(t *testing.T) {
	key := "cn-hangzhou.t-1"
	tracked := func(o events.Origin) natsjs.TrackedTask {
		return natsjs.TrackedTask{Key: key, Seq: 7, Recorded: t0, Registration: events.Registration{RegionID: "cn-hangzhou", TaskID: "t-1", Origin: o}}
	}
	ended := func(o events.Origin) natsjs.StoredEvent {
		return terminalOf("t-1", 9, events.KindFinished, events.Data{TaskAction: "ExportImage", TaskStatus: "Finished", Origin: o}, t0.Add(time.Hour))
	}
	tests := []struct {
		name string
		adds []func(*taskTable)
		want events.Origin
	}{
		{"tracked, discovered", []func(*taskTable){func(tt *taskTable) { tt.addTracked(tracked(events.OriginDiscovered)) }}, events.OriginDiscovered},
		{"tracked, a producer's (no origin)", []func(*taskTable){func(tt *taskTable) { tt.addTracked(tracked("")) }}, events.OriginRegistered},
		{"ended, discovered", []func(*taskTable){func(tt *taskTable) { tt.addTerminal(ended(events.OriginDiscovered)) }}, events.OriginDiscovered},
		{"event read before the entry", []func(*taskTable){
			func(tt *taskTable) { tt.addTerminal(ended(events.OriginDiscovered)) }, func(tt *taskTable) { tt.addTracked(tracked("")) }}, events.OriginDiscovered},
		{"event read after the entry", []func(*taskTable){
			func(tt *taskTable) { tt.addTracked(tracked("")) }, func(tt *taskTable) { tt.addTerminal(ended(events.OriginDiscovered)) }}, events.OriginDiscovered},
		{"an older worker's event, no entry", []func(*taskTable){func(tt *taskTable) { tt.addTerminal(ended("")) }}, ""},
	}
	for _, tt := range tests {
		table := newTaskTable()
		for _, add := range tt.adds {
			add(table)
		}
		r := table.row(key)
		if r.origin != tt.want {
			t.Errorf("%s: origin %q, want %q", tt.name, r.origin, tt.want)
		}
		var tbl, js bytes.Buffer
		rows := table.list(taskFilter{}, t0.Add(2*time.Hour))
		if err := writeTasksTable(&tbl, rows, 1, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(tbl.String(), "\n")
		if !strings.Contains(lines[0], "ORIGIN") || !strings.Contains(lines[1], " "+dash(string(tt.want))+" ") {
			t.Errorf("%s: table\n%s\nwant an ORIGIN column saying %s", tt.name, tbl.String(), dash(string(tt.want)))
		}
		if err := writeTasksJSON(&js, rows, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		var line taskLine
		if err := json.Unmarshal(js.Bytes(), &line); err != nil || line.Origin != tt.want {
			t.Errorf("%s: --json origin %q (%v), want %q", tt.name, line.Origin, err, tt.want)
		}
	}
	s := &taskStatus{region: "cn-hangzhou", task: "t-1", tracking: new(tracked(events.OriginDiscovered))}
	var out bytes.Buffer
	if err := writeStatusText(&out, s, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "origin") || !strings.Contains(out.String(), "discovered: a worker listed it") {
		t.Errorf("status says\n%s\nwant the origin", out.String())
	}
	out.Reset()
	if err := writeStatusJSON(&out, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"origin": "discovered"`) {
		t.Errorf("status --json says\n%s\nwant the origin", out.String())
	}
}
