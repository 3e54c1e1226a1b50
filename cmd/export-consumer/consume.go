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

// exportAction is the task action whose finished events this consumer handles.
const exportAction = "ExportImage"

// run consumes until ctx is done. It returns an error only if it cannot start.
func run(ctx context.Context, cfg Config, out io.Writer, log *zap.Logger) error {
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return err
	}
	nc, err := events.Connect(cfg.NATSURL, "export-consumer", log, nats.RetryOnFailedConnect(true))
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
		Description:   "export-consumer: finished ExportImage events",
		FilterSubject: subjects.Event(poller.KindFinished, "*", exportAction, "*"),
		AckWait:       cfg.AckWait,
		MaxAckPending: cfg.MaxAckPending,
	}, log, func(e events.Event) error { return printExported(out, e, log) })
	log.Info("stopped")
	return err
}

// printExported prints one line per exported object; an error hands the event back, so its
// objects are printed again later: at least once, never skipped.
func printExported(out io.Writer, e events.Event, log *zap.Logger) error {
	lines := exportedLines(e)
	if len(lines) == 0 {
		log.Warn("finished export without objects", zap.String("task_id", e.Data.TaskID), zap.String("region_id", e.Data.RegionID))
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(out, l); err != nil {
			return fmt.Errorf("print: %w", err)
		}
	}
	return nil
}
