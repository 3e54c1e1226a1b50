package chaos

import (
	"slices"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

var t0 = time.Date(2026, 12, 4, 1, 0, 0, 0, time.UTC)

// history builds a task's events from "kind/ordinal" steps, stored a second apart from at.
type step struct {
	kind    events.Kind
	ordinal int
	reason  events.Reason
}

var (
	st = func(o int) step { return step{kind: events.KindStatusChanged, ordinal: o} }
	pr = func(o int) step { return step{kind: events.KindProgress, ordinal: o} }
	fi = func(o int) step { return step{kind: events.KindFinished, ordinal: o} }
	fa = func(o int, r events.Reason) step { return step{kind: events.KindFailed, ordinal: o, reason: r} }
)

// stream interleaves the histories of several tasks the way a stream would store them and
// numbers them.
func stream(hs map[string][]step) []Event {
	var out []Event
	ids := make([]string, 0, len(hs))
	for id := range hs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i := 0; ; i++ {
		added := false
		for _, id := range ids {
			if i < len(hs[id]) {
				s := hs[id][i]
				out = append(out, Event{Seq: uint64(len(out) + 1), Kind: s.kind, TaskID: id, Ordinal: s.ordinal, Reason: s.reason, Stored: t0.Add(time.Duration(i) * time.Second)})
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

func finished(id string) Task { return Task{ID: id, Expect: events.KindFinished} }

// good is a history that keeps every rule.
var good = []step{st(1), pr(1), st(2), pr(2), pr(2), st(3), fi(3)}

func TestCheckCatchesEachViolation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tasks   []Task
		history map[string][]step
		want    map[string][]Rule // violations expected, by task
	}{
		{name: "clean", tasks: []Task{finished("t-a"), {ID: "t-b", Expect: events.KindFailed, Reason: events.ReasonTaskCanceled}},
			history: map[string][]step{"t-a": good, "t-b": {st(1), st(2), fa(2, events.ReasonTaskCanceled)}}},
		{name: "terminal never announced", tasks: []Task{finished("t-a"), finished("t-b")},
			history: map[string][]step{"t-a": good, "t-b": {st(1), pr(1)}},
			want:    map[string][]Rule{"t-b": {RuleNoTerminal}}},
		{name: "registered, no event at all", tasks: []Task{finished("t-a"), finished("t-b")},
			history: map[string][]step{"t-a": good},
			want:    map[string][]Rule{"t-b": {RuleNoTerminal}}},
		{name: "second finished", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": append(slices.Clone(good), fi(3))},
			want:    map[string][]Rule{"t-a": {RuleTwoTerminals}}},
		{name: "finished then failed", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": append(slices.Clone(good), fa(3, events.ReasonTimeout))},
			want:    map[string][]Rule{"t-a": {RuleTwoTerminals}}},
		{name: "ordinal gap", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(1), st(3), fi(3)}},
			want:    map[string][]Rule{"t-a": {RuleOrdinals, RuleTerminalOrd}}},
		{name: "ordinal repeat", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(1), st(2), st(2), fi(2)}},
			want:    map[string][]Rule{"t-a": {RuleOrdinals, RuleTerminalOrd}}},
		{name: "first ordinal is not 1", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(2), fi(1)}},
			want:    map[string][]Rule{"t-a": {RuleOrdinals}}},
		{name: "ordinals out of order", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(2), st(1), fi(2)}},
			want:    map[string][]Rule{"t-a": {RuleOrdinals}}},
		{name: "terminal ordinal behind", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(1), st(2), fi(1)}},
			want:    map[string][]Rule{"t-a": {RuleTerminalOrd}}},
		{name: "status after the terminal", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(1), st(2), fi(2), st(3)}},
			want:    map[string][]Rule{"t-a": {RuleTerminalOrd, RuleAfterTerminal}}},
		{name: "wrong outcome", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": {st(1), fa(1, events.ReasonTaskFailed)}},
			want:    map[string][]Rule{"t-a": {RuleOutcome}}},
		{name: "wrong reason", tasks: []Task{{ID: "t-a", Expect: events.KindFailed, Reason: events.ReasonTaskCanceled}},
			history: map[string][]step{"t-a": {st(1), fa(1, events.ReasonTimeout)}},
			want:    map[string][]Rule{"t-a": {RuleOutcome}}},
		{name: "events of a task never registered", tasks: []Task{finished("t-a")},
			history: map[string][]step{"t-a": good, "t-z": {st(1), fi(1)}},
			want:    map[string][]Rule{"t-z": {RuleUnregistered}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Tasks: map[string]Task{}, Events: stream(tc.history)}
			for _, task := range tc.tasks {
				in.Tasks[task.ID] = task
			}
			rep := Check(in)
			got := map[string][]Rule{}
			for _, v := range rep.Violations {
				got[v.TaskID] = append(got[v.TaskID], v.Rule)
				if len(v.Events) != len(tc.history[v.TaskID]) {
					t.Errorf("violation %v: carries %d events, want the task's %d", v, len(v.Events), len(tc.history[v.TaskID]))
				}
			}
			for id, rules := range got {
				slices.Sort(rules)
				got[id] = rules
			}
			for id, rules := range tc.want {
				slices.Sort(rules)
				if !slices.Equal(got[id], rules) {
					t.Errorf("task %s: violations %v, want %v (report %v)", id, got[id], rules, rep.Violations)
				}
			}
			for id := range got {
				if _, ok := tc.want[id]; !ok {
					t.Errorf("task %s: violations %v, want none", id, got[id])
				}
			}
		})
	}
}

