package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
)

// registerConfig is the configuration of `taskpoller register`.
type registerConfig struct {
	natsClient
	taskFlags
	Meta    multiFlag
	Timeout time.Duration
}

func (c *registerConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	c.namesAccount = true
	c.natsClient.register(fs)
	c.taskFlags.register(fs)
	fs.Var(&c.Meta, "meta", "metadata key=value echoed in every event of the task (repeatable)")
	durationVar(fs, &c.Timeout, "timeout", 10*time.Second, positive, "how long to wait for JetStream to store the registration")
	return fs
}

// Validate checks the ids as a worker would, so a bad one is refused here already, the
// metadata and the connection flags.
func (c *registerConfig) Validate() error {
	_, err := c.metadata()
	return errors.Join(c.taskFlags.validate(), err, c.natsClient.validate())
}

func (c *registerConfig) metadata() (json.RawMessage, error) {
	if len(c.Meta) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range c.Meta {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--meta %q: want key=value", kv)
		}
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(b) > events.MaxMetadataBytes {
		return nil, fmt.Errorf("metadata is %d bytes, more than %d", len(b), events.MaxMetadataBytes)
	}
	return b, nil
}

// register publishes one registration and waits until JetStream has stored it.
func register(ctx context.Context, cfg registerConfig, out, _ io.Writer) error {
	md, _ := cfg.metadata()
	ctx, d, done, err := cfg.dialFor(ctx, "taskpoller register", cfg.Timeout)
	if err != nil {
		return err
	}
	defer done()
	got, err := natsclient.Register(ctx, d.js, d.subjects, events.Registration{Account: cfg.Account, RegionID: cfg.Region, TaskID: cfg.Task, Metadata: md})
	if err != nil {
		return fmt.Errorf("registration not stored: %w", err)
	}
	if got.Duplicate {
		fmt.Fprintf(out, "task %s in %s was already registered moments ago (stream %s, sequence %d)\n", cfg.Task, cfg.Region, got.Stream, got.Sequence)
		return nil
	}
	fmt.Fprintf(out, "registered task %s in %s (stream %s, sequence %d)\n", cfg.Task, cfg.Region, got.Stream, got.Sequence)
	return nil
}
