// Package follower is the shared body of the demo's downstream consumers (export-consumer and
// ops-alerts): a command that durably consumes some task events and prints a line for each.
// Each command supplies a Spec; flags, environment, logging, connection and consumption are here.
package follower

import (
	"github.com/taskpoller/taskpoller/events/natsclient"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
	"github.com/taskpoller/taskpoller/cmd/internal/logging"
	"github.com/taskpoller/taskpoller/events"
)

// Spec is what one consumer command does.
type Spec struct {
	Name        string                              // command name, default durable name, log name
	EnvPrefix   string                              // e.g. "OPS_ALERTS_": --nats-url is OPS_ALERTS_NATS_URL
	Description string                              // of the durable consumer
	Filter      func(events.Subjects) string        // the subjects it consumes
	Handle      func(io.Writer, events.Event) error // prints the lines of one event; an error redelivers it
}

// Config is the configuration common to every consumer. Flags win over the environment.
type Config struct {
	NATS          natsclient.ConnConfig
	SubjectPrefix string
	Durable       string
	AckWait       time.Duration
	MaxAckPending int
	LogLevel      string
}

// ParseConfig reads args, then the environment through lookup, and validates the result.
func (s Spec) ParseConfig(args []string, lookup func(string) (string, bool), usage io.Writer) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet(s.Name, flag.ContinueOnError)
	fs.SetOutput(usage)
	cfg.NATS.RegisterFlags(fs, nats.DefaultURL, "NATS server URL(s), comma-separated")
	fs.StringVar(&cfg.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "subject prefix of the taskpoller deployment")
	fs.StringVar(&cfg.Durable, "durable", s.Name, "name of the durable JetStream consumer")
	fs.DurationVar(&cfg.AckWait, "ack-wait", 30*time.Second, "redeliver an event not acknowledged within this time")
	fs.IntVar(&cfg.MaxAckPending, "max-ack-pending", 256, "events delivered and not yet acknowledged, at most")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error (logs go to stderr)")
	if err := flagenv.Parse(fs, args, s.EnvPrefix, lookup); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.NATS.URL == "":
		return errors.New("--nats-url is required")
	case c.NATS.Validate() != nil:
		return c.NATS.Validate()
	case c.Durable == "" || strings.ContainsAny(c.Durable, ". *>"):
		return fmt.Errorf("--durable %q: want a name without spaces, '.', '*' or '>'", c.Durable)
	case c.AckWait < time.Second:
		return fmt.Errorf("--ack-wait %v: want at least 1s", c.AckWait)
	case c.MaxAckPending < 1:
		return fmt.Errorf("--max-ack-pending %d: want at least 1", c.MaxAckPending)
	}
	if _, err := events.NewSubjects(c.SubjectPrefix); err != nil {
		return err
	}
	return logging.Validate(c.LogLevel, "console")
}

// Run consumes until ctx ends, printing to out and logging to logOut. It returns an error
// only if it cannot start.
func (s Spec) Run(ctx context.Context, cfg Config, out, logOut io.Writer) error {
	log := logging.New(cfg.LogLevel, "console", logOut).Named(s.Name)
	defer func() { _ = log.Sync() }()
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return err
	}
	nc, js, err := cfg.NATS.Dial("", s.Name, log, nats.RetryOnFailedConnect(true))
	if err != nil {
		return err
	}
	defer nc.Close()
	err = natsclient.Follow(ctx, js, subjects, natsclient.FollowConfig{
		Durable: cfg.Durable, Description: s.Description, FilterSubject: s.Filter(subjects),
		AckWait: cfg.AckWait, MaxAckPending: cfg.MaxAckPending,
	}, log, func(e events.Event) error { return s.Handle(out, e) })
	log.Info("stopped", zap.Error(err))
	return err
}

// Main is the whole main of a consumer command: configuration from the command line and the
// environment, a context ended by SIGINT or SIGTERM, Run, and the exit code (0 done or --help,
// 1 failed, 2 bad configuration).
func (s Spec) Main() int {
	cfg, err := s.ParseConfig(os.Args[1:], os.LookupEnv, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, flagenv.ErrUsage):
		return 2 // flagenv has written it
	case err != nil:
		fmt.Fprintf(os.Stderr, "%s: %v\n", s.Name, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := s.Run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", s.Name, err)
		return 1
	}
	return 0
}
