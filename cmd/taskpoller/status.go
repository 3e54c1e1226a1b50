package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// statusConfig is the configuration of `taskpoller status`.
type statusConfig struct {
	natsClient
	taskFlags
	JSON    bool
	Timeout time.Duration
}

func (c *statusConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	c.natsClient.register(fs)
	c.taskFlags.register(fs)
	fs.BoolVar(&c.JSON, "json", false, "print one JSON object: the state, the tracking entry, the partition lease and every event as stored")
	durationVar(fs, &c.Timeout, "timeout", 30*time.Second, positive, "give up if reading what JetStream holds takes longer")
	return fs
}

// Validate checks the ids as a worker would (they are subject tokens) and the connection
// flags; --timeout refuses what is not positive itself.
func (c *statusConfig) Validate() error {
	return errors.Join(c.taskFlags.validate(), c.natsClient.validate())
}

// taskStatus is everything JetStream holds about one task.
type taskStatus struct {
	region, task string
	partition    natsjs.PartitionLease
	tracking     *natsjs.TrackedTask  // nil: not in the tasks bucket
	state        *natsjs.StoredState  // nil: no state
	events       []natsjs.StoredEvent // in order, Raw copied
	skipped      int                  // stored messages that were not events
}

// known reports whether JetStream holds anything about the task.
func (s *taskStatus) known() bool { return s.tracking != nil || s.state != nil || len(s.events) > 0 }

// row is the task as the tasks view would show it.
func (s *taskStatus) row() *taskRow {
	t := newTaskTable()
	if s.state != nil {
		t.addState(*s.state)
	}
	if s.tracking != nil {
		t.addTracked(*s.tracking)
	}
	for _, e := range s.events {
		if e.Kind.Terminal() {
			t.addTerminal(e)
		}
	}
	return t.row(events.Registration{RegionID: s.region, TaskID: s.task}.Key())
}

// errUnknownTask: JetStream holds nothing about the task.
var errUnknownTask = errors.New("unknown task")

// showStatus prints what JetStream holds about one task and its whole event history.
func showStatus(ctx context.Context, cfg statusConfig, out, _ io.Writer) error {
	ctx, d, done, err := cfg.dialFor(ctx, "taskpoller status", cfg.Timeout)
	if err != nil {
		return err
	}
	defer done()
	s, err := readStatus(ctx, d.inspector(), cfg.Region, cfg.Task)
	if err != nil {
		return err
	}
	if !s.known() {
		return fmt.Errorf("%w: no state, no tracking entry and no events for task %s in %s (subject prefix %s); check the ids, or it was never registered here",
			errUnknownTask, cfg.Task, cfg.Region, cfg.SubjectPrefix)
	}
	if cfg.JSON {
		return writeStatusJSON(out, s)
	}
	return writeStatusText(out, s, time.Now())
}

