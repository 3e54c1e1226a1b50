package main

import (
	"context"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// run consumes until ctx is done. It returns an error only if it cannot start.
func run(ctx context.Context, cfg Config, out io.Writer, log *zap.Logger) error {
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return err
	}
	nc, err := events.Connect(cfg.NATSURL, "ops-alerts", log, nats.RetryOnFailedConnect(true))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	err = events.Follow(ctx, js, subjects, events.FollowConfig{
		Durable:       cfg.Durable,
		Description:   "ops-alerts: every failed task",
		FilterSubject: subjects.Kind(poller.KindFailed),
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.MaxAckPending,
	}, log, func(e events.Event) error {
		// An error hands the event back: an alert may be printed twice, never skipped.
		_, err := fmt.Fprintln(out, alertLine(e))
		return err
	})
	log.Info("stopped")
	return err
}
