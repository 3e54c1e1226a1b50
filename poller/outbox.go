package poller

import (
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// Outbox is what a worker decided to announce about a task and recorded in the task's State
// before publishing anything: the notices of one observation, in order. The notices share the
// observation; each item keeps what differs. Whoever holds the task next publishes what is
// left of it before polling again.
// In the chain of one announcement: the decided Notices are recorded here, as OutboxItems,
// before each is published as an events.Event.
type Outbox struct {
	Task           Task         `json:"task"`
	PreviousStatus Status       `json:"previous_status,omitempty"`
	ObservedAt     time.Time    `json:"observed_at"`
	Items          []OutboxItem `json:"items"`
}

// OutboxItem is one notice of an Outbox: what differs between the notices of one observation.
// In the chain of one announcement: a decided Notice as the Outbox records it, until it is
// published as an events.Event (Outbox.notice rebuilds the Notice).
type OutboxItem struct {
	Kind         events.Kind   `json:"kind"`
	Ordinal      int           `json:"ordinal"`
	Reason       events.Reason `json:"reason,omitempty"`
	ErrorCode    string        `json:"error_code,omitempty"`
	ErrorMessage string        `json:"error_message,omitempty"`
	Cancel       string        `json:"cancel,omitempty"`
}

// newOutbox records notices of one observation (they must share Task, PreviousStatus and
// ObservedAt, as transitions and failure build them). It returns nil for no notices.
func newOutbox(ns []Notice) *Outbox {
	if len(ns) == 0 {
		return nil
	}
	o := &Outbox{Task: ns[0].Task, PreviousStatus: ns[0].PreviousStatus, ObservedAt: ns[0].ObservedAt}
	for _, n := range ns {
		o.Items = append(o.Items, OutboxItem{Kind: n.Kind, Ordinal: n.Ordinal, Reason: n.Reason, ErrorCode: n.ErrorCode,
			ErrorMessage: n.ErrorMessage, Cancel: n.Cancel})
	}
	return o
}

// notice rebuilds item i as a Notice of registration r (whose ids, metadata, origin and trace
// context it carries).
func (o *Outbox) notice(i int, r events.Registration) Notice {
	p := o.Items[i]
	t := o.Task
	t.TaskID, t.RegionID = r.TaskID, r.RegionID
	return Notice{
		Kind: p.Kind, Task: t, PreviousStatus: o.PreviousStatus, Ordinal: p.Ordinal,
		Metadata: r.Metadata, Reason: p.Reason, ErrorCode: p.ErrorCode, ErrorMessage: p.ErrorMessage,
		Cancel: p.Cancel, Origin: r.Origin, Account: r.Account, TraceParent: r.TraceParent, TraceState: r.TraceState, ObservedAt: o.ObservedAt,
	}
}

// after returns the outbox without its first n items, or nil when none is left.
func (o *Outbox) after(n int) *Outbox {
	if n >= len(o.Items) {
		return nil
	}
	c := *o
	c.Items = append([]OutboxItem(nil), o.Items[n:]...)
	return &c
}

// terminal returns the kind of the outbox's terminal notice, or "" if it has none.
func (o *Outbox) terminal() events.Kind {
	if o == nil {
		return ""
	}
	for _, p := range o.Items {
		if p.Kind.Terminal() {
			return p.Kind
		}
	}
	return ""
}

// reconcile brings st in line with the task's journal, whose latest stored event is last
// (found false: the task has none). It is a pure function:
//   - the journal is where st expects it: nothing changes;
//   - the latest event is an item of st's outbox: that item and those before it are stored;
//     the rest remains to publish after it;
//   - anything else (an event st does not know of, or a journal that lost events): the
//     journal is the truth of what was announced; st adopts its latest event and drops its
//     outbox, so that the next observation is announced relative to what consumers saw.
func reconcile(st State, r events.Registration, last Announced, found bool) State {
	if !found {
		st.LastEvent = 0
		return st
	}
	if last.Position == st.LastEvent {
		return st
	}
	if o := st.Outbox; o != nil {
		for i := range o.Items {
			if o.notice(i, r).ID() == last.ID {
				st.Outbox = o.after(i + 1)
				st.LastEvent = last.Position
				return st
			}
		}
	}
	st.LastEvent = last.Position
	st.Outbox = nil
	st.Status, st.Process, st.Ordinal = last.Status, last.Process, last.Ordinal
	if last.Action != "" && last.Action != "unknown" {
		st.Action = last.Action
	}
	st.Terminal = last.Kind.Terminal()
	return st
}

// seenFrom is what a worker knows of a task from its state alone.
func seenFrom(st State, r events.Registration) observed {
	return observed{
		Task:    Task{TaskID: r.TaskID, RegionID: r.RegionID, Action: st.Action, Status: st.Status, Process: st.Process},
		Ordinal: st.Ordinal,
	}
}
