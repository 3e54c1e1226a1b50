package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// watchConfig is the configuration of `taskpoller watch`.
type watchConfig struct {
	NATS          natsjs.ConnConfig
	SubjectPrefix string
	Subjects      multiFlag
	JSON          bool
	Replay        bool
}

func (c *watchConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	c.NATS.RegisterFlags(fs, nats.DefaultURL, "NATS server URL(s), comma-separated")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "prefix of every NATS subject")
	fs.Var(&c.Subjects, "subject", "subject to watch, wildcards allowed (repeatable); default: every event subject of the prefix")
	fs.BoolVar(&c.JSON, "json", false, "print each event as its raw CloudEvents JSON")
	fs.BoolVar(&c.Replay, "replay", false, "first print the events already stored in the events stream, then follow")
	return fs
}

// Validate checks the prefix and connection flags.
func (c *watchConfig) Validate() error {
	_, err := events.NewSubjects(c.SubjectPrefix)
	return errors.Join(err, c.NATS.Validate())
}

// watch prints events until ctx ends.
func watch(ctx context.Context, cfg watchConfig, out io.Writer) error {
	subjects, _ := events.NewSubjects(cfg.SubjectPrefix)
	filter := []string(cfg.Subjects)
	if len(filter) == 0 {
		filter = subjects.AllEvents()
	}
	nc, _, err := cfg.NATS.Dial("", "taskpoller watch", zap.NewNop())
	if err != nil {
		return err
	}
	defer nc.Close()
	lines := make(chan string, 256)
	print := func(subject string, data []byte) {
		l := string(data)
		if !cfg.JSON {
			l = formatLine(subject, data)
		}
		select {
		case lines <- l:
		case <-ctx.Done():
		}
	}
	if cfg.Replay {
		js, err := jetstream.New(nc)
		if err != nil {
			return err
		}
		cons, err := js.OrderedConsumer(ctx, subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{FilterSubjects: filter})
		if err != nil {
			return fmt.Errorf("read the events stream: %w", err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) { print(m.Subject(), m.Data()) })
		if err != nil {
			return fmt.Errorf("read the events stream: %w", err)
		}
		defer cc.Stop()
	} else {
		for _, s := range filter {
			sub, err := nc.Subscribe(s, func(m *nats.Msg) { print(m.Subject, m.Data) })
			if err != nil {
				return fmt.Errorf("subscribe %s: %w", s, err)
			}
			defer func() { _ = sub.Unsubscribe() }()
		}
		if err := nc.Flush(); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	for {
		select {
		case l := <-lines:
			fmt.Fprintln(out, l)
		case <-ctx.Done():
			return nil
		}
	}
}