func readStatus(ctx context.Context, in *natsjs.Inspector, region, task string) (*taskStatus, error) {
	s := &taskStatus{region: region, task: task}
	st, ok, err := in.State(ctx, region, task)
	if err != nil {
		return nil, err
	}
	if ok {
		s.state = &st
	}
	tt, ok, err := in.Tracking(ctx, region, task)
	if err != nil {
		return nil, err
	}
	if ok {
		s.tracking = &tt
	}
	if s.partition, err = in.Partition(ctx, region, task); err != nil {
		return nil, err
	}
	s.skipped, err = in.History(ctx, region, task, func(e natsjs.StoredEvent) error {
		e.Raw = append([]byte(nil), e.Raw...)
		s.events = append(s.events, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func writeStatusText(w io.Writer, s *taskStatus, now time.Time) error {
	r := s.row()
	tw := newTable(w)
	line := func(k, format string, args ...any) { fmt.Fprintf(tw, "  %s\t%s\n", k, fmt.Sprintf(format, args...)) }
	fmt.Fprintf(tw, "task %s in %s: %s\n", s.task, s.region, phaseText(r, now))
	if !r.registeredAt.IsZero() {
		line("registered", "%s (%s ago)", r.registeredAt.UTC().Format(time.RFC3339), ago(r.registeredAt, now))
	}
	if r.origin != "" {
		line("origin", "%s", originText(r.origin))
	}
	if r.action != "" || r.status != "" {
		line("ECS", "%s, status %s, progress %s", dash(r.action), dash(r.status), dash(r.process))
	}
	if st := s.state; st != nil {
		line("owner", "%s (its lease on the task: %s)", dash(st.State.Owner), dash(st.State.Lease))
		recorded := fmt.Sprintf("its events recorded up to stream sequence %d", st.State.LastEvent)
		if st.State.LastEvent == 0 {
			recorded = "no event recorded in it yet (sent events are recorded with the next change)"
		}
		line("state", "status change #%d, %s, written %s ago (revision %d)", st.State.Ordinal, recorded, ago(st.Updated, now), st.Revision)
		line("outbox", "%s", outboxText(s))
	} else {
		line("state", "none: no worker has claimed the task (or its state expired)")
	}
	held := "held by a worker, which tracks its tasks (lease renewed " + ago(s.partition.Renewed, now) + " ago)"
	if !s.partition.Held {
		held = "not held: no worker tracks its tasks right now"
	}
	line("partition", "%03d, %s", s.partition.ID, held)
	if t := s.tracking; t != nil {
		line("tracking", "recorded %s ago from registration #%d (stream sequence)", ago(t.Recorded, now), t.Seq)
		if len(t.Registration.Metadata) > 0 {
			line("metadata", "%s", t.Registration.Metadata)
		}
	} else if r.outcome != "" {
		line("tracking", "done: no longer tracked")
	} else {
		line("tracking", "not in the tasks bucket: no worker will poll it (register it again to resume)")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nevents (%d):\n", len(s.events))
	if s.skipped > 0 {
		fmt.Fprintf(w, "  (%d stored messages on the task's subjects are not events and are left out)\n", s.skipped)
	}
	if len(s.events) == 0 {
		fmt.Fprintln(w, "  none stored")
		return nil
	}
	tw = newTable(w)
	fmt.Fprintln(tw, "  TIME\tSEQ\tEVENT\tSTATUS\tPROGRESS\tDETAIL")
	for _, e := range s.events {
		d := e.Event.Data
		st := d.TaskStatus
		if e.Kind == events.KindStatusChanged {
			st = dashDot(d.PreviousStatus) + " → " + d.TaskStatus
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\n", e.Event.Time.UTC().Format("2006-01-02 15:04:05.000"), e.Seq, e.Kind,
			dash(st), dash(d.TaskProcess), eventDetail(e))
	}
	return tw.Flush()
}

// originText says how the task came to be tracked, in words.
func originText(o events.Origin) string {
	if o == events.OriginDiscovered {
		return "discovered: a worker listed it in its region (--discover-regions); no producer registered it first"
	}
	return string(o) + ": a producer registered it"
}

// phaseText says where the task is, in words.
func phaseText(r *taskRow, now time.Time) string {
	if r.phase() == phaseActive {
		return "active, polled by " + dash(r.owner)
	}
	return outcomeText(r, now)
}

// outbox lists the notices in the task's outbox and counts those whose event is not stored.
// The outbox of a task that has not ended keeps its notices, published or not, until the
// next announcement; whether each is published is told by its event id among the stored.
func (s *taskStatus) outbox() (items []string, pending int) {
	if s.state == nil || s.state.State.Outbox == nil {
		return nil, 0
	}
	o := s.state.State.Outbox
	stored := make(map[string]bool, len(s.events))
	for _, e := range s.events {
		stored[e.Event.ID] = true
	}
	for _, p := range o.Items {
		item := string(p.Kind)
		if p.Reason != "" {
			item += " (" + string(p.Reason) + ")"
		}
		if id, err := events.ID(s.region, s.task, p.Kind, p.Ordinal, string(o.Task.Status), o.Task.Process); err != nil || !stored[id] {
			item += " not published yet"
			pending++
		}
		items = append(items, item)
	}
	return items, pending
}

func outboxText(s *taskStatus) string {
	items, pending := s.outbox()
	switch {
	case len(items) == 0:
		return "empty"
	case pending == 0:
		return fmt.Sprintf("nothing pending (%s: published)", strings.Join(items, ", "))
	}
	return fmt.Sprintf("%d pending: %s", pending, strings.Join(items, ", "))
}

// eventDetail is what an event says besides its status and progress.
func eventDetail(e natsjs.StoredEvent) string {
	d := e.Event.Data
	var parts []string
	add := func(k, v string) {
		if v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	add("reason", string(d.Reason))
	add("code", d.ErrorCode)
	if d.ErrorMessage != "" {
		parts = append(parts, fmt.Sprintf("msg=%q", clipString(d.ErrorMessage, 120)))
	}
	add("cancel", quoteIfSpaced(d.Cancel))
	if e.Kind == events.KindFinished {
		add("objects", objects(d))
	}
	if d.EstimatedFinishTime != nil {
		add("eta", d.EstimatedFinishTime.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, " ")
}

func quoteIfSpaced(s string) string {
	if strings.ContainsAny(s, " \t") {
		return fmt.Sprintf("%q", s)
	}
	return s
}

func dashDot(s string) string {
	if s == "" {
		return "·"
	}
	return s
}

// statusJSON is the output of `taskpoller status --json`.
type statusJSON struct {
	RegionID  string `json:"region_id"`
	TaskID    string `json:"task_id"`
	Phase     string `json:"phase"`
	Origin    string `json:"origin,omitempty"` // registered or discovered; absent when not known
	Partition struct {
		ID        int       `json:"id"`
		Held      bool      `json:"held"`
		RenewedAt time.Time `json:"renewed_at,omitzero"`
	} `json:"partition"`
	Tracking      *statusTrackingJSON `json:"tracking"`       // null: not in the tasks bucket
	State         *statusStateJSON    `json:"state"`          // null: none
	OutboxPending int                 `json:"outbox_pending"` // notices of the state's outbox whose event is not stored
	Events        []json.RawMessage   `json:"events"`         // as stored, in order
}

// statusTrackingJSON is the task's entry in the tasks bucket, in statusJSON.
type statusTrackingJSON struct {
	RegistrationSeq uint64          `json:"registration_seq"`
	RecordedAt      time.Time       `json:"recorded_at"`
	Metadata        json.RawMessage `json:"metadata,omitempty"`
}

// statusStateJSON is the task's state, in statusJSON.
type statusStateJSON struct {
	poller.State
	UpdatedAt time.Time `json:"updated_at"`
	Revision  uint64    `json:"revision"`
}

func writeStatusJSON(w io.Writer, s *taskStatus) error {
	var j statusJSON
	r := s.row()
	j.RegionID, j.TaskID, j.Phase, j.Origin = s.region, s.task, r.phase(), string(r.origin)
	j.Partition.ID, j.Partition.Held, j.Partition.RenewedAt = s.partition.ID, s.partition.Held, s.partition.Renewed.UTC()
	if t := s.tracking; t != nil {
		j.Tracking = &statusTrackingJSON{t.Seq, t.Recorded.UTC(), t.Registration.Metadata}
	}
	if st := s.state; st != nil {
		j.State = &statusStateJSON{st.State, st.Updated.UTC(), st.Revision}
	}
	_, j.OutboxPending = s.outbox()
	j.Events = make([]json.RawMessage, 0, len(s.events))
	for _, e := range s.events {
		j.Events = append(j.Events, json.RawMessage(e.Raw))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
