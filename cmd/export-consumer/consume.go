package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// exportAction is the task action whose finished events this consumer handles.
const exportAction = "ExportImage"

// run consumes until ctx is done. It returns an error only if it cannot start.
func run(ctx context.Context, cfg Config, out io.Writer, log *zap.Logger) error {
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return err
	}
	nc, err := connect(cfg.NATSURL, log)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	stream := subjects.StreamName("EVENTS")
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		Description:   "export-consumer: finished ExportImage events",
		FilterSubject: subjects.Event(poller.KindFinished, "*", exportAction, "*"),
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.MaxAckPending,
	}
	cons, err := ensureConsumer(ctx, js, stream, cc, log)
	if err != nil {
		return err
	}
	log.Info("consuming", zap.String("stream", stream), zap.String("filter", cc.FilterSubject), zap.String("durable", cc.Durable))

	h := handler{out: out, log: log}
	sub, err := cons.Consume(h.handle,
		jetstream.PullMaxMessages(32),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			log.Warn("consume", zap.Error(err))
		}))
	if err != nil {
		return fmt.Errorf("consume %s: %w", cc.Durable, err)
	}
	<-ctx.Done()
	sub.Stop()
	<-sub.Closed()
	log.Info("stopped")
	return nil
}

// handler prints the objects of one event, then acknowledges it. Consume calls it from one
// goroutine at a time.
type handler struct {
	out io.Writer
	log *zap.Logger
}

func (h handler) handle(msg jetstream.Msg) {
	var e events.Event
	if err := json.Unmarshal(msg.Data(), &e); err != nil {
		// Redelivering cannot make it parse: drop it for good, loudly.
		h.log.Error("not a task event; terminating it", zap.String("subject", msg.Subject()), zap.Error(err))
		_ = msg.Term()
		return
	}
	lines := exportedLines(e)
	if len(lines) == 0 {
		h.log.Warn("finished export without objects", zap.String("task_id", e.Data.TaskID), zap.String("region_id", e.Data.RegionID))
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(h.out, l); err != nil {
			h.log.Error("print; the event will be redelivered", zap.Error(err))
			_ = msg.Nak()
			return
		}
	}
	if err := msg.Ack(); err != nil {
		// The event comes back after AckWait and its objects are printed again: at least once.
		h.log.Warn("ack", zap.String("task_id", e.Data.TaskID), zap.Error(err))
	}
}

// connect returns a connection that keeps reconnecting for ever, even if no server answers yet.
func connect(url string, log *zap.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name("export-consumer"),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", zap.String("url", c.ConnectedUrlRedacted())) }),
	)
	if err != nil {
		return nil, fmt.Errorf("nats %s: %w", url, err)
	}
	return nc, nil
}

// ensureConsumer creates or updates the durable consumer, waiting until the events stream
// exists: the workers create it when they start.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig, log *zap.Logger) (jetstream.Consumer, error) {
	retry := time.NewTimer(0)
	defer retry.Stop()
	for attempt := 0; ; attempt++ {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for stream %s: %w", stream, ctx.Err())
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
