package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Source = (*Source)(nil)

// Source leases registrations from the workers' durable consumer to a poller.Worker: a lease
// is an un-acknowledged message, which Run keeps alive with InProgress three times per ack
// wait of the consumer in force (Assets.AckWait), until the worker settles, releases or
// abandons it. It fetches a few at a time (batch) so that registrations do not wait in a
// client buffer while their ack wait runs. Refused registrations never reach the worker: they
// are reported on <prefix>.invalid and terminated, once. Next and Drain are for one
// goroutine; the rest is safe for concurrent use.
type Source struct {
	pub   *Publisher
	log   *zap.Logger
	batch int
	opts  options

	mu      sync.Mutex
	ackWait time.Duration // of the consumer in force
	cons    jetstream.Consumer
	stream  jetstream.Stream
	iter    jetstream.MessagesContext
	held    map[*lease]struct{}
}

// NewSource reads registrations through a.Consumer; pub reports refused ones. batch is how
// many registrations may be fetched ahead (0: 16). WithHealer recreates the consumer (or its
// stream) when taking registrations fails because it is gone.
func NewSource(a Assets, pub *Publisher, log *zap.Logger, batch int, opts ...Option) *Source {
	if batch <= 0 {
		batch = 16
	}
	if log == nil {
		log = zap.NewNop()
	}
	ackWait := a.AckWait
	if ackWait <= 0 {
		ackWait = 30 * time.Second
	}
	return &Source{cons: a.Consumer, stream: a.Registrations, pub: pub, log: log.Named("registrations"), batch: batch,
		opts: applyOptions(opts), ackWait: ackWait, held: map[*lease]struct{}{}}
}

// Run implements poller.Source: it keeps every lease alive, three times per ack wait, until
// ctx ends.
func (s *Source) Run(ctx context.Context) error {
	pace := s.pace()
	t := time.NewTicker(pace)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
		if p := s.pace(); p != pace { // the consumer was recreated with another ack wait
			pace = p
			t.Reset(pace)
		}
		for _, l := range s.leases() {
			if err := l.msg.InProgress(); err != nil && ctx.Err() == nil {
				s.log.Warn("cannot extend a lease on a registration", zap.Uint64("stream_seq", l.id), zap.Error(err))
			}
		}
	}
}

// pace is how often leases are extended: three times per ack wait in force.
func (s *Source) pace() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ackWait / 3
}

func (s *Source) leases() []*lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*lease, 0, len(s.held))
	for l := range s.held {
		out = append(out, l)
	}
	return out
}

func (s *Source) forget(l *lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.held, l)
}

// Next implements poller.Source.
func (s *Source) Next(ctx context.Context) (poller.Lease, error) {
	for {
		iter, err := s.iterator()
		if err != nil {
			s.heal(ctx, err)
			return nil, err
		}
		msg, err := iter.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.reset()
			s.heal(ctx, err)
			return nil, fmt.Errorf("next registration: %w", err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			_ = msg.Term()
			continue
		}
		reg, perr := events.ParseRegistration(msg.Data())
		if perr != nil {
			s.refuse(ctx, msg, meta.Sequence.Stream, perr)
			continue
		}
		l := &lease{src: s, msg: msg, reg: reg, id: meta.Sequence.Stream}
		s.mu.Lock()
		s.held[l] = struct{}{}
		s.mu.Unlock()
		return l, nil
	}
}

func (s *Source) iterator() (jetstream.MessagesContext, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.iter == nil {
		// A short expiry makes the iterator's heartbeats frequent, so a consumer that is gone
		// is noticed (ErrNoHeartbeat) within about 10 s.
		it, err := s.cons.Messages(jetstream.PullMaxMessages(s.batch), jetstream.PullExpiry(10*time.Second))
		if err != nil {
			return nil, fmt.Errorf("consume registrations: %w", err)
		}
		s.iter = it
	}
	return s.iter, nil
}

// heal has missing assets recreated and takes the new consumer.
func (s *Source) heal(ctx context.Context, err error) {
	a, ok := s.opts.heal(ctx, err)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cons, s.stream = a.Consumer, a.Registrations
	if a.AckWait > 0 {
		s.ackWait = a.AckWait
	}
	if s.iter != nil {
		s.iter.Stop()
		s.iter = nil
	}
}

func (s *Source) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.iter != nil {
		s.iter.Stop()
		s.iter = nil
	}
}

// refuse reports a bad registration and terminates it; if the report cannot be stored the
// registration is handed back for a later try, so no refusal goes unreported.
func (s *Source) refuse(ctx context.Context, msg jetstream.Msg, seq uint64, reason error) {
	s.log.Warn("refusing registration", zap.Uint64("stream_seq", seq), zap.Error(reason))
	if err := s.pub.PublishInvalid(ctx, events.NewInvalid(seq, msg.Data(), reason, time.Now())); err != nil {
		s.log.Warn("cannot report refused registration; handing it back", zap.Error(err))
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if err := msg.TermWithReason("invalid registration"); err != nil {
		s.log.Warn("cannot terminate refused registration", zap.Error(err))
	}
}

// Held implements poller.Source: a registration is pending while the work-queue stream still
// holds it.
func (s *Source) Held(ctx context.Context, seq uint64) (bool, error) {
	s.mu.Lock()
	stream := s.stream
	s.mu.Unlock()
	_, err := stream.GetMsg(ctx, seq)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up registration %d: %w", seq, err)
	}
	return true, nil
}

// Drain implements poller.Source.
func (s *Source) Drain(ctx context.Context) {
	s.mu.Lock()
	iter := s.iter
	s.iter = nil
	s.mu.Unlock()
	if iter == nil {
		return
	}
	iter.Drain()
	for {
		msg, err := iter.Next(jetstream.NextContext(ctx))
		if err != nil {
			return
		}
		if err := msg.Nak(); err != nil {
			s.log.Warn("cannot hand back a fetched registration", zap.Error(err))
		}
	}
}

// lease adapts an un-acknowledged JetStream message to poller.Lease.
type lease struct {
	src *Source
	msg jetstream.Msg
	reg events.Registration
	id  uint64
}

func (l *lease) Registration() events.Registration { return l.reg }
func (l *lease) ID() uint64                        { return l.id }

// Done acks the message and waits for the server to confirm.
func (l *lease) Done(ctx context.Context) error {
	l.src.forget(l)
	return l.msg.DoubleAck(ctx)
}

// Release naks the message, for redelivery after delay.
func (l *lease) Release(_ context.Context, delay time.Duration) error {
	l.src.forget(l)
	if delay <= 0 {
		return l.msg.Nak()
	}
	return l.msg.NakWithDelay(delay)
}

// Abandon stops extending the message's ack wait.
func (l *lease) Abandon() { l.src.forget(l) }
