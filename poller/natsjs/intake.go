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
)

// recorders is how many registrations are recorded at once: each is a round trip to the
// tasks bucket and one to ack.
const recorders = 32

// intake records every registration the workers' consumer delivers in the tasks bucket, under
// its partition, then acks it — so a registration is un-acked only for a round trip or two,
// whatever the task's length. A registration of a task already recorded is a duplicate and is
// acked as is. Failures are reported to Next (the worker counts them and reports a stall) and
// the registration is handed back. It runs until ctx ends.
func (s *Source) intake(ctx context.Context) {
	work := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range recorders {
		wg.Go(func() {
			for msg := range work {
				s.record(ctx, msg)
			}
		})
	}
	defer func() {
		close(work)
		wg.Wait()
		s.handBackFetched()
	}()
	pause := time.NewTimer(0)
	defer pause.Stop()
	<-pause.C
	wait := func() bool {
		pause.Reset(time.Second)
		select {
		case <-pause.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		iter, err := s.iterator()
		if err != nil {
			s.heal(ctx, err)
			s.report(err)
			if !wait() {
				return
			}
			continue
		}
		msg, err := iter.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.stopIter()
			s.heal(ctx, err)
			s.report(fmt.Errorf("next registration: %w", err))
			if !wait() {
				return
			}
			continue
		}
		select {
		case work <- msg:
		case <-ctx.Done():
			_ = msg.Nak()
			return
		}
	}
}

// record records one registration and acks it; see intake.
func (s *Source) record(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		_ = msg.Term()
		return
	}
	seq := meta.Sequence.Stream
	reg, perr := events.ParseRegistration(msg.Data())
	if perr != nil {
		s.refuse(ctx, msg, seq, perr)
		return
	}
	reg, how, perr := s.opts.accounts.route(reg)
	switch how {
	case routeRefuse:
		if served, err := s.servedElsewhere(ctx, reg.Account); err != nil {
			s.report(fmt.Errorf("look up account %s: %w", reg.Account, err))
			_ = msg.NakWithDelay(time.Second)
			return
		} else if served {
			s.forward(ctx, msg, reg)
			return
		}
		s.refuse(ctx, msg, seq, perr)
		return
	case routeForward:
		s.forward(ctx, msg, reg)
		return
	}
	reg = s.headerTrace(reg, msg, seq)
	b, err := encodeRecord(seq, reg)
	if err != nil {
		_ = msg.Term()
		return
	}
	err = s.store(ctx, reg, seq, b)
	switch {
	case err == nil:
	default:
		if ctx.Err() != nil {
			_ = msg.Nak()
			return
		}
		s.heal(ctx, err)
		s.report(fmt.Errorf("record registration of %s: %w", reg.Key(), err))
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if err := msg.DoubleAck(ctx); err != nil && ctx.Err() == nil {
		// Recorded: a redelivery finds the record and is acked as a duplicate.
		s.log.Warn("cannot ack a recorded registration", zap.Uint64("stream_seq", seq), zap.Error(err))
	}
}

// The W3C trace context headers a registration message may carry (lowercase, as W3C writes
// them and as OpenTelemetry's NATS propagation sets them).
const (
	headerTraceParent = "traceparent"
	headerTraceState  = "tracestate"
)

// headerTrace returns reg with the trace context of msg's traceparent header when its payload
// carries none (the payload's own wins). A header that is not a valid traceparent is ignored
// with a warning: the registration itself is valid, and the header may have been set by
// middleware its producer does not control.
func (s *Source) headerTrace(reg events.Registration, msg jetstream.Msg, seq uint64) events.Registration {
	h := msg.Headers()
	parent := h.Get(headerTraceParent)
	if parent == "" || reg.TraceParent != "" {
		return reg
	}
	reg, took := reg.WithTrace(parent, h.Get(headerTraceState))
	if !took {
		s.log.Warn("ignoring a malformed traceparent header on a registration", zap.Uint64("stream_seq", seq),
			zap.String("task_id", reg.TaskID), zap.String("region_id", reg.RegionID), zap.String("traceparent", clipHeader(parent)))
	}
	return reg
}

// clipHeader bounds a header value for the log.
func clipHeader(v string) string {
	if len(v) > 80 {
		return v[:80] + "..."
	}
	return v
}

