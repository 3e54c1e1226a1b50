//go:build chaos

package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/deploy/composetest"
	"github.com/taskpoller/taskpoller/events"
)

// eventLog reads the whole events stream, every kind, into Events for Check.
type eventLog struct {
	subjects events.Subjects
	stream   *composetest.StreamReader
	events   []Event
	invalids int
	// undecodable are the stored messages that are neither a task event nor an invalid report.
	undecodable []string
}

func newEventLog(ctx context.Context, js jetstream.JetStream, subjects events.Subjects) (*eventLog, error) {
	l := &eventLog{subjects: subjects}
	var err error
	l.stream, err = composetest.NewStreamReader(ctx, js, subjects.StreamName(events.EventsRole), nil, l.add)
	return l, err
}

func (l *eventLog) readAll(ctx context.Context) error { return l.stream.ReadAll(ctx) }

func (l *eventLog) add(msg jetstream.Msg, meta *jetstream.MsgMetadata) error {
	if msg.Subject() == l.subjects.Invalid() {
		l.invalids++
		return nil
	}
	kind, _, _, taskID, ok := l.subjects.ParseEvent(msg.Subject())
	var e events.Event
	if !ok || json.Unmarshal(msg.Data(), &e) != nil || e.Data.TaskID != taskID {
		l.undecodable = append(l.undecodable, fmt.Sprintf("seq %d on %s", meta.Sequence.Stream, msg.Subject()))
		return nil
	}
	l.events = append(l.events, Event{Seq: meta.Sequence.Stream, Kind: kind, TaskID: taskID,
		Ordinal: e.Data.StatusOrdinal, Reason: e.Data.Reason, Stored: meta.Timestamp})
	return nil
}

// terminated returns the tasks with a terminal event so far.
func (l *eventLog) terminated() map[string]bool {
	out := map[string]bool{}
	for _, e := range l.events {
		if e.Kind.Terminal() {
			out[e.TaskID] = true
		}
	}
	return out
}

// streamLeader returns the server name of the leader of a stream (the NATS service's name in
// the stack).
func streamLeader(ctx context.Context, js jetstream.JetStream, name string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, name)
	if err != nil {
		return "", fmt.Errorf("stream %s: %w", name, err)
	}
	info := s.CachedInfo()
	if info.Cluster == nil || info.Cluster.Leader == "" {
		return "", fmt.Errorf("stream %s has no leader", name)
	}
	return info.Cluster.Leader, nil
}

// stepDown asks the leader of a stream to step down ($JS.API.STREAM.LEADER.STEPDOWN).
func stepDown(ctx context.Context, nc *nats.Conn, name string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := nc.RequestWithContext(ctx, "$JS.API.STREAM.LEADER.STEPDOWN."+name, nil)
	if err != nil {
		return fmt.Errorf("step down %s: %w", name, err)
	}
	var r struct {
		Success bool `json:"success"`
		Error   *struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &r); err != nil {
		return fmt.Errorf("step down %s: %q: %w", name, resp.Data, err)
	}
	if r.Error != nil || !r.Success {
		return fmt.Errorf("step down %s: %s", name, resp.Data)
	}
	return nil
}

// errNotEnded is the emulator's 404 for a task that has not ended (or that it does not know).
var errNotEnded = errors.New("not ended")

// taskEnd asks the emulator when a task reached a terminal status.
func taskEnd(ctx context.Context, emulator, taskID string) (time.Time, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, emulator+"/_emulator/tasks/"+taskID+"/end", nil)
	if err != nil {
		return time.Time{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return time.Time{}, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return time.Time{}, errNotEnded
	default:
		return time.Time{}, fmt.Errorf("emulator: task %s end: %s", taskID, resp.Status)
	}
	var end struct {
		End time.Time `json:"end"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&end); err != nil {
		return time.Time{}, fmt.Errorf("emulator: task %s end: %w", taskID, err)
	}
	return end.End, nil
}
