//go:build compose

package composetest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// terminal is one terminal event as stored in the events stream.
type terminal struct {
	Kind   events.Kind
	Seq    uint64
	Stored time.Time // when the stream stored it
	Event  events.Event
}

// clock formats the times the test logs, in UTC like the stream's.
const clock = "15:04:05.000"

// String is the event in short: its stream sequence, kind, reason and when it was stored.
func (term terminal) String() string {
	return fmt.Sprintf("seq %d %s/%s stored %s", term.Seq, term.Kind, term.Event.Data.Reason, term.Stored.UTC().Format(clock))
}

// eventReader reads the terminal and invalid events of the events stream from the start,
// keeping what it has read between calls. Each event must match the schema its dataschema
// names (events/schematest).
type eventReader struct {
	stream   *StreamReader
	schemas  *schematest.Validator
	invalid  string
	byTask   map[string][]terminal
	invalids int
	// mismatched are the events read that do not match their schema (checkTerminals reports them).
	mismatched []error
}

func newEventReader(ctx context.Context, js jetstream.JetStream, subjects events.Subjects) (*eventReader, error) {
	schemas, err := schematest.New()
	if err != nil {
		return nil, err
	}
	r := &eventReader{schemas: schemas, invalid: subjects.Invalid(), byTask: map[string][]terminal{}}
	r.stream, err = NewStreamReader(ctx, js, subjects.StreamName(events.EventsRole),
		[]string{subjects.Kind(events.KindFinished), subjects.Kind(events.KindFailed), subjects.Invalid()}, r.add)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// readAll reads every stored event not read yet.
func (r *eventReader) readAll(ctx context.Context) error { return r.stream.ReadAll(ctx) }

func (r *eventReader) add(msg jetstream.Msg, meta *jetstream.MsgMetadata) error {
	if err := r.schemas.Event(msg.Data()); err != nil {
		r.mismatched = append(r.mismatched, fmt.Errorf("event at seq %d on %s: %w", meta.Sequence.Stream, msg.Subject(), err))
	}
	if msg.Subject() == r.invalid {
		r.invalids++
		return nil
	}
	var e events.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil {
		return fmt.Errorf("event at seq %d on %s is not JSON: %w", meta.Sequence.Stream, msg.Subject(), err)
	}
	kind := events.KindFinished
	if e.Type == events.TypeFailed {
		kind = events.KindFailed
	}
	r.byTask[e.Data.TaskID] = append(r.byTask[e.Data.TaskID], terminal{Kind: kind, Seq: meta.Sequence.Stream, Stored: meta.Timestamp, Event: e})
	return nil
}

// missing returns the tasks that have no terminal event yet.
func (r *eventReader) missing(tasks map[string]ProducedTask) []ProducedTask {
	var out []ProducedTask
	for id, p := range tasks {
		if len(r.byTask[id]) == 0 {
			out = append(out, p)
		}
	}
	return out
}

// newest returns when the stream stored the last terminal event read so far.
func (r *eventReader) newest() time.Time {
	var last time.Time
	for _, terms := range r.byTask {
		for _, term := range terms {
			if term.Stored.After(last) {
				last = term.Stored
			}
		}
	}
	return last
}