// store records reg (its message at stream sequence seq, encoded as b) in the tasks bucket. A
// task recorded already keeps its record, with one exception: a producer's registration
// replaces discovery's (adopt), so the task's later events carry the producer's metadata and
// origin. Either way the registration is done with: nil.
func (s *Source) store(ctx context.Context, reg events.Registration, seq uint64, b []byte) error {
	key := taskKey(reg)
	log := s.log.With(zap.String("task_id", reg.TaskID), zap.String("region_id", reg.RegionID), zap.Uint64("stream_seq", seq))
	for range 3 {
		_, err := s.assets().Tasks.Create(ctx, key, b)
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return err
		}
		e, err := s.assets().Tasks.Get(ctx, key)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue // ended and deleted meanwhile: record it anew
		case err != nil:
			return fmt.Errorf("read the record of %s: %w", key, err)
		}
		_, cur, err := decodeRecord(e.Value())
		if err != nil {
			log.Warn("registration of a task whose record cannot be read; acked as a duplicate, the record kept", zap.Error(err))
			return nil
		}
		if !adopts(reg, cur) {
			log.Info("registration of a task already tracked; acked as a duplicate")
			return nil
		}
		_, err = s.assets().Tasks.Update(ctx, key, b, e.Revision())
		if err == nil {
			log.Info("a producer's registration adopts a discovered task: its events carry the producer's metadata from now on")
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSequence(err) {
			return fmt.Errorf("adopt %s: %w", key, err)
		}
	}
	return fmt.Errorf("record of %s: %w", key, errRecordChanging)
}

// errRecordChanging says a task's record kept changing while a registration was recorded.
var errRecordChanging = errors.New("the task's record kept changing")

// adopts reports whether registration reg replaces cur, the one recorded for its task: a
// producer's replaces discovery's, nothing else replaces anything.
func adopts(reg, cur events.Registration) bool {
	return cur.Origin == events.OriginDiscovered && reg.Origin != events.OriginDiscovered
}

// servedElsewhere reports whether another worker of the fleet serves account, which this one
// does not know (Accounts.Served), so that its registration is forwarded, not refused.
func (s *Source) servedElsewhere(ctx context.Context, account string) (bool, error) {
	a := s.opts.accounts
	if a.Served == nil || a.Forward == nil || account == "" {
		return false, nil
	}
	return a.Served(ctx, account)
}

// forward stores reg, a registration of another account the fleet serves, in that account's
// registrations stream, then acks it; if it cannot, the registration is handed back.
func (s *Source) forward(ctx context.Context, msg jetstream.Msg, reg events.Registration) {
	if err := s.opts.accounts.Forward(ctx, reg); err != nil {
		if ctx.Err() != nil {
			_ = msg.Nak()
			return
		}
		s.report(fmt.Errorf("forward registration of %s to account %s: %w", reg.Key(), reg.Account, err))
		_ = msg.NakWithDelay(time.Second)
		return
	}
	if err := msg.DoubleAck(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("cannot ack a forwarded registration", zap.String("account", reg.Account), zap.Error(err))
	}
}

func (s *Source) iterator() (jetstream.MessagesContext, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.iter == nil {
		// A short expiry makes the iterator's heartbeats frequent, so a consumer that is gone
		// is noticed (ErrNoHeartbeat) within about 10 s.
		it, err := s.a.Consumer.Messages(jetstream.PullMaxMessages(s.batch), jetstream.PullExpiry(10*time.Second))
		if err != nil {
			return nil, fmt.Errorf("consume registrations: %w", err)
		}
		s.iter = it
	}
	return s.iter, nil
}

// handBackFetched stops the iterator and naks the registrations it fetched and nobody took, so
// that another worker records them at once instead of after the consumer's ack wait.
func (s *Source) handBackFetched() {
	s.mu.Lock()
	iter := s.iter
	s.iter = nil
	s.mu.Unlock()
	if iter == nil {
		return
	}
	iter.Drain()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for {
		msg, err := iter.Next(jetstream.NextContext(ctx))
		if err != nil {
			return // drained (ErrMsgIteratorClosed), or out of time: the ack wait hands them back
		}
		if err := msg.Nak(); err != nil {
			s.log.Debug("cannot hand back a fetched registration", zap.Error(err))
		}
	}
}

func (s *Source) stopIter() {
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
