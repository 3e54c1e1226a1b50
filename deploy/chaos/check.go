package chaos

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// Task is a registered task and the outcome its terminal event must have.
type Task struct {
	ID     string
	Expect events.Kind   // KindFinished or KindFailed; empty: any terminal kind
	Reason events.Reason // for KindFailed; empty: any reason
}

// Event is one task event as the events stream stored it.
type Event struct {
	Seq     uint64 // stream sequence
	Kind    events.Kind
	TaskID  string
	Ordinal int // status_ordinal
	Reason  events.Reason
	Stored  time.Time // when the stream stored it
}

func (e Event) String() string {
	s := fmt.Sprintf("#%d %s/%d", e.Seq, e.Kind, e.Ordinal)
	if e.Reason != "" {
		s += "/" + string(e.Reason)
	}
	return s + " " + e.Stored.UTC().Format("15:04:05.000")
}

// Input is what Check judges: the registered tasks, the events stream in stream order, and
// when each task really ended (the emulator's word), for the latency.
type Input struct {
	Tasks  map[string]Task
	Events []Event
	Ends   map[string]time.Time
	// From and To bound the chaos: Report.Chaos is the latency of the tasks that really ended
	// between them.
	From, To time.Time
}

// Rule names one promise a task's events must keep.
type Rule string

// The rules Check applies.
const (
	RuleNoTerminal    Rule = "no terminal event"
	RuleTwoTerminals  Rule = "more than one terminal event"
	RuleOrdinals      Rule = "status_changed ordinals are not 1, 2, 3..."
	RuleTerminalOrd   Rule = "terminal ordinal is not the last status_changed ordinal"
	RuleAfterTerminal Rule = "event after the terminal event"
	RuleOutcome       Rule = "terminal outcome differs from the producer's plan"
	RuleUnregistered  Rule = "events for a task never registered"
)

// Violation is one broken rule of one task, with all of the task's events.
type Violation struct {
	TaskID string
	Rule   Rule
	Detail string
	Events []Event
}

func (v Violation) String() string {
	evs := make([]string, len(v.Events))
	for i, e := range v.Events {
		evs[i] = e.String()
	}
	return fmt.Sprintf("task %s: %s: %s; events [%s]", v.TaskID, v.Rule, v.Detail, strings.Join(evs, ", "))
}

// Latency is a distribution of detection latencies: when the stream stored a task's terminal
// event minus when the task really ended.
type Latency struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

func (l Latency) String() string {
	if l.N == 0 {
		return "no tasks"
	}
	r := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v", l.N, r(l.P50), r(l.P90), r(l.P99), r(l.Max))
}

// Report is the verdict of Check.
type Report struct {
	Tasks, Events int
	Outcomes      map[string]int // terminal events by kind/reason
	Violations    []Violation    // by task id, then rule
	Chaos, All    Latency        // tasks that ended during the chaos, and all tasks
	Slowest       []Detection    // the slowest detections, slowest first (at most slowest)
	NoEnd         []string       // tasks with a terminal event but no known end (no latency)
}

// Detection is when a task really ended and how long its terminal event took to be stored.
type Detection struct {
	TaskID  string
	End     time.Time
	Latency time.Duration
}

// slowest is how many of the slowest detections a Report lists.
const slowest = 5

// Check applies every rule to every task and measures latency. It is a pure function.
func Check(in Input) Report {
	byTask := map[string][]Event{}
	for _, e := range in.Events {
		byTask[e.TaskID] = append(byTask[e.TaskID], e)
	}
	rep := Report{Tasks: len(in.Tasks), Events: len(in.Events), Outcomes: map[string]int{}}
	var chaos, all []time.Duration
	var detections []Detection
	ids := make([]string, 0, len(byTask)+len(in.Tasks))
	for id := range in.Tasks {
		ids = append(ids, id)
	}
	for id := range byTask {
		if _, ok := in.Tasks[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	for _, id := range ids {
		evs := byTask[id]
		task, registered := in.Tasks[id]
		if !registered {
			rep.Violations = append(rep.Violations, Violation{TaskID: id, Rule: RuleUnregistered, Detail: fmt.Sprintf("%d events", len(evs)), Events: evs})
			continue
		}
		vs, term := checkTask(task, evs)
		rep.Violations = append(rep.Violations, vs...)
		if term == nil {
			continue
		}
		rep.Outcomes[outcome(term.Kind, term.Reason)]++
		end, ok := in.Ends[id]
		if !ok {
			rep.NoEnd = append(rep.NoEnd, id)
			continue
		}
		d := term.Stored.Sub(end)
		all = append(all, d)
		detections = append(detections, Detection{TaskID: id, End: end, Latency: d})
		if !end.Before(in.From) && !end.After(in.To) {
			chaos = append(chaos, d)
		}
	}
	rep.Chaos, rep.All = distribution(chaos), distribution(all)
	slices.SortStableFunc(detections, func(a, b Detection) int { return cmp.Compare(b.Latency, a.Latency) })
	rep.Slowest = detections[:min(len(detections), slowest)]
	return rep
}

// checkTask applies the rules to one registered task's events, in stream order, and returns
// the first terminal event (nil when none).
func checkTask(task Task, evs []Event) ([]Violation, *Event) {
	var out []Violation
	broke := func(r Rule, format string, args ...any) {
		out = append(out, Violation{TaskID: task.ID, Rule: r, Detail: fmt.Sprintf(format, args...), Events: evs})
	}
	var term *Event
	var ordinals []int
	terminals, after := 0, 0
	for i := range evs {
		e := &evs[i]
		if term != nil && !e.Kind.Terminal() {
			after++
		}
		switch {
		case e.Kind.Terminal():
			terminals++
			if term == nil {
				term = e
			}
		case e.Kind == events.KindStatusChanged:
			ordinals = append(ordinals, e.Ordinal)
		}
	}
	switch {
	case terminals == 0:
		broke(RuleNoTerminal, "%d events, none finished or failed", len(evs))
	case terminals > 1:
		broke(RuleTwoTerminals, "%d terminal events", terminals)
	}
	for i, o := range ordinals {
		if o != i+1 {
			what := "a gap"
			if o <= i {
				what = "a repeat"
			}
			broke(RuleOrdinals, "ordinals %v: %s at the %d-th status_changed (ordinal %d, want %d)", ordinals, what, i+1, o, i+1)
			break
		}
	}
	if term != nil {
		if last := len(ordinals); term.Ordinal != last {
			broke(RuleTerminalOrd, "terminal ordinal %d after %d status changes", term.Ordinal, last)
		}
		if after > 0 {
			broke(RuleAfterTerminal, "%d events after %s", after, term)
		}
		if task.Expect != "" && (term.Kind != task.Expect || (task.Reason != "" && term.Reason != task.Reason)) {
			broke(RuleOutcome, "ended %s, planned %s", outcome(term.Kind, term.Reason), outcome(task.Expect, task.Reason))
		}
	}
	return out, term
}

func outcome(k events.Kind, r events.Reason) string {
	if r == "" {
		return string(k)
	}
	return string(k) + "/" + string(r)
}

// distribution returns the nearest-rank percentiles of ds (which it sorts).
func distribution(ds []time.Duration) Latency {
	if len(ds) == 0 {
		return Latency{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p*float64(len(ds)))) - 1
		return ds[max(i, 0)]
	}
	return Latency{N: len(ds), P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), Max: ds[len(ds)-1]}
}
