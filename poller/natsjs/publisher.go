package natsjs

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Publisher = (*Publisher)(nil)

// Publisher publishes task events to the events stream with JetStream. Each event carries its
// deterministic id as Nats-Msg-Id, and is fenced on the server: it is stored only if the
// task's latest event (the last message on Subjects.TaskEvents) is the one the caller names,
// whatever the duplicate window. Publish returns once the stream stored the event (or
// recognised it as a duplicate). Safe for concurrent use.
type Publisher struct {
	js       jetstream.JetStream
	subjects events.Subjects
	stream   string
	opts     options

	mu     sync.Mutex
	handle jetstream.Stream // the events stream, looked up once
}

// NewPublisher publishes to the events stream of subjects.
func NewPublisher(js jetstream.JetStream, subjects events.Subjects, opts ...Option) *Publisher {
	return &Publisher{js: js, subjects: subjects, stream: subjects.StreamName(events.EventsRole), opts: applyOptions(opts)}
}

// Publish implements poller.Publisher; a notice without an id (of an unknown kind) is refused.
func (p *Publisher) Publish(ctx context.Context, n poller.Notice, after uint64) (uint64, error) {
	ev := n.Event()
	if ev.ID == "" {
		return 0, fmt.Errorf("publish a %q notice of %s/%s: %w", n.Kind, n.Task.RegionID, n.Task.TaskID, events.ErrUnknownKind)
	}
	subject := p.subjects.Event(n.Kind, n.Task.RegionID, n.Action(), n.Task.TaskID)
	data, err := p.encode(ev)
	if err != nil {
		return 0, err
	}
	ack, err := p.publish(ctx, subject, ev.ID, data,
		jetstream.WithExpectLastSequenceForSubject(after, p.subjects.TaskEvents(n.Task.RegionID, n.Task.TaskID)))
	if err != nil {
		if isWrongLastSequence(err) {
			return 0, fmt.Errorf("publish %s after %d: %w (%v)", subject, after, poller.ErrFenced, err)
		}
		return 0, err
	}
	return ack.Sequence, nil
}

// encode marshals ev; an event larger than the connection's payload limit allows is trimmed:
// its operations lose their related items (the OSS objects stay in oss_objects), then the
// operations go, and data.truncated says so.
func (p *Publisher) encode(ev events.Event) ([]byte, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	maxPayload := int(p.js.Conn().MaxPayload()) // 0 until connected: then the publish fails anyway
	limit := maxPayload - headerRoom
	for step := 0; maxPayload > 0 && len(data) > limit && step < 3; step++ {
		ev.Data = trim(ev.Data, step)
		if data, err = json.Marshal(ev); err != nil {
			return nil, fmt.Errorf("encode event %s: %w", ev.ID, err)
		}
	}
	return data, nil
}

// headerRoom is what a message's subject and headers may take of the payload limit.
const headerRoom = 4 << 10

// trim drops detail from d, more at each step.
func trim(d events.Data, step int) events.Data {
	d.Truncated = true
	switch step {
	case 0:
		ops := make([]events.Operation, len(d.Operations))
		for i, op := range d.Operations {
			op.RelatedItems = []events.RelatedItem{}
			ops[i] = op
		}
		d.Operations = ops
	case 1:
		d.Operations = []events.Operation{}
	default:
		if len(d.OSSObjects) > 16 {
			d.OSSObjects = d.OSSObjects[:16]
		}
		d.Metadata = nil
	}
	return d
}

// Last implements poller.Publisher: the last message on the task's events subjects.
func (p *Publisher) Last(ctx context.Context, regionID, taskID string) (poller.Announced, bool, error) {
	s, err := p.eventsStream(ctx)
	if err != nil {
		p.opts.heal(ctx, err)
		return poller.Announced{}, false, err
	}
	msg, err := s.GetLastMsgForSubject(ctx, p.subjects.TaskEvents(regionID, taskID))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return poller.Announced{}, false, nil
	}
	if err != nil {
		if _, healed := p.opts.heal(ctx, err); healed {
			p.forgetStream()
		}
		return poller.Announced{}, false, fmt.Errorf("latest event of %s/%s: %w", regionID, taskID, err)
	}
	var ev events.Event
	if err := json.Unmarshal(msg.Data, &ev); err != nil {
		return poller.Announced{}, false, fmt.Errorf("decode event %d: %w", msg.Sequence, err)
	}
	return announced(ev, msg.Sequence), true, nil
}

func (p *Publisher) eventsStream(ctx context.Context) (jetstream.Stream, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.handle == nil {
		s, err := p.js.Stream(ctx, p.stream)
		if err != nil {
			return nil, fmt.Errorf("events stream: %w", err)
		}
		p.handle = s
	}
	return p.handle, nil
}

func (p *Publisher) forgetStream() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handle = nil
}

// PublishInvalid reports a refused registration on <prefix>.invalid.
func (p *Publisher) PublishInvalid(ctx context.Context, inv events.Invalid) error {
	data, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", inv.ID, err)
	}
	_, err = p.publish(ctx, p.subjects.Invalid(), inv.ID, data)
	return err
}

func (p *Publisher) publish(ctx context.Context, subject, id string, data []byte, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set("Content-Type", events.ContentType)
	opts = append(opts, jetstream.WithMsgID(id), jetstream.WithExpectStream(p.stream))
	ack, err := p.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		if _, healed := p.opts.heal(ctx, err); healed {
			p.forgetStream()
		}
		return nil, fmt.Errorf("publish %s: %w", subject, err)
	}
	return ack, nil
}

// isWrongLastSequence reports a failed expected-last-sequence condition (a KV revision
// conflict, or a fenced event). Replicated streams answer with another code than single ones.
func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// announced tells what the stored event ev at stream sequence seq announced.
func announced(ev events.Event, seq uint64) poller.Announced {
	return poller.Announced{
		Position: seq,
		ID:       ev.ID,
		Kind:     events.KindOf(ev.Type),
		Action:   ev.Data.TaskAction,
		Status:   poller.Status(ev.Data.TaskStatus),
		Process:  ev.Data.TaskProcess,
		Ordinal:  ev.Data.StatusOrdinal,
	}
}
