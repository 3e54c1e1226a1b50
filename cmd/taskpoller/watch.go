package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

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

// watch prints events until ctx ends, in the order the server delivers them: one channel
// takes every subject's messages, so a task's events print in the order they were published.
// It first says on stderr what it waits on, so that a silent terminal is not a mystery.
func watch(ctx context.Context, cfg watchConfig, out, stderr io.Writer) error {
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
	msgs := make(chan *nats.Msg, 256)
	what := "new events only (--replay prints the stored ones first)"
	if cfg.Replay {
		cons, err := js.OrderedConsumer(ctx, subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{FilterSubjects: filter})
		if err != nil {
			return fmt.Errorf("read the events stream: %w", err)
		}
		cc, err := cons.Consume(func(m jetstream.Msg) {
			select {
			case msgs <- &nats.Msg{Subject: m.Subject(), Data: m.Data()}:
			case <-ctx.Done():
			}
		})
		if err != nil {
			return fmt.Errorf("read the events stream: %w", err)
		}
		defer cc.Stop()
		what = "the events stored in stream " + subjects.StreamName(events.EventsRole) + ", then new ones"
	} else {
		for _, s := range filter {
			sub, err := nc.ChanSubscribe(s, msgs)
			if err != nil {
				return fmt.Errorf("subscribe %s: %w", s, err)
			}
			defer func() { _ = sub.Unsubscribe() }()
		}
		if err := nc.Flush(); err != nil {
			return fmt.Errorf("subscribe: %w", err)
		}
	}
	fmt.Fprintf(stderr, "watching %s on %s: %s; one line per event as workers publish them; Ctrl-C to stop\n",
		strings.Join(filter, " "), nc.ConnectedUrlRedacted(), what)
	for {
		select {
		case m := <-msgs:
			l := string(m.Data)
			if !cfg.JSON {
				l = formatLine(m.Subject, m.Data)
			}
			fmt.Fprintln(out, l)
		case <-ctx.Done():
			return nil
		}
	}
}
