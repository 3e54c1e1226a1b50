package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// tasksConfig is the configuration of `taskpoller tasks`.
type tasksConfig struct {
	natsClient
	Active  bool
	Failed  bool
	Since   time.Duration
	JSON    bool
	Timeout time.Duration
}

func (c *tasksConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("tasks", flag.ContinueOnError)
	c.natsClient.register(fs)
	fs.BoolVar(&c.Active, "active", false, "only tasks that have not ended: waiting to be claimed, or polled by a worker")
	fs.BoolVar(&c.Failed, "failed", false, "only tasks that ended with a failed event")
	durationVar(fs, &c.Since, "since", 0, zeroOK, "only tasks registered or ended within this long, e.g. 1h; 0: any time")
	fs.BoolVar(&c.JSON, "json", false, "one JSON object per task and line instead of the table")
	durationVar(fs, &c.Timeout, "timeout", 2*time.Minute, positive, "give up if reading what JetStream holds takes longer")
	return fs
}

// Validate checks the prefix, the filters and the connection flags; --since and --timeout
// refuse what cannot work themselves.
func (c *tasksConfig) Validate() error {
	var errs []error
	if c.Active && c.Failed {
		errs = append(errs, errors.New("--active and --failed exclude each other: a failed task has ended"))
	}
	return errors.Join(append(errs, c.natsClient.validate())...)
}

// listTasks prints one line per task that JetStream knows of: its state, its entry in the
// tasks bucket, its terminal event.
func listTasks(ctx context.Context, cfg tasksConfig, out, errOut io.Writer) error {
	ctx, d, done, err := cfg.dialFor(ctx, "taskpoller tasks", cfg.Timeout)
	if err != nil {
		return err
	}
	defer done()
	// Ended tasks are known from their state and terminal event; --active needs no events.
	table, skipped, err := readTasks(ctx, d.inspector(), !cfg.Active)
	if err != nil {
		return err
	}
	now := time.Now()
	rows := table.list(taskFilter{active: cfg.Active, failed: cfg.Failed, since: cfg.Since}, now)
	w := bufio.NewWriter(out)
	if cfg.JSON {
		err = writeTasksJSON(w, rows, now)
	} else {
		err = writeTasksTable(w, rows, len(table.rows), now)
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if skipped > 0 {
		fmt.Fprintf(errOut, "taskpoller tasks: %d entries could not be decoded and are left out\n", skipped)
	}
	return nil
}

// readTasks reads the state bucket, the tasks bucket and, withEnded, the terminal events at
// once, merging them as they come; it keeps one row per task.
func readTasks(ctx context.Context, in *natsjs.Inspector, withEnded bool) (*taskTable, int, error) {
	t := newTaskTable()
	var m merging
	g, gctx := errgroup.WithContext(ctx)
	merge(gctx, g, &m, in.States, t.addState)
	merge(gctx, g, &m, in.Tracked, t.addTracked)
	if withEnded {
		merge(gctx, g, &m, in.Terminals, t.addTerminal)
	}
	if err := g.Wait(); err != nil {
		return nil, 0, err
	}
	return t, m.skipped, nil
}

// merging is what the readers of readTasks share: one adds to the table at a time, and the
// entries they skip are counted.
type merging struct {
	mu      sync.Mutex
	skipped int
}

// merge runs read in g, handing each entry to add under m's lock.
func merge[T any](ctx context.Context, g *errgroup.Group, m *merging, read func(context.Context, func(T) error) (int, error), add func(T)) {
	g.Go(func() error {
		n, err := read(ctx, func(v T) error {
			m.mu.Lock()
			defer m.mu.Unlock()
			add(v)
			return nil
		})
		m.mu.Lock()
		defer m.mu.Unlock()
		m.skipped += n
		return err
	})
}

// writeTasksTable prints rows as an aligned table, then how many there are of each phase.
func writeTasksTable(w io.Writer, rows []*taskRow, known int, now time.Time) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "REGION\tTASK\tACTION\tSTATUS\tPROGRESS\tAGE\tOWNER\tORIGIN\tOUTCOME")
	count := map[string]int{}
	for _, r := range rows {
		count[r.phase()]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.region, r.task, dash(r.action), dash(r.status), dash(r.process),
			ago(r.registeredAt, now), dash(r.owner), dash(string(r.origin)), outcomeText(r, now))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	summary := fmt.Sprintf("%d tasks: %d waiting, %d active, %d finished, %d failed", len(rows),
		count[phaseWaiting], count[phaseActive], count[phaseFinished], count[phaseFailed])
	if known != len(rows) {
		summary += fmt.Sprintf(" (%d known in all)", known)
	}
	_, err := fmt.Fprintln(w, summary)
	return err
}

// outcomeText is the OUTCOME cell: how and when the task ended, or why it is not polled yet.
func outcomeText(r *taskRow, now time.Time) string {
	switch r.phase() {
	case phaseWaiting:
		return "waiting for a worker to claim it"
	case phaseActive:
		return "-"
	}
	s := string(r.outcome)
	if !r.endedAt.IsZero() {
		s += " " + ago(r.endedAt, now) + " ago"
	}
	var why []string
	if r.reason != "" {
		why = append(why, string(r.reason))
	}
	if r.errorCode != "" {
		why = append(why, r.errorCode)
	}
	if r.cancel != "" {
		why = append(why, "cancel "+r.cancel)
	}
	for i, w := range why {
		if i == 0 {
			s += ": " + w
		} else {
			s += ", " + w
		}
	}
	switch {
	case r.unpublished:
		s += "  (decided, its event not stored yet)"
	case r.eventSeq == 0:
		s += "  (its events have expired)"
	}
	return s
}

// taskLine is one line of `taskpoller tasks --json`.
type taskLine struct {
	RegionID     string        `json:"region_id"`
	TaskID       string        `json:"task_id"`
	Phase        string        `json:"phase"` // waiting, active, finished, failed
	Action       string        `json:"action,omitempty"`
	Status       string        `json:"status,omitempty"`
	Process      string        `json:"process,omitempty"`
	Owner        string        `json:"owner,omitempty"`
	Origin       events.Origin `json:"origin,omitempty"` // registered or discovered; absent when not known
	RegisteredAt time.Time     `json:"registered_at,omitzero"`
	AgeSeconds   int64         `json:"age_seconds,omitempty"`
	EndedAt      time.Time     `json:"ended_at,omitzero"`
	Reason       events.Reason `json:"reason,omitempty"`
	ErrorCode    string        `json:"error_code,omitempty"`
	Cancel       string        `json:"cancel,omitempty"`
	Unpublished  bool          `json:"unpublished,omitempty"` // the outcome is decided, its event not stored yet
}

func writeTasksJSON(w io.Writer, rows []*taskRow, now time.Time) error {
	enc := json.NewEncoder(w)
	for _, r := range rows {
		l := taskLine{RegionID: r.region, TaskID: r.task, Phase: r.phase(), Action: r.action, Status: r.status, Process: r.process,
			RegisteredAt: r.registeredAt.UTC(), EndedAt: r.endedAt.UTC(), Reason: r.reason, ErrorCode: r.errorCode,
			Cancel: r.cancel, Unpublished: r.unpublished, Owner: r.owner, Origin: r.origin}
		if !r.registeredAt.IsZero() {
			l.AgeSeconds = int64(now.Sub(r.registeredAt) / time.Second)
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ago is how long before now t was, briefly ("-" for an unknown time).
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return shortDuration(now.Sub(t))
}

// shortDuration renders d with its two largest units: 45s, 3m12s, 5h04m, 3d02h.
func shortDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 48*3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s%86400/3600)
}
