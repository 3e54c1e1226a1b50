package natsjs

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Registrar = (*Registrar)(nil)

// Registrar is poller.Registrar through natsclient.Register, the producers' path: the same
// subject and stream, the same validation, and a message id per region and task
// (events.RegistrationMsgID: "discover/<region>/<task>" for discovery's), so that the
// registrations stream stores discovery's registration of a task once within its duplicate
// window, however often the task is listed. A producer's registration of the same task is
// stored too and adopts the task (see Source's record): tracked once, announced once, with
// the producer's metadata. Safe for concurrent use.
type Registrar struct {
	js   jetstream.JetStream
	s    events.Subjects
	opts options
}

// NewRegistrar registers through js for the workers of s.
func NewRegistrar(js jetstream.JetStream, s events.Subjects, opts ...Option) *Registrar {
	return &Registrar{js: js, s: s, opts: applyOptions(opts)}
}

// Register implements poller.Registrar.
func (r *Registrar) Register(ctx context.Context, reg events.Registration) (bool, error) {
	got, err := natsclient.Register(ctx, r.js, r.s, reg)
	if err != nil && ctx.Err() == nil {
		r.opts.heal(ctx, err) // the registrations stream may be gone
	}
	return got.Duplicate, err
}
