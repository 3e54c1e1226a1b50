package events

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Publisher = (*Publisher)(nil)

// Publisher publishes task events to the events stream with JetStream, each with its
// deterministic id as Nats-Msg-Id, and returns once the stream stored it (or recognised it as
// a duplicate). Safe for concurrent use.
type Publisher struct {
	js       jetstream.JetStream
	subjects Subjects
	stream   string
}

// NewPublisher publishes to the events stream of subjects.
func NewPublisher(js jetstream.JetStream, subjects Subjects) *Publisher {
	return &Publisher{js: js, subjects: subjects, stream: subjects.StreamName(EventsRole)}
}

// Publish implements poller.Publisher.
func (p *Publisher) Publish(ctx context.Context, n poller.Notice) error {
	ev := New(n)
	subject := p.subjects.Event(n.Kind, n.Task.RegionID, n.Action(), n.Task.TaskID)
	return p.publish(ctx, subject, ev.ID, ev)
}

// PublishInvalid reports a refused registration on <prefix>.invalid.
func (p *Publisher) PublishInvalid(ctx context.Context, inv Invalid) error {
	return p.publish(ctx, p.subjects.Invalid(), inv.ID, inv)
}

func (p *Publisher) publish(ctx context.Context, subject, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", id, err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set("Content-Type", ContentType)
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.stream)); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}