func TestCheckLatency(t *testing.T) {
	// 100 tasks, each one's terminal event stored i ms after its end; the first 10 ended
	// before the chaos, the last 10 after it.
	in := Input{Tasks: map[string]Task{}, Ends: map[string]time.Time{}, From: t0.Add(10 * time.Second), To: t0.Add(89 * time.Second)}
	for i := 1; i <= 100; i++ {
		id := "t-" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		end := t0.Add(time.Duration(i-1) * time.Second)
		in.Tasks[id] = Task{ID: id}
		in.Ends[id] = end
		in.Events = append(in.Events,
			Event{Seq: uint64(2*i - 1), Kind: events.KindStatusChanged, TaskID: id, Ordinal: 1, Stored: end},
			Event{Seq: uint64(2 * i), Kind: events.KindFinished, TaskID: id, Ordinal: 1, Stored: end.Add(time.Duration(i) * time.Millisecond)})
	}
	// A task whose end the emulator does not know has no latency.
	in.Tasks["t-noend"] = Task{ID: "t-noend"}
	in.Events = append(in.Events, Event{Seq: 201, Kind: events.KindStatusChanged, TaskID: "t-noend", Ordinal: 1}, Event{Seq: 202, Kind: events.KindFinished, TaskID: "t-noend", Ordinal: 1})
	rep := Check(in)
	if len(rep.Violations) != 0 {
		t.Fatalf("violations %v, want none", rep.Violations)
	}
	ms := time.Millisecond
	if want := (Latency{N: 100, P50: 50 * ms, P90: 90 * ms, P99: 99 * ms, Max: 100 * ms}); rep.All != want {
		t.Errorf("all: %+v, want %+v", rep.All, want)
	}
	if want := (Latency{N: 80, P50: 50 * ms, P90: 82 * ms, P99: 90 * ms, Max: 90 * ms}); rep.Chaos != want {
		t.Errorf("chaos: %+v, want %+v", rep.Chaos, want)
	}
	var slow []time.Duration
	for _, d := range rep.Slowest {
		slow = append(slow, d.Latency)
		if end := in.Ends[d.TaskID]; !d.End.Equal(end) {
			t.Errorf("slowest %s: end %v, want %v", d.TaskID, d.End, end)
		}
	}
	if want := []time.Duration{100 * ms, 99 * ms, 98 * ms, 97 * ms, 96 * ms}; !slices.Equal(slow, want) {
		t.Errorf("slowest %v, want %v", slow, want)
	}
	if !slices.Equal(rep.NoEnd, []string{"t-noend"}) || rep.Outcomes["finished"] != 101 {
		t.Errorf("no end %v, outcomes %v", rep.NoEnd, rep.Outcomes)
	}
}

func TestCheckLatencyCountsTheFirstTerminal(t *testing.T) {
	in := Input{Tasks: map[string]Task{"t-a": {ID: "t-a"}}, Ends: map[string]time.Time{"t-a": t0}, From: t0, To: t0}
	in.Events = []Event{
		{Seq: 1, Kind: events.KindFinished, TaskID: "t-a", Stored: t0.Add(time.Second)},
		{Seq: 2, Kind: events.KindFinished, TaskID: "t-a", Stored: t0.Add(time.Hour)},
	}
	rep := Check(in)
	if rep.Chaos.N != 1 || rep.Chaos.Max != time.Second {
		t.Errorf("latency %+v, want one of 1s", rep.Chaos)
	}
	if len(rep.Violations) != 1 || rep.Violations[0].Rule != RuleTwoTerminals {
		t.Errorf("violations %v, want the second terminal", rep.Violations)
	}
}
