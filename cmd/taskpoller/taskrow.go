package main

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// Phases of a task, as the tasks and status views show them.
const (
	phaseWaiting  = "waiting"  // recorded for tracking; no worker has claimed it yet
	phaseActive   = "active"   // claimed: a worker polls it
	phaseFinished = "finished" // its terminal event is finished
	phaseFailed   = "failed"   // its terminal event is failed
)

// taskRow is what the views keep of one task: the merge of its entry in the state bucket, its
// entry in the tasks bucket and its terminal event. The tasks view holds one per task, so it
// stays small: no operations, no metadata.
type taskRow struct {
	region, task string

	action, status, process string        // as the state (or the terminal event) says
	owner                   string        // the worker whose lease is in the task's state
	origin                  events.Origin // how it came to be tracked, as its record or terminal event says; "": not known
	registeredAt            time.Time
	hasState                bool // in the state bucket
	unpublished             bool // the outcome is decided (in the state's outbox) but its event not stored yet

	outcome   events.Kind // finished or failed, once terminal
	reason    events.Reason
	errorCode string
	cancel    string
	endedAt   time.Time
	eventSeq  uint64 // stream sequence of the terminal event the outcome comes from; 0: none
}

// phase is where the task is in its life.
func (r *taskRow) phase() string {
	switch {
	case r.outcome == events.KindFinished:
		return phaseFinished
	case r.outcome != "":
		return phaseFailed
	case r.hasState:
		return phaseActive
	}
	return phaseWaiting
}

// since is the moment the row is sorted by: its registration, or its end when that is all
// that is known (a task whose state has expired).
func (r *taskRow) since() time.Time {
	if !r.registeredAt.IsZero() {
		return r.registeredAt
	}
	return r.endedAt
}

// taskTable merges what the buckets and the stream say into one row per task. Its add
// methods may be called in any order, from one goroutine at a time; call rows when done.
type taskTable struct {
	rows   map[string]*taskRow // by events.Registration.Key
	intern map[string]string   // one copy of each region, action, status and owner
}

func newTaskTable() *taskTable {
	return &taskTable{rows: map[string]*taskRow{}, intern: map[string]string{}}
}

// str returns one shared copy of s: 100,000 tasks share a handful of regions, actions,
// statuses and owners.
func (t *taskTable) str(s string) string {
	if v, ok := t.intern[s]; ok {
		return v
	}
	if len(t.intern) < 10000 {
		s = strings.Clone(s)
		t.intern[s] = s
	}
	return s
}

func (t *taskTable) row(key string) *taskRow {
	if r, ok := t.rows[key]; ok {
		return r
	}
	key = strings.Clone(key) // the row's only string of its own; the task id is part of it
	region, task, _ := strings.Cut(key, ".")
	r := &taskRow{region: t.str(region), task: task}
	t.rows[key] = r
	return r
}

// addState takes a task's entry in the state bucket.
func (t *taskTable) addState(s natsjs.StoredState) {
	r := t.row(s.Key)
	st := s.State
	r.hasState = true
	r.owner = t.str(st.Owner)
	r.registeredAt = st.RegisteredAt
	if r.eventSeq == 0 { // the terminal event, when there is one, tells the end better
		r.action, r.status, r.process = t.str(st.Action), t.str(string(st.Status)), t.str(st.Process)
	}
	if !st.Terminal {
		return
	}
	if r.eventSeq != 0 {
		return
	}
	if st.Outbox != nil { // decided, not yet known to be published: the outbox says how it ends
		for i := range st.Outbox.Items {
			if p := st.Outbox.Items[i]; p.Kind.Terminal() {
				r.outcome, r.reason, r.errorCode, r.cancel = p.Kind, p.Reason, t.str(p.ErrorCode), t.str(p.Cancel)
				r.unpublished = true
			}
		}
	}
	if r.outcome == "" { // its events expired: the state's status is all there is
		r.outcome = events.KindFailed
		if st.Status == poller.StatusFinished {
			r.outcome = events.KindFinished
		}
	}
	if r.endedAt.IsZero() {
		r.endedAt = s.Updated
	}
}

// addTracked takes a task's entry in the tasks bucket.
func (t *taskTable) addTracked(tt natsjs.TrackedTask) {
	r := t.row(tt.Key)
	if r.eventSeq == 0 {
		r.origin = tt.Registration.Origin.OrRegistered()
	}
	if r.registeredAt.IsZero() {
		r.registeredAt = tt.Recorded // claimed tasks have their registration time in the state
	}
}

// addTerminal takes a terminal event; of several for one task, the latest wins.
func (t *taskTable) addTerminal(e natsjs.StoredEvent) {
	r := t.row(e.Key())
	if e.Seq < r.eventSeq {
		return
	}
	d := e.Event.Data
	r.eventSeq, r.unpublished = e.Seq, false
	r.outcome, r.reason, r.errorCode, r.cancel = e.Kind, d.Reason, t.str(d.ErrorCode), t.str(d.Cancel)
	r.action, r.status, r.process = t.str(d.TaskAction), t.str(d.TaskStatus), t.str(d.TaskProcess)
	r.endedAt = e.Event.Time
	if d.Origin != "" { // events of older workers name none
		r.origin = d.Origin
	}
}

// taskFilter selects rows: --active, --failed, --since.
type taskFilter struct {
	active, failed bool
	since          time.Duration // 0: any time
}

// keep reports whether r passes f at now. --since keeps tasks registered or ended within it.
func (f taskFilter) keep(r *taskRow, now time.Time) bool {
	p := r.phase()
	if f.active && p != phaseWaiting && p != phaseActive {
		return false
	}
	if f.failed && p != phaseFailed {
		return false
	}
	if f.since > 0 {
		within := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) <= f.since }
		return within(r.registeredAt) || within(r.endedAt)
	}
	return true
}

// rows returns the rows f keeps, oldest first (by registration; ties by region and task).
func (t *taskTable) list(f taskFilter, now time.Time) []*taskRow {
	out := make([]*taskRow, 0, len(t.rows))
	for _, r := range t.rows {
		if f.keep(r, now) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *taskRow) int {
		return cmp.Or(a.since().Compare(b.since()), cmp.Compare(a.region, b.region), cmp.Compare(a.task, b.task))
	})
	return out
}
