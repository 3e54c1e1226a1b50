package natsclient

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// ErrNoWorkers says no stream takes registrations: no worker has created the streams yet.
var ErrNoWorkers = errors.New("no JetStream stream takes registrations (start a worker first: it creates the streams)")

// Registered is where a registration was stored.
type Registered struct {
	Stream    string
	Sequence  uint64
	Duplicate bool // the same registration was published moments ago (within 2 minutes)
}

// Register publishes r for the workers of subjects and returns once JetStream has stored it.
// r is validated first, as a worker would. Publishing a registration of the same task with
// the same origin again within the registrations stream's duplicate window stores it once
// (Duplicate; the message id is events.RegistrationMsgID); later it is a new
// registration, which a worker settles without polling if the task is tracked or ended.
func Register(ctx context.Context, js jetstream.JetStream, subjects events.Subjects, r events.Registration) (Registered, error) {
	body, err := r.Payload()
	if err != nil {
		return Registered{}, err
	}
	if _, err := events.ParseRegistration(body); err != nil {
		return Registered{}, err
	}
	ack, err := js.Publish(ctx, subjects.Registered(), body,
		jetstream.WithMsgID(events.RegistrationMsgID(r)),
		jetstream.WithExpectStream(subjects.StreamName(events.RegistrationsRole)))
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		return Registered{}, fmt.Errorf("register %s: %w", r.TaskID, errors.Join(ErrNoWorkers, err))
	}
	if err != nil {
		return Registered{}, fmt.Errorf("register %s: %w", r.TaskID, err)
	}
	return Registered{Stream: ack.Stream, Sequence: ack.Sequence, Duplicate: ack.Duplicate}, nil
}
