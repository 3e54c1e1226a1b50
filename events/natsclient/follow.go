package natsclient

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// FollowConfig selects the events a downstream service consumes.
type FollowConfig struct {
	Durable       string        // durable consumer name; required
	Description   string        // shown by `nats consumer info`
	FilterSubject string        // e.g. events.Subjects.Kind(events.KindFailed); empty: every event
	AckWait       time.Duration // redelivery after this long without an ack; 30s
	MaxAckPending int           // events delivered and not yet acked; 256
}

// Follow consumes the events stream through a durable consumer until ctx ends: events stored
// while the service was down are delivered when it comes back. It creates or updates the
// consumer, waiting (and retrying every 2s) until the workers have created the stream. Each
// event is acked after handle returns nil, handed back for redelivery when handle returns an
// error, and terminated when it cannot be decoded: delivery is at least once. handle is called
// from one goroutine at a time. Follow returns nil when ctx ends.
func Follow(ctx context.Context, js jetstream.JetStream, s events.Subjects, cfg FollowConfig, log *zap.Logger, handle func(events.Event) error) error {
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	if cfg.MaxAckPending == 0 {
		cfg.MaxAckPending = 256
	}
	stream := s.StreamName(events.EventsRole)
	cc := jetstream.ConsumerConfig{
		Durable: cfg.Durable, Description: cfg.Description, FilterSubject: cfg.FilterSubject,
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: cfg.AckWait, MaxAckPending: cfg.MaxAckPending,
	}
	cons, err := followConsumer(ctx, js, stream, cc, log)
	if err != nil {
		return err
	}
	if cons == nil {
		return nil // ctx ended while waiting
	}
	log.Info("consuming", zap.String("stream", stream), zap.String("filter", cc.FilterSubject), zap.String("durable", cc.Durable))
	sub, err := cons.Consume(func(msg jetstream.Msg) {
		var e events.Event
		if err := json.Unmarshal(msg.Data(), &e); err != nil {
			log.Error("not a task event; terminating it", zap.String("subject", msg.Subject()), zap.Error(err))
			_ = msg.Term()
			return
		}
		if err := handle(e); err != nil {
			log.Warn("event not handled; it will be redelivered", zap.String("task_id", e.Data.TaskID), zap.Error(err))
			_ = msg.NakWithDelay(time.Second)
			return
		}
		if err := msg.Ack(); err != nil {
			log.Warn("ack failed; the event will be redelivered", zap.String("task_id", e.Data.TaskID), zap.Error(err))
		}
	}, jetstream.PullMaxMessages(32), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		log.Warn("consume", zap.Error(err))
	}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", cc.Durable, err)
	}
	<-ctx.Done()
	sub.Stop()
	<-sub.Closed()
	return nil
}

// followConsumer creates or updates the durable consumer once the stream exists. It returns
// nil, nil when ctx ends first.
func followConsumer(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig, log *zap.Logger) (jetstream.Consumer, error) {
	retry := time.NewTimer(0)
	defer retry.Stop()
	for attempt := 0; ; attempt++ {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-retry.C:
		}
		actx, cancel := context.WithTimeout(ctx, 10*time.Second)
		cons, err := js.CreateOrUpdateConsumer(actx, stream, cc)
		cancel()
		if err == nil {
			return cons, nil
		}
		if attempt%5 == 0 {
			log.Info("waiting for the events stream (the workers create it)", zap.String("stream", stream), zap.Error(err))
		}
		retry.Reset(2 * time.Second)
	}
}
