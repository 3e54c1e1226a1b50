package natsjs

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// Healer recreates JetStream assets that disappeared while workers run (a stream, the
// workers' consumer or the state bucket deleted by hand or lost with a server's storage): the
// adapters call Heal when an error says something is missing, and Heal runs Setup again — at
// most once per healEvery, whatever the number of callers. Safe for concurrent use.
type Healer struct {
	js       jetstream.JetStream
	subjects events.Subjects
	cfg      SetupConfig
	log      *zap.Logger

	mu     sync.Mutex
	last   time.Time
	assets Assets
}

const healEvery = 2 * time.Second

// NewHealer heals the assets Setup(js, subjects, cfg) makes; a are the ones made at start.
func NewHealer(js jetstream.JetStream, subjects events.Subjects, cfg SetupConfig, a Assets, log *zap.Logger) *Healer {
	if log == nil {
		log = zap.NewNop()
	}
	return &Healer{js: js, subjects: subjects, cfg: cfg, assets: a, log: log.Named("heal")}
}

// Heal runs Setup again unless it ran less than healEvery ago, and returns the assets in
// force and whether they were set up anew by this call.
func (h *Healer) Heal(ctx context.Context, cause error) (Assets, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.last) < healEvery {
		return h.assets, false
	}
	h.last = time.Now()
	a, err := Setup(ctx, h.js, h.subjects, h.cfg)
	if err != nil {
		h.log.Warn("cannot set up the JetStream assets again", zap.NamedError("cause", cause), zap.Error(err))
		return h.assets, false
	}
	h.log.Info("JetStream assets checked (missing ones created)", zap.NamedError("cause", cause))
	h.assets = a
	return a, true
}

// missing reports errors that can mean a stream, consumer or bucket is gone.
func missing(err error) bool {
	for _, target := range []error{
		jetstream.ErrStreamNotFound, jetstream.ErrConsumerNotFound, jetstream.ErrConsumerDeleted,
		jetstream.ErrBucketNotFound, jetstream.ErrNoStreamResponse, jetstream.ErrNoHeartbeat,
		jetstream.ErrMsgIteratorClosed, nats.ErrNoResponders,
	} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// Option sets an optional dependency of a Publisher, Source or StateStore.
type Option func(*options)

type options struct {
	healer   *Healer
	presence *Presence
	accounts Accounts
}

// WithHealer makes the adapter ask h to recreate missing assets when an error says one is gone.
func WithHealer(h *Healer) Option { return func(o *options) { o.healer = h } }

// WithPresence makes a Source share the partitions with the workers p counts, and tell them
// through p whether it accepts partitions.
func WithPresence(p *Presence) Option { return func(o *options) { o.presence = p } }

func applyOptions(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// heal calls o's healer, if any, for errors that can mean a missing asset.
func (o options) heal(ctx context.Context, err error) (Assets, bool) {
	if o.healer == nil || !missing(err) {
		return Assets{}, false
	}
	return o.healer.Heal(ctx, err)
}
