package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// watchConfig is the configuration of `taskpoller watch`.
type watchConfig struct {
	natsClient
	Subjects multiFlag
	JSON     bool
	Replay   bool
}

func (c *watchConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("watch", flag.ContinueOnError)
	c.natsClient.register(fs)
	fs.Var(&c.Subjects, "subject", "subject to watch, wildcards allowed (repeatable); default: every event subject of the prefix")
	fs.BoolVar(&c.JSON, "json", false, "print each event as its raw CloudEvents JSON")
	fs.BoolVar(&c.Replay, "replay", false, "first print the events already stored in the events stream, then follow")
	return fs
}

// Validate checks the prefix and connection flags.
func (c *watchConfig) Validate() error {
	return c.natsClient.validate()
}

// watch prints events until ctx ends.
func watch(ctx context.Context, cfg watchConfig, out, _ io.Writer) error {
	d, err := cfg.dial("taskpoller watch")
	if err != nil {
		return err
	}
	defer d.nc.Close()
	nc, js, subjects := d.nc, d.js, d.subjects
	filter := []string(cfg.Subjects)
	if len(filter) == 0 {
		filter = subjects.AllEvents()
	}
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
