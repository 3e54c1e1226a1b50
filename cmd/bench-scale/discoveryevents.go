package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// consumeEvents reads every event of the events stream: first records each task's first
// event (when stored, and its origin), terminal its first finished or failed one.
func consumeEvents(ctx context.Context, h harness, first, terminal *detections) (jetstream.ConsumeContext, error) {
	cons, err := h.js.OrderedConsumer(ctx, h.subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{
		FilterSubjects: h.subjects.AllEvents(),
	})
	if err != nil {
		return nil, fmt.Errorf("read the events stream: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		meta, err := m.Metadata()
		if err != nil {
			return
		}
		kind, _, _, task, ok := h.subjects.ParseEvent(m.Subject())
		if !ok {
			return
		}
		var ev struct {
			Data struct {
				Origin events.Origin `json:"origin"`
			} `json:"data"`
		}
		_ = json.Unmarshal(m.Data(), &ev) // an event that does not parse counts as of no origin
		first.add(task, meta.Timestamp, string(ev.Data.Origin.OrRegistered()))
		if kind == events.KindFinished || kind == events.KindFailed {
			terminal.add(task, meta.Timestamp, string(kind))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read the events stream: %w", err)
	}
	return cc, nil
}

// watchRegistrations subscribes to the subject registrations are published on (core NATS:
// the registrations stream is a work queue, which no second consumer may read) and records
// when each task's first registration reached the harness. A publish the stream keeps as a
// duplicate is seen too; only the first counts.
func watchRegistrations(h harness, registered *detections) (*nats.Subscription, error) {
	sub, err := h.nc.Subscribe(h.subjects.Registered(), func(m *nats.Msg) {
		at := time.Now()
		r, err := events.ParseRegistration(m.Data)
		if err != nil {
			return
		}
		registered.add(r.TaskID, at, string(r.Origin.OrRegistered()))
	})
	if err != nil {
		return nil, fmt.Errorf("watch the registrations: %w", err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("watch the registrations: %w", err)
	}
	return sub, nil
}

// sinceCreation is, for each task of ids that d saw, when d saw it minus its creation: sorted.
func sinceCreation(ids []string, created []time.Time, d *detections) []time.Duration {
	seen, _ := d.snapshot()
	out := make([]time.Duration, 0, len(ids))
	for i, id := range ids {
		if at, ok := seen[id]; ok {
			out = append(out, at.Sub(created[i]))
		}
	}
	slices.Sort(out)
	return out
}

// writeTaskTimes writes one CSV line per task to path: its index, region, creation after
// start, and creation to its registration stored and to its first event, in milliseconds
// (empty: none) — to see which tasks waited and when.
func writeTaskTimes(path string, w discoveryWorkload, ids []string, created []time.Time, start time.Time, registered, first *detections) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	reg, _ := registered.snapshot()
	ev, _ := first.snapshot()
	ms := func(m map[string]time.Time, id string, from time.Time) string {
		if at, ok := m[id]; ok {
			return fmt.Sprint(at.Sub(from).Milliseconds())
		}
		return ""
	}
	bw := bufio.NewWriter(f)
	fmt.Fprintln(bw, "task,region,created_ms,registered_ms,first_event_ms")
	for i, id := range ids {
		fmt.Fprintf(bw, "%d,%s,%d,%s,%s\n", i, w.tasks[i].Region, created[i].Sub(start).Milliseconds(), ms(reg, id, created[i]), ms(ev, id, created[i]))
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
